// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* naclscope recordings: JSON (jansson) in and out, with validation. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "names.h"
#include "recording.h"

const char *const ns_span_keys[NS_SPANS] = {
	[NS_SPAN_SWITCH] = "switch_cycles",
	[NS_SPAN_EXIT] = "exit_ns",
	[NS_SPAN_HOST] = "host_ns",
	[NS_SPAN_GUEST] = "guest_ns",
};

void ns_rec_init(struct ns_recording *r)
{
	memset(r, 0, sizeof(*r));
	r->schema = NS_SCHEMA;
	r->nacl_offered = -1;
	r->nacl_enabled = -1;
}

void ns_rec_free(struct ns_recording *r)
{
	free(r->tool);
	free(r->kernel);
	free(r->machine);
	free(r->sbi_impl);
	free(r->sbi_version);
	free(r->nacl_param);
	free(r->command);
	free(r->e);
	json_decref(r->kvm_stats);
	ns_rec_init(r);
}

struct ns_entry *ns_rec_add(struct ns_recording *r, const struct ns_key *key)
{
	struct ns_entry *e, *ne;
	unsigned int i;

	ne = realloc(r->e, (r->n + 1) * sizeof(*r->e));
	if (!ne)
		return NULL;
	r->e = ne;
	e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	for (i = 0; i < NS_SPANS; i++)
		ns_span_init(&e->span[i]);
	return e;
}

const struct ns_entry *ns_rec_find(const struct ns_recording *r, const struct ns_key *k)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!memcmp(&r->e[i].key, k, sizeof(*k)))
			return &r->e[i];
	return NULL;
}

struct ns_entry *ns_rec_find_or_add(struct ns_recording *r, const struct ns_key *k)
{
	const struct ns_entry *e = ns_rec_find(r, k);

	return e ? &r->e[e - r->e] : ns_rec_add(r, k);
}

int ns_rec_count_span(const struct ns_recording *r)
{
	return r->degraded ? NS_SPAN_GUEST : NS_SPAN_SWITCH;
}

uint64_t ns_entry_exits(const struct ns_recording *r, const struct ns_entry *e)
{
	return e->span[ns_rec_count_span(r)].count;
}

uint64_t ns_rec_total_exits(const struct ns_recording *r)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < r->n; i++)
		n += ns_entry_exits(r, &r->e[i]);
	return n;
}

double ns_rec_cycles_ns(const struct ns_recording *r, double cycles)
{
	return cycles * 1e9 / (r->timebase_hz ? (double)r->timebase_hz : 1e7);
}

void ns_rec_split(const struct ns_recording *r, const struct ns_span *span, struct ns_split *out)
{
	const struct ns_span *ex = &span[NS_SPAN_EXIT], *sw = &span[NS_SPAN_SWITCH];
	const struct ns_span *ho = &span[NS_SPAN_HOST];
	int have_sw = (r->measured & NS_MEASURED(NS_SPAN_SWITCH)) && sw->count;

	out->exit_ns = (r->measured & NS_MEASURED(NS_SPAN_EXIT)) && ex->count ? ns_span_mean(ex) : -1;
	out->switch_ns = have_sw ? ns_rec_cycles_ns(r, ns_span_mean(sw)) : -1;
	if ((r->measured & NS_MEASURED(NS_SPAN_HOST)) && ho->count)
		out->handling_ns = ns_span_mean(ho);
	else if (out->exit_ns >= 0 && have_sw)
		out->handling_ns = out->exit_ns > out->switch_ns ? out->exit_ns - out->switch_ns : 0;
	else
		out->handling_ns = -1;
}

