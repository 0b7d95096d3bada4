// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * naclscope report FILE: per VM, vCPU, exit reason, path and hstatus mode:
 * counts, means and percentiles of the three spans; the NACL calls; the
 * L0-trap equivalents per exit; what the measurement itself cost.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "names.h"

enum fmt { FMT_TEXT, FMT_CSV, FMT_JSON };

static struct {
	const char *file;
	enum fmt fmt;
	int hist;
} env;

static const char doc[] =
"Report a naclscope recording.\n"
"\n"
"USAGE: naclscope report FILE [--format text|csv|json] [-H]\n"
"\n"
"EXAMPLES:\n"
"    naclscope report r.json              # table per VM, vCPU, reason, path\n"
"    naclscope report r.json -H           # and the switch-cycle histograms\n"
"    naclscope report r.json --format csv # one row per key, for spreadsheets\n";

static const struct argp_option opts[] = {
	{ "format", 'f', "FORMAT", 0, "text (default), csv or json", 0 },
	{ "hist", 'H', NULL, 0, "Print the histogram of each key (text)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'f':
		if (!strcmp(arg, "text"))
			env.fmt = FMT_TEXT;
		else if (!strcmp(arg, "csv"))
			env.fmt = FMT_CSV;
		else if (!strcmp(arg, "json"))
			env.fmt = FMT_JSON;
		else
			argp_error(state, "unknown format '%s' (text, csv or json)", arg);
		break;
	case 'H':
		env.hist = 1;
		break;
	case ARGP_KEY_ARG:
		if (env.file)
			argp_error(state, "one recording only (compare takes two)");
		env.file = arg;
		break;
	case ARGP_KEY_END:
		if (!env.file)
			argp_error(state, "missing recording FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const char *ns_reason_str(const struct ns_key *k, char *buf, size_t len)
{
	ns_reason_name(k->intr, k->cause, k->ext, k->sub, buf, len);
	return buf;
}

static int key_cmp(const void *a, const void *b)
{
	const struct ns_key *x = &((const struct ns_entry *)a)->key;
	const struct ns_key *y = &((const struct ns_entry *)b)->key;

#define CMP(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
	CMP(pid); CMP(vm); CMP(vcpu); CMP(intr); CMP(cause); CMP(ext); CMP(sub);
	CMP(path); CMP(hstatus_mode);
#undef CMP
	return 0;
}

static uint64_t entry_count(const struct ns_recording *r, const struct ns_entry *e)
{
	return ns_entry_exits(r, e);
}

/* libbpf-tools style log2 histogram, from the log-linear buckets */
static void print_log2_hist(const struct ns_span *s, const char *unit)
{
	uint64_t slots[64] = { 0 }, max = 0, lo, hi;
	unsigned int b, i, last = 0, width = 40, bar;

	for (b = 0; b < NS_HIST_BUCKETS; b++) {
		lo = ns_hist_lower(b);
		i = lo ? ns_log2(lo) : 0;
		slots[i] += s->hist[b];
	}
	for (i = 0; i < 64; i++) {
		if (slots[i])
			last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	printf("     %-19s : count    distribution\n", unit);
	for (i = 0; i <= last; i++) {
		lo = i ? 1ULL << i : 0;
		hi = (1ULL << (i + 1)) - 1;
		bar = max ? (unsigned int)(slots[i] * width / max) : 0;
		printf("%10llu -> %-10llu : %-8llu |%-*.*s|\n", (unsigned long long)lo,
		       (unsigned long long)hi, (unsigned long long)slots[i], width, bar,
		       "****************************************");
	}
}

struct totals {
	uint64_t exits, by_path[NS_PATH_SLOTS], by_mode[NS_MODE_SLOTS];
	struct ns_l0 l0;
	int have_l0;
	double l0_per_exit;	/* -1: unknown */
	uint64_t bpf_ns;
	uint64_t bpf_exits;	/* runs of the exit event's program while the stats were sampled */
};

static void compute_totals(const struct ns_recording *r, struct totals *t)
{
	unsigned int i;
	size_t k;

	memset(t, 0, sizeof(*t));
	for (k = 0; k < r->n; k++) {
		uint64_t n = entry_count(r, &r->e[k]);

		t->exits += n;
		t->by_path[ns_path_slot(r->e[k].key.path)] += n;
		t->by_mode[ns_mode_slot(r->e[k].key.hstatus_mode)] += n;
	}
	t->have_l0 = !ns_kvm_l0(r->kvm_stats, &t->l0);
	t->l0_per_exit = t->have_l0 && t->l0.entries ? (double)t->l0.total / (double)t->l0.entries : -1;
	for (i = 0; i < r->nprogs; i++) {
		t->bpf_ns += r->prog[i].run_time_ns;
		if (!strcmp(r->prog[i].name, "ns_world_switch") || !strcmp(r->prog[i].name, "ns_kvm_exit"))
			t->bpf_exits += r->prog[i].run_cnt;
	}
}

/* one table cell: the value, or "-" where there is none */
static void print_stat(uint64_t have, double v, int width)
{
	if (have)
		printf(" %*.0f", width, v);
	else
		printf(" %*s", width, "-");
}

static void print_text(const struct ns_recording *r, const struct totals *t)
{
	const struct ns_span *sw, *gu, *ex;
	struct ns_split sp;
	char reason[96];
	unsigned int i;
	size_t k;

	printf("naclscope report: %s\n", env.file);
	printf("kernel %s (%s), SBI %s %s, NACL features %s, %s mode, %.2f s%s%s\n",
	       r->kernel ? r->kernel : "?", r->machine ? r->machine : "?",
	       r->sbi_impl ? r->sbi_impl : "unknown", r->sbi_version ? r->sbi_version : "",
	       r->nacl_param ? r->nacl_param : "n/a",
	       r->degraded ? "DEGRADED (kvm_entry/kvm_exit only: no path, mode, VM id or switch cycles)" : "series",
	       r->duration_s, r->command ? ", command: " : "", r->command ? r->command : "");
	if (r->measured != NS_MEASURED_ALL)
		printf("spans measured:%s%s%s%s (others have count 0)%s\n",
		       r->measured & NS_MEASURED(NS_SPAN_EXIT) ? " exit_ns" : "",
		       r->measured & NS_MEASURED(NS_SPAN_SWITCH) ? " switch_cycles" : "",
		       r->measured & NS_MEASURED(NS_SPAN_HOST) ? " host_ns" : "",
		       r->measured & NS_MEASURED(NS_SPAN_GUEST) ? " guest_ns" : "",
		       r->measured & NS_MEASURED(NS_SPAN_EXIT) ? "" :
		       "; no exit_ns: the exit's whole cost is unknown");
	if (r->bad_cycles)
		printf("WARNING: %llu world switches reported a negative cycle delta (filed as 0 cycles)\n",
		       (unsigned long long)r->bad_cycles);
	if (r->final_drops)
		printf("WARNING: the final counters of %llu destroyed vCPUs found no room: kvm_stats may trail them\n",
		       (unsigned long long)r->final_drops);
	if (r->drops || r->vcpu_drops)
		printf("WARNING: incomplete: %llu exits found no free key slot, %llu host spans no vCPU slot\n",
		       (unsigned long long)r->drops, (unsigned long long)r->vcpu_drops);
	printf("exits %llu (switch_to %llu, sync_sret %llu), drops %llu exits / %llu vCPUs\n\n",
	       (unsigned long long)t->exits, (unsigned long long)t->by_path[0],
	       (unsigned long long)t->by_path[1], (unsigned long long)r->drops,
	       (unsigned long long)r->vcpu_drops);
	printf("%-7s %3s %4s %-36s %-9s %-8s %9s %9s %9s %9s %9s %9s %9s %10s %10s\n", "PID", "VM",
	       "VCPU", "REASON", "PATH", "MODE", "COUNT", "EXIT_MEAN", "EXIT_P50", "EXIT_P99",
	       "CYC_MEAN", "CYC_P50", "CYC_P99", "HANDLING", "GUEST_MEAN");
	for (k = 0; k < r->n; k++) {
		const struct ns_entry *e = &r->e[k];

		ex = &e->span[NS_SPAN_EXIT];
		sw = &e->span[NS_SPAN_SWITCH];
		gu = &e->span[NS_SPAN_GUEST];
		ns_rec_split(r, e->span, &sp);
		printf("%-7u %3u %4u %-36s %-9s %-8s %9llu", e->key.pid, e->key.vm, e->key.vcpu,
		       ns_reason_str(&e->key, reason, sizeof(reason)), ns_path_name(e->key.path),
		       ns_mode_name(e->key.hstatus_mode), (unsigned long long)entry_count(r, e));
		print_stat(ex->count, ns_span_mean(ex), 9);
		print_stat(ex->count, ns_span_percentile(ex, 50), 9);
		print_stat(ex->count, ns_span_percentile(ex, 99), 9);
		print_stat(sw->count, ns_span_mean(sw), 9);
		print_stat(sw->count, ns_span_percentile(sw, 50), 9);
		print_stat(sw->count, ns_span_percentile(sw, 99), 9);
		print_stat(sp.handling_ns >= 0, sp.handling_ns, 10);
		print_stat(gu->count, ns_span_mean(gu), 10);
		printf("\n");
		if (env.hist && ex->count) {
			printf("\n");
			print_log2_hist(ex, "exit ns");
		}
		if (env.hist && sw->count) {
			printf("\n");
			print_log2_hist(sw, "cycles");
			printf("\n");
		}
	}
	printf("\nEXIT = the exit's whole cost, ns from the entry before it to the next entry (guest run, world\n"
	       "switch, KVM and user space); CYC = switch cycles (enter/exit call, guest run included);\n"
	       "HANDLING = ns exit -> next entry (%s); GUEST = ns entry -> exit.\n",
	       r->measured & NS_MEASURED(NS_SPAN_HOST) ? "measured" : "EXIT less CYC in ns");
	printf("Percentiles from log-linear buckets: within 6.25 %% of the true value.\n\n");
	printf("NACL: sync_csr %llu calls (%llu CSRs, %llu full), sync_hfence %llu calls (%llu entries)\n",
	       (unsigned long long)r->cnt[NS_CNT_SYNC_CSR].count,
	       (unsigned long long)r->cnt[NS_CNT_SYNC_CSR].sum,
	       (unsigned long long)r->cnt[NS_CNT_SYNC_CSR_ALL].count,
	       (unsigned long long)r->cnt[NS_CNT_SYNC_HFENCE].count,
	       (unsigned long long)r->cnt[NS_CNT_SYNC_HFENCE].sum);
	for (i = 0; i < NS_HFENCE_VIAS * NS_HFENCE_TYPES; i++)
		if (r->cnt[NS_CNT_HFENCE + i].count)
			printf("  hfence %-14s via %-6s %llu\n", ns_hfence_type_name(i % NS_HFENCE_TYPES),
			       ns_hfence_via_name(i / NS_HFENCE_TYPES),
			       (unsigned long long)r->cnt[NS_CNT_HFENCE + i].count);
	for (i = 0; i < NS_NACL_FIDS; i++) {
		const struct ns_counter *c = &r->cnt[NS_CNT_NACL_CALL + i];
		const char *n = ns_nacl_fid_name(i);

		if (c->count)
			printf("  SBI NACL.%-14s %llu calls, mean %.0f ns, %llu errors\n", n ? n : "?",
			       (unsigned long long)c->count, (double)c->sum / (double)c->count,
			       (unsigned long long)c->errors);
	}
	if (t->l0_per_exit >= 0)
		printf("L0-trap equivalents per exit: %.2f (H-CSR insns %lld + local HFENCEs %lld + SRETs %lld + NACL ecalls %lld, over %lld entries; KVM counters)\n",
		       t->l0_per_exit, t->l0.hcsr_insn, t->l0.hfence_local, t->l0.sret,
		       t->l0.nacl_calls, t->l0.entries);
	else
		printf("L0-trap equivalents per exit: unknown (no KVM counters of the series in the recording)\n");
	if (r->bpf_stats && t->bpf_exits)
		printf("Measurement cost: BPF programs ran %.0f ns per exit (kernel BPF stats sampled for %.2f s: %llu ns over %llu exits)\n",
		       (double)t->bpf_ns / (double)t->bpf_exits, r->bpf_stats_s,
		       (unsigned long long)t->bpf_ns, (unsigned long long)t->bpf_exits);
	else if (r->bpf_stats)
		printf("Measurement cost: unknown (no exit while the kernel BPF stats were sampled)\n");
	else
		printf("Measurement cost: unknown (kernel BPF stats were off)\n");
}

static void print_csv(const struct ns_recording *r)
{
	char reason[96];
	unsigned int j;
	size_t k;

	printf("pid,vm,vcpu,reason,interrupt,cause,ext,sub,path,hstatus_mode,count");
	for (j = 0; j < NS_SPANS; j++)
		printf(",%1$s_count,%1$s_mean,%1$s_p50,%1$s_p99,%1$s_min,%1$s_max", ns_span_keys[j]);
	printf("\n");
	for (k = 0; k < r->n; k++) {
		const struct ns_entry *e = &r->e[k];

		printf("%u,%u,%u,%s,%u,%u,%u,%u,%s,%s,%llu", e->key.pid, e->key.vm, e->key.vcpu,
		       ns_reason_str(&e->key, reason, sizeof(reason)), e->key.intr, e->key.cause,
		       e->key.ext, e->key.sub, ns_path_name(e->key.path),
		       ns_mode_name(e->key.hstatus_mode), (unsigned long long)entry_count(r, e));
		for (j = 0; j < NS_SPANS; j++) {
			const struct ns_span *s = &e->span[j];

			printf(",%llu,%.1f,%.1f,%.1f,%llu,%llu", (unsigned long long)s->count,
			       ns_span_mean(s), ns_span_percentile(s, 50), ns_span_percentile(s, 99),
			       (unsigned long long)(s->count ? s->min : 0), (unsigned long long)s->max);
		}
		printf("\n");
	}
}

static int print_json(const struct ns_recording *r, const struct totals *t)
{
	json_t *root = json_object(), *rows = json_array();
	char reason[96], err[256];
	unsigned int j;
	size_t k;
	int ret;

	json_object_set_new(root, "schema", json_integer(NS_SCHEMA));
	json_object_set_new(root, "kind", json_string("report"));
	json_object_set_new(root, "source", json_string(env.file));
	json_object_set_new(root, "mode", json_string(r->degraded ? "degraded" : "series"));
	for (k = 0; k < r->n; k++) {
		const struct ns_entry *e = &r->e[k];
		json_t *row, *spans = json_object();

		row = json_pack("{sIsIsIsssssssI}", "pid", (json_int_t)e->key.pid,
				"vm", (json_int_t)e->key.vm, "vcpu", (json_int_t)e->key.vcpu,
				"reason", ns_reason_str(&e->key, reason, sizeof(reason)),
				"path", ns_path_name(e->key.path),
				"hstatus_mode", ns_mode_name(e->key.hstatus_mode),
				"count", (json_int_t)entry_count(r, e));
		for (j = 0; j < NS_SPANS; j++) {
			const struct ns_span *s = &e->span[j];

			json_object_set_new(spans, ns_span_keys[j], json_pack("{sIsfsfsf}",
				"count", (json_int_t)s->count, "mean", ns_span_mean(s),
				"p50", ns_span_percentile(s, 50), "p99", ns_span_percentile(s, 99)));
		}
		json_object_set_new(row, "spans", spans);
		json_array_append_new(rows, row);
	}
	json_object_set_new(root, "rows", rows);
	json_object_set_new(root, "totals", json_pack("{sIsIsIsosIsI}", "exits", (json_int_t)t->exits,
			    "switch_to", (json_int_t)t->by_path[0], "sync_sret", (json_int_t)t->by_path[1],
			    "l0_trap_equivalents_per_exit",
			    t->l0_per_exit >= 0 ? json_real(t->l0_per_exit) : json_null(),
			    "drops", (json_int_t)r->drops, "bpf_run_time_ns", (json_int_t)t->bpf_ns));
	ret = ns_json_save(root, "-", err, sizeof(err));
	json_decref(root);
	if (ret)
		ns_err("%s", err);
	return ret ? 1 : 0;
}

int cmd_report(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "FILE", doc, NULL, NULL, NULL };
	struct ns_recording r;
	struct totals t;
	char err[512];
	int ret = 0;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (ns_rec_load(env.file, &r, err, sizeof(err))) {
		ns_err("%s", err);
		return 1;
	}
	if (!r.n) {
		ns_err("%s: empty recording (no exits recorded%s)", env.file,
		       r.command ? "; did the command run a VM?" : "");
		ns_rec_free(&r);
		return 1;
	}
	qsort(r.e, r.n, sizeof(*r.e), key_cmp);
	compute_totals(&r, &t);
	switch (env.fmt) {
	case FMT_TEXT:
		print_text(&r, &t);
		break;
	case FMT_CSV:
		print_csv(&r);
		break;
	case FMT_JSON:
		ret = print_json(&r, &t);
		break;
	}
	if (fflush(stdout))
		ret = 1;
	ns_rec_free(&r);
	return ret;
}