/* ---- writing ------------------------------------------------------------ */

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jint_or_null(long long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *span_to_json(const struct ns_span *s)
{
	json_t *o = json_object(), *h = json_array();
	unsigned int b;

	json_object_set_new(o, "count", json_integer((json_int_t)s->count));
	json_object_set_new(o, "sum", json_integer((json_int_t)s->sum));
	json_object_set_new(o, "sum_sq", json_real(s->sum_sq));
	json_object_set_new(o, "min", json_integer(s->count ? (json_int_t)s->min : 0));
	json_object_set_new(o, "max", json_integer((json_int_t)s->max));
	for (b = 0; b < NS_HIST_BUCKETS; b++)
		if (s->hist[b])
			json_array_append_new(h, json_pack("[iI]", b, (json_int_t)s->hist[b]));
	json_object_set_new(o, "hist", h);
	return o;
}

static json_t *counter_json(const struct ns_counter *c, const char *sumname)
{
	return json_pack("{sIsI}", "count", (json_int_t)c->count, sumname, (json_int_t)c->sum);
}

json_t *ns_rec_to_json(const struct ns_recording *r)
{
	json_t *root = json_object(), *host, *exits = json_array(), *nacl, *arr, *progs;
	uint64_t total_ns = 0, exits_n;
	char reason[96];
	unsigned int i, j;

	json_object_set_new(root, "schema", json_integer(NS_SCHEMA));
	json_object_set_new(root, "tool", jstr_or_null(r->tool));
	host = json_object();
	json_object_set_new(host, "kernel", jstr_or_null(r->kernel));
	json_object_set_new(host, "machine", jstr_or_null(r->machine));
	json_object_set_new(host, "sbi", json_pack("{soso}", "implementation",
			    jstr_or_null(r->sbi_impl), "version", jstr_or_null(r->sbi_version)));
	json_object_set_new(host, "nacl", json_pack("{sososo}", "param",
			    jstr_or_null(r->nacl_param), "offered", jint_or_null(r->nacl_offered),
			    "enabled", jint_or_null(r->nacl_enabled)));
	json_object_set_new(host, "timebase_hz", r->timebase_hz ? json_integer(r->timebase_hz) : json_null());
	json_object_set_new(root, "host", host);
	json_object_set_new(root, "mode", json_string(r->degraded ? "degraded" : "series"));
	arr = json_array();
	for (i = 0; i < NS_SPANS; i++)
		if (r->measured & NS_MEASURED(i))
			json_array_append_new(arr, json_string(ns_span_keys[i]));
	json_object_set_new(root, "spans_measured", arr);
	json_object_set_new(root, "command", jstr_or_null(r->command));
	json_object_set_new(root, "pid", json_integer(r->pid));
	json_object_set_new(root, "duration_s", json_real(r->duration_s));
	json_object_set_new(root, "drops", json_pack("{sIsIsI}", "exits", (json_int_t)r->drops,
			    "vcpus", (json_int_t)r->vcpu_drops, "finals", (json_int_t)r->final_drops));
	json_object_set_new(root, "bad_cycles", json_integer((json_int_t)r->bad_cycles));

	for (i = 0; i < r->n; i++) {
		const struct ns_entry *e = &r->e[i];
		json_t *o, *spans = json_object();

		ns_reason_name(e->key.intr, e->key.cause, e->key.ext, e->key.sub, reason, sizeof(reason));
		o = json_pack("{sIsIsIsssssbsIsIsIss}",
			      "pid", (json_int_t)e->key.pid, "vm", (json_int_t)e->key.vm,
			      "vcpu", (json_int_t)e->key.vcpu,
			      "path", ns_path_name(e->key.path),
			      "hstatus_mode", ns_mode_name(e->key.hstatus_mode),
			      "interrupt", (int)e->key.intr, "cause", (json_int_t)e->key.cause,
			      "ext", (json_int_t)e->key.ext, "sub", (json_int_t)e->key.sub,
			      "reason", reason);
		for (j = 0; j < NS_SPANS; j++)
			json_object_set_new(spans, ns_span_keys[j], span_to_json(&e->span[j]));
		json_object_set_new(o, "spans", spans);
		json_array_append_new(exits, o);
	}
	json_object_set_new(root, "exits", exits);

	nacl = json_object();
	json_object_set_new(nacl, "sync_csr", counter_json(&r->cnt[NS_CNT_SYNC_CSR], "entries"));
	json_object_set_new(nacl, "sync_csr_all", counter_json(&r->cnt[NS_CNT_SYNC_CSR_ALL], "entries"));
	json_object_set_new(nacl, "sync_hfence", counter_json(&r->cnt[NS_CNT_SYNC_HFENCE], "entries"));
	arr = json_array();
	for (i = 0; i < NS_HFENCE_VIAS; i++)
		for (j = 0; j < NS_HFENCE_TYPES; j++) {
			const struct ns_counter *c = &r->cnt[NS_CNT_HFENCE + i * NS_HFENCE_TYPES + j];

			if (c->count)
				json_array_append_new(arr, json_pack("{sssisssisI}",
					"type", ns_hfence_type_name(j), "type_id", j,
					"via", ns_hfence_via_name(i), "via_id", i,
					"count", (json_int_t)c->count));
		}
	json_object_set_new(nacl, "hfence", arr);
	arr = json_array();
	for (i = 0; i < NS_NACL_FIDS; i++) {
		const struct ns_counter *c = &r->cnt[NS_CNT_NACL_CALL + i];
		const char *n = ns_nacl_fid_name(i);

		if (c->count)
			json_array_append_new(arr, json_pack("{sisssIsIsI}", "fid", i,
				"name", n ? n : "unknown", "count", (json_int_t)c->count,
				"ns", (json_int_t)c->sum, "errors", (json_int_t)c->errors));
	}
	json_object_set_new(nacl, "sbi_calls", arr);
	json_object_set_new(root, "nacl", nacl);

	json_object_set_new(root, "kvm_stats", r->kvm_stats ? json_incref(r->kvm_stats) : json_null());

	progs = json_array();
	exits_n = 0;
	for (i = 0; i < r->nprogs; i++) {
		json_array_append_new(progs, json_pack("{sssIsI}", "name", r->prog[i].name,
				      "run_cnt", (json_int_t)r->prog[i].run_cnt,
				      "run_time_ns", (json_int_t)r->prog[i].run_time_ns));
		total_ns += r->prog[i].run_time_ns;
		/* the stats are sampled: per exit is per run of the exit event's program */
		if (!strcmp(r->prog[i].name, "ns_world_switch") || !strcmp(r->prog[i].name, "ns_kvm_exit"))
			exits_n += r->prog[i].run_cnt;
	}
	json_object_set_new(root, "bpf_cost", json_pack("{sbsfsosIso}", "stats_enabled", r->bpf_stats,
			    "sampled_s", r->bpf_stats_s, "programs", progs, "run_time_ns", (json_int_t)total_ns,
			    "ns_per_exit", exits_n ? json_real((double)total_ns / (double)exits_n) : json_null()));
	return root;
}

int ns_json_save(json_t *root, const char *path, char *err, size_t errlen)
{
	char *tmp;
	FILE *f;
	int ok;

	if (!strcmp(path, "-")) {
		if (json_dumpf(root, stdout, JSON_INDENT(1)) || fputc('\n', stdout) == EOF ||
		    fflush(stdout)) {
			snprintf(err, errlen, "stdout: write failed");
			return -1;
		}
		return 0;
	}
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = !json_dumpf(root, f, JSON_INDENT(1)) && fputc('\n', f) != EOF && !fflush(f) &&
	     !fsync(fileno(f));
	if (fclose(f))
		ok = 0;
	if (!ok || rename(tmp, path)) {
		snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int ns_rec_save(const struct ns_recording *r, const char *path, char *err, size_t errlen)
{
	json_t *root = ns_rec_to_json(r);
	int ret;

	if (!root) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = ns_json_save(root, path, err, errlen);
	json_decref(root);
	return ret;
}

/* ---- reading ------------------------------------------------------------ */

struct ctx {
	char *err;
	size_t errlen;
	int failed;
	int schema;	/* of the recording being read */
};

static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return -1;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int get_u64(struct ctx *c, json_t *o, const char *k, const char *where, uint64_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!v)
		return fail(c, "%s.%s: missing", where, k);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(c, "%s.%s: expected a non-negative integer", where, k);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_u32(struct ctx *c, json_t *o, const char *k, const char *where, uint32_t *out)
{
	uint64_t v;

	if (get_u64(c, o, k, where, &v))
		return -1;
	if (v > UINT32_MAX)
		return fail(c, "%s.%s: %llu out of range", where, k, (unsigned long long)v);
	*out = (uint32_t)v;
	return 0;
}

static int get_ull(struct ctx *c, json_t *o, const char *k, const char *where, __u64 *out)
{
	uint64_t v;

	if (get_u64(c, o, k, where, &v))
		return -1;
	*out = v;
	return 0;
}

/* Optional string: NULL or a string; anything else fails. */
static int get_str(struct ctx *c, json_t *o, const char *k, const char *where, char **out)
{
	json_t *v = json_object_get(o, k);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(c, "%s.%s: expected a string", where, k);
	*out = strdup(json_string_value(v));
	return *out ? 0 : fail(c, "out of memory");
}

static int get_opt_int(struct ctx *c, json_t *o, const char *k, const char *where, long long *out)
{
	json_t *v = json_object_get(o, k);

	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(c, "%s.%s: expected a non-negative integer or null", where, k);
	*out = json_integer_value(v);
	return 0;
}

/* spans_measured: an array of distinct span names */
static int get_measured(struct ctx *c, json_t *arr, unsigned int *out)
{
	unsigned int j, bit;
	json_t *v;
	size_t i;

	*out = 0;
	if (!json_is_array(arr))
		return fail(c, "spans_measured: expected an array of span names");
	json_array_foreach(arr, i, v) {
		for (j = 0; j < NS_SPANS; j++)
			if (json_is_string(v) && !strcmp(json_string_value(v), ns_span_keys[j]))
				break;
		if (j == NS_SPANS || (j == NS_SPAN_EXIT && c->schema < 3))
			return fail(c, "spans_measured[%zu]: expected \"switch_cycles\", \"host_ns\", \"guest_ns\"%s",
				    i, c->schema < 3 ? " (exit_ns is schema 3)" : " or \"exit_ns\"");
		bit = NS_MEASURED(j);
		if (*out & bit)
			return fail(c, "spans_measured[%zu]: %s twice", i, ns_span_keys[j]);
		*out |= bit;
	}
	return 0;
}

static int span_from_json(struct ctx *c, json_t *o, const char *where, struct ns_span *s)
{
	uint64_t total = 0, b, n;
	json_t *h, *pair, *sq;
	size_t i;

	if (!json_is_object(o))
		return fail(c, "%s: expected an object", where);
	if (get_u64(c, o, "count", where, &s->count) || get_u64(c, o, "sum", where, &s->sum) ||
	    get_u64(c, o, "min", where, &s->min) || get_u64(c, o, "max", where, &s->max))
		return -1;
	sq = json_object_get(o, "sum_sq");
	if (!json_is_number(sq) || json_number_value(sq) < 0)
		return fail(c, "%s.sum_sq: expected a non-negative number", where);
	s->sum_sq = json_number_value(sq);
	h = json_object_get(o, "hist");
	if (!json_is_array(h))
		return fail(c, "%s.hist: expected an array", where);
	json_array_foreach(h, i, pair) {
		if (!json_is_array(pair) || json_array_size(pair) != 2 ||
		    !json_is_integer(json_array_get(pair, 0)) ||
		    !json_is_integer(json_array_get(pair, 1)) ||
		    json_integer_value(json_array_get(pair, 0)) < 0 ||
		    json_integer_value(json_array_get(pair, 1)) < 0)
			return fail(c, "%s.hist[%zu]: expected [bucket, count]", where, i);
		b = (uint64_t)json_integer_value(json_array_get(pair, 0));
		n = (uint64_t)json_integer_value(json_array_get(pair, 1));
		if (b >= NS_HIST_BUCKETS)
			return fail(c, "%s.hist[%zu]: bucket %llu out of range (0..%u)", where, i,
				    (unsigned long long)b, NS_HIST_BUCKETS - 1);
		s->hist[b] += n;
		total += n;
	}
	if (total != s->count)
		return fail(c, "%s: histogram holds %llu samples but count is %llu", where,
			    (unsigned long long)total, (unsigned long long)s->count);
	if (s->count && (s->min > s->max || s->sum < s->min))
		return fail(c, "%s: min/max/sum inconsistent", where);
	if (!s->count)
		s->min = UINT64_MAX;
	return 0;
}

static int counter_from_json(struct ctx *c, json_t *nacl, const char *k, struct ns_counter *out)
{
	json_t *o = json_object_get(nacl, k);
	char where[64];

	snprintf(where, sizeof(where), "nacl.%s", k);
	if (!json_is_object(o))
		return fail(c, "%s: expected an object", where);
	return get_ull(c, o, "count", where, &out->count) ||
	       get_ull(c, o, "entries", where, &out->sum) ? -1 : 0;
}

static int nacl_from_json(struct ctx *c, json_t *nacl, struct ns_recording *r)
{
	json_t *a, *o;
	uint32_t t = 0, v = 0, fid = 0;
	char where[64];
	size_t i;

	if (!json_is_object(nacl))
		return fail(c, "nacl: expected an object");
	if (counter_from_json(c, nacl, "sync_csr", &r->cnt[NS_CNT_SYNC_CSR]) ||
	    counter_from_json(c, nacl, "sync_csr_all", &r->cnt[NS_CNT_SYNC_CSR_ALL]) ||
	    counter_from_json(c, nacl, "sync_hfence", &r->cnt[NS_CNT_SYNC_HFENCE]))
		return -1;
	a = json_object_get(nacl, "hfence");
	if (!json_is_array(a))
		return fail(c, "nacl.hfence: expected an array");
	json_array_foreach(a, i, o) {
		snprintf(where, sizeof(where), "nacl.hfence[%zu]", i);
		if (get_u32(c, o, "type_id", where, &t) || get_u32(c, o, "via_id", where, &v))
			return -1;
		if (t >= NS_HFENCE_TYPES || v >= NS_HFENCE_VIAS)
			return fail(c, "%s: type_id/via_id out of range", where);
		if (get_ull(c, o, "count", where, &r->cnt[NS_CNT_HFENCE + v * NS_HFENCE_TYPES + t].count))
			return -1;
	}
	a = json_object_get(nacl, "sbi_calls");
	if (!json_is_array(a))
		return fail(c, "nacl.sbi_calls: expected an array");
	json_array_foreach(a, i, o) {
		struct ns_counter *cn;

		snprintf(where, sizeof(where), "nacl.sbi_calls[%zu]", i);
		if (get_u32(c, o, "fid", where, &fid))
			return -1;
		if (fid >= NS_NACL_FIDS)
			return fail(c, "%s.fid: %u out of range", where, fid);
		cn = &r->cnt[NS_CNT_NACL_CALL + fid];
		if (get_ull(c, o, "count", where, &cn->count) || get_ull(c, o, "ns", where, &cn->sum) ||
		    get_ull(c, o, "errors", where, &cn->errors))
			return -1;
	}
	return 0;
}

static int entry_from_json(struct ctx *c, json_t *o, size_t idx, struct ns_recording *r)
{
	struct ns_key key;
	struct ns_entry *e;
	json_t *v, *spans;
	char where[96];
	unsigned int j;
	int p, m;
	size_t k;

	snprintf(where, sizeof(where), "exits[%zu]", idx);
	if (!json_is_object(o))
		return fail(c, "%s: expected an object", where);
	memset(&key, 0, sizeof(key));
	if (get_u32(c, o, "pid", where, &key.pid) || get_u32(c, o, "vm", where, &key.vm) ||
	    get_u32(c, o, "vcpu", where, &key.vcpu) || get_u32(c, o, "cause", where, &key.cause) ||
	    get_u32(c, o, "ext", where, &key.ext) || get_u32(c, o, "sub", where, &key.sub))
		return -1;
	v = json_object_get(o, "interrupt");
	if (!json_is_boolean(v))
		return fail(c, "%s.interrupt: expected true or false", where);
	key.intr = json_is_true(v);
	v = json_object_get(o, "path");
	p = json_is_string(v) ? ns_path_parse(json_string_value(v)) : -1;
	if (p < 0)
		return fail(c, "%s.path: expected switch_to, sync_sret or unknown", where);
	v = json_object_get(o, "hstatus_mode");
	m = json_is_string(v) ? ns_mode_parse(json_string_value(v)) : -1;
	if (m < 0)
		return fail(c, "%s.hstatus_mode: expected direct, sync_csr, autoswap or unknown", where);
	key.path = p;
	key.hstatus_mode = m;
	for (k = 0; k < r->n; k++)
		if (!memcmp(&r->e[k].key, &key, sizeof(key)))
			return fail(c, "%s: duplicate key (same as exits[%zu])", where, k);
	spans = json_object_get(o, "spans");
	if (!json_is_object(spans))
		return fail(c, "%s.spans: expected an object", where);
	e = ns_rec_add(r, &key);
	if (!e)
		return fail(c, "out of memory");
	for (j = 0; j < NS_SPANS; j++) {
		char w[128];

		snprintf(w, sizeof(w), "%s.spans.%s", where, ns_span_keys[j]);
		v = json_object_get(spans, ns_span_keys[j]);
		ns_span_init(&e->span[j]);
		if (!v && j == NS_SPAN_EXIT && c->schema < 3)
			continue;	/* before schema 3: not measured */
		if (!v)
			return fail(c, "%s: missing", w);
		if (span_from_json(c, v, w, &e->span[j]))
			return -1;
	}
	return 0;
}

int ns_rec_from_json(json_t *root, struct ns_recording *r, char *err, size_t errlen)
{
	struct ctx c = { err, errlen, 0, NS_SCHEMA };
	json_t *v, *host, *o;
	const char *mode;
	size_t i;

	ns_rec_init(r);
	if (!json_is_object(root))
		return fail(&c, "not a naclscope recording (top level is not an object)");
	v = json_object_get(root, "schema");
	if (!v)
		return fail(&c, "not a naclscope recording (no \"schema\")");
	if (!json_is_integer(v))
		return fail(&c, "schema: expected an integer");
	if (json_integer_value(v) < 1 || json_integer_value(v) > NS_SCHEMA)
		return fail(&c, "schema %lld is not supported (this naclscope reads schemas 1 to %d)",
			    (long long)json_integer_value(v), NS_SCHEMA);
	r->schema = (int)json_integer_value(v);
	c.schema = r->schema;
	host = json_object_get(root, "host");
	if (!json_is_object(host))
		return fail(&c, "host: expected an object");
	if (get_str(&c, root, "tool", "", &r->tool) ||
	    get_str(&c, host, "kernel", "host", &r->kernel) ||
	    get_str(&c, host, "machine", "host", &r->machine))
		goto err;
	o = json_object_get(host, "sbi");
	if (o && !json_is_null(o) && (!json_is_object(o) ||
	    get_str(&c, o, "implementation", "host.sbi", &r->sbi_impl) ||
	    get_str(&c, o, "version", "host.sbi", &r->sbi_version))) {
		fail(&c, "host.sbi: expected an object");
		goto err;
	}
	o = json_object_get(host, "nacl");
	if (o && !json_is_null(o) && (!json_is_object(o) ||
	    get_str(&c, o, "param", "host.nacl", &r->nacl_param) ||
	    get_opt_int(&c, o, "offered", "host.nacl", &r->nacl_offered) ||
	    get_opt_int(&c, o, "enabled", "host.nacl", &r->nacl_enabled))) {
		fail(&c, "host.nacl: expected an object");
		goto err;
	}
	{
		long long hz;

		if (get_opt_int(&c, host, "timebase_hz", "host", &hz))
			goto err;
		if (hz > 0xffffffffLL) {
			fail(&c, "host.timebase_hz: %lld is not a 32-bit rate", hz);
			goto err;
		}
		r->timebase_hz = hz > 0 ? (unsigned int)hz : 0;
	}
	v = json_object_get(root, "mode");
	mode = json_string_value(v);
	if (!mode || (strcmp(mode, "series") && strcmp(mode, "degraded"))) {
		fail(&c, "mode: expected \"series\" or \"degraded\"");
		goto err;
	}
	r->degraded = !strcmp(mode, "degraded");
	if (r->schema == 1) {
		v = json_object_get(root, "switch_only");
		if (v && !json_is_boolean(v)) {
			fail(&c, "switch_only: expected true or false");
			goto err;
		}
		r->measured = json_is_true(v) ? NS_MEASURED(NS_SPAN_SWITCH) : r->degraded ?
			      NS_MEASURED(NS_SPAN_HOST) | NS_MEASURED(NS_SPAN_GUEST) : NS_MEASURED_V1;
	} else if (get_measured(&c, json_object_get(root, "spans_measured"), &r->measured)) {
		goto err;
	}
	if (get_str(&c, root, "command", "", &r->command))
		goto err;
	v = json_object_get(root, "pid");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		fail(&c, "pid: expected a non-negative integer");
		goto err;
	}
	r->pid = json_integer_value(v);
	v = json_object_get(root, "duration_s");
	if (!json_is_number(v) || json_number_value(v) < 0) {
		fail(&c, "duration_s: expected a non-negative number");
		goto err;
	}
	r->duration_s = json_number_value(v);
	o = json_object_get(root, "drops");
	if (!json_is_object(o)) {
		fail(&c, "drops: expected an object");
		goto err;
	}
	if (get_u64(&c, o, "exits", "drops", &r->drops) ||
	    get_u64(&c, o, "vcpus", "drops", &r->vcpu_drops) ||
	    (json_object_get(o, "finals") && get_u64(&c, o, "finals", "drops", &r->final_drops)))
		goto err;
	v = json_object_get(root, "bad_cycles");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		fail(&c, "bad_cycles: expected a non-negative integer");
		goto err;
	}
	r->bad_cycles = v ? (uint64_t)json_integer_value(v) : 0;
	r->cnt[NS_CNT_BAD_CYCLES].count = r->bad_cycles;
	r->cnt[NS_CNT_DROPS].count = r->drops;
	r->cnt[NS_CNT_VCPU_DROPS].count = r->vcpu_drops;
	r->cnt[NS_CNT_FINAL_DROPS].count = r->final_drops;
	o = json_object_get(root, "exits");
	if (!json_is_array(o)) {
		fail(&c, "exits: expected an array");
		goto err;
	}
	json_array_foreach(o, i, v)
		if (entry_from_json(&c, v, i, r))
			goto err;
	if (nacl_from_json(&c, json_object_get(root, "nacl"), r))
		goto err;
	v = json_object_get(root, "kvm_stats");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			fail(&c, "kvm_stats: expected an object or null");
			goto err;
		}
		r->kvm_stats = json_incref(v);
	}
	o = json_object_get(root, "bpf_cost");
	if (!json_is_object(o)) {
		fail(&c, "bpf_cost: expected an object");
		goto err;
	}
	r->bpf_stats = json_is_true(json_object_get(o, "stats_enabled"));
	v = json_object_get(o, "sampled_s");
	if (v && (!json_is_number(v) || json_number_value(v) < 0)) {
		fail(&c, "bpf_cost.sampled_s: expected a non-negative number");
		goto err;
	}
	r->bpf_stats_s = v ? json_number_value(v) : 0;
	v = json_object_get(o, "programs");
	if (!json_is_array(v)) {
		fail(&c, "bpf_cost.programs: expected an array");
		goto err;
	}
	json_array_foreach(v, i, host) {
		struct ns_prog_cost *pc;
		char where[48];
		const char *name;

		if (r->nprogs >= NS_MAX_PROGS) {
			fail(&c, "bpf_cost.programs: more than %d programs", NS_MAX_PROGS);
			goto err;
		}
		snprintf(where, sizeof(where), "bpf_cost.programs[%zu]", i);
		pc = &r->prog[r->nprogs++];
		name = json_string_value(json_object_get(host, "name"));
		if (!name) {
			fail(&c, "%s.name: expected a string", where);
			goto err;
		}
		snprintf(pc->name, sizeof(pc->name), "%s", name);
		if (get_u64(&c, host, "run_cnt", where, &pc->run_cnt) ||
		    get_u64(&c, host, "run_time_ns", where, &pc->run_time_ns))
			goto err;
	}
	return 0;
err:
	ns_rec_free(r);
	return -1;
}

int ns_rec_load(const char *path, struct ns_recording *r, char *err, size_t errlen)
{
	char inner[256];
	json_error_t je;
	struct stat st;
	json_t *root;
	int ret;

	ns_rec_init(r);
	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a recording", path);
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file, not a recording", path);
		return -1;
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (je.position >= (int)st.st_size && S_ISREG(st.st_mode))
			snprintf(err, errlen, "%s: truncated recording (JSON ends early at line %d: %s)",
				 path, je.line, je.text);
		else
			snprintf(err, errlen, "%s:%d:%d: malformed recording: %s", path, je.line,
				 je.column, je.text);
		return -1;
	}
	ret = ns_rec_from_json(root, r, inner, sizeof(inner));
	json_decref(root);
	if (ret)
		snprintf(err, errlen, "%s: %s", path, inner);
	return ret;
}
