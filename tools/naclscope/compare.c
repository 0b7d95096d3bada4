// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * naclscope compare A B: for each exit reason, counts, mean, p50 and p99 of
 * one span on both sides, the ratio of means B/A with a 95 % confidence
 * interval, and a verdict ("no difference" when the interval holds 1 or the
 * change is under the noise floor). The default span is the exit's whole
 * cost (exit_ns: entry to next entry), the only one whose direction is the
 * end-to-end one on every L0: NACL moves cost between the world switch
 * (a sync_sret call instead of a trapped SRET) and KVM's handling (CSR
 * traps of vCPU put/load), so either part alone can point the wrong way.
 * How each part moved is shown beside the verdict. VMs, vCPUs, paths and
 * modes are merged per reason, and each side's path/mode mix is shown.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "names.h"

static struct {
	const char *file[2];
	int nfiles;
	int json;
	int span;		/* -1: default */
	double noise;
} env = { .span = -1, .noise = 0.02 };

static const char doc[] =
"Compare two naclscope recordings (A: baseline, B: candidate) per exit reason.\n"
"\n"
"USAGE: naclscope compare A B [--format text|json] [--span exit|switch|host|guest] [--noise F]\n"
"\n"
"The verdict is on the exit's whole cost (exit_ns, entry to next entry) by\n"
"default; SWITCH and HANDLING show how the world switch and KVM's and user\n"
"space's handling each moved.\n"
"\n"
"EXAMPLES:\n"
"    naclscope compare nacl-off.json nacl-on.json\n"
"    naclscope compare a.json b.json --span switch --format json\n";

static const struct argp_option opts[] = {
	{ "format", 'f', "FORMAT", 0, "text (default) or json", 0 },
	{ "span", 's', "SPAN", 0, "exit (ns, default), switch (cycles), host or guest (ns)", 0 },
	{ "noise", 'n', "FRACTION", 0, "Noise floor as a relative change (default 0.02)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'f':
		if (!strcmp(arg, "json"))
			env.json = 1;
		else if (strcmp(arg, "text"))
			argp_error(state, "unknown format '%s' (text or json)", arg);
		break;
	case 's':
		if (!strcmp(arg, "exit"))
			env.span = NS_SPAN_EXIT;
		else if (!strcmp(arg, "switch"))
			env.span = NS_SPAN_SWITCH;
		else if (!strcmp(arg, "host"))
			env.span = NS_SPAN_HOST;
		else if (!strcmp(arg, "guest"))
			env.span = NS_SPAN_GUEST;
		else
			argp_error(state, "unknown span '%s' (exit, switch, host or guest)", arg);
		break;
	case 'n':
		if (ns_parse_double(arg, 0, 1, &env.noise))
			argp_error(state, "invalid noise floor: %s (a fraction, 0..1)", arg);
		break;
	case ARGP_KEY_ARG:
		if (env.nfiles == 2)
			argp_error(state, "two recordings: A and B");
		env.file[env.nfiles++] = arg;
		break;
	case ARGP_KEY_END:
		if (env.nfiles != 2)
			argp_error(state, "need two recordings: A and B");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* every path (incl. unknown) x every mode (incl. unknown) */
#define NMIX (NS_PATH_SLOTS * NS_MODE_SLOTS)

struct side {
	struct ns_span all[NS_SPANS];	/* every span: the compared one and the switch/handling split */
	uint64_t exits;
	uint64_t mix[NMIX];
	int present;
};

struct row {
	struct ns_key reason;	/* only intr, cause, ext, sub */
	struct side side[2];
};

static int same_reason(const struct ns_key *a, const struct ns_key *b)
{
	return a->intr == b->intr && a->cause == b->cause && a->ext == b->ext && a->sub == b->sub;
}

static unsigned int mix_idx(const struct ns_key *k)
{
	return ns_path_slot(k->path) * NS_MODE_SLOTS + ns_mode_slot(k->hstatus_mode);
}

static const char *mix_name(unsigned int i, char *buf, size_t len)
{
	unsigned int p = i / NS_MODE_SLOTS, m = i % NS_MODE_SLOTS;

	snprintf(buf, len, "%s/%s", ns_path_name(p < NS_PATHS ? p : NS_PATH_UNKNOWN),
		 ns_mode_name(m < NS_MODES ? m : NS_MODE_UNKNOWN));
	return buf;
}

/* "sync_sret/autoswap" or "switch_to/direct 60%+" when mixed */
static const char *mix_str(const struct side *sd, char *buf, size_t len)
{
	unsigned int i, best = 0;
	char m[40];

	for (i = 1; i < NMIX; i++)
		if (sd->mix[i] > sd->mix[best])
			best = i;
	if (!sd->exits)
		snprintf(buf, len, "-");
	else if (sd->mix[best] == sd->exits)
		snprintf(buf, len, "%s", mix_name(best, m, sizeof(m)));
	else
		snprintf(buf, len, "%s %.0f%%+", mix_name(best, m, sizeof(m)),
			 100.0 * (double)sd->mix[best] / (double)sd->exits);
	return buf;
}

static size_t build_rows(struct ns_recording *rec, struct row **out)
{
	struct row *rows = NULL, *r;
	size_t n = 0, i, k;
	int s;

	for (s = 0; s < 2; s++)
		for (i = 0; i < rec[s].n; i++) {
			const struct ns_entry *e = &rec[s].e[i];
			uint64_t cnt = ns_entry_exits(&rec[s], e);
			unsigned int j;

			for (k = 0; k < n; k++)
				if (same_reason(&rows[k].reason, &e->key))
					break;
			if (k == n) {
				struct row *nr = realloc(rows, (n + 1) * sizeof(*rows));

				if (!nr) {
					free(rows);
					*out = NULL;
					return 0;
				}
				rows = nr;
				memset(&rows[n], 0, sizeof(rows[n]));
				rows[n].reason.intr = e->key.intr;
				rows[n].reason.cause = e->key.cause;
				rows[n].reason.ext = e->key.ext;
				rows[n].reason.sub = e->key.sub;
				for (j = 0; j < NS_SPANS; j++) {
					ns_span_init(&rows[n].side[0].all[j]);
					ns_span_init(&rows[n].side[1].all[j]);
				}
				n++;
			}
			r = &rows[k];
			r->side[s].present = 1;
			r->side[s].exits += cnt;
			r->side[s].mix[mix_idx(&e->key)] += cnt;
			for (j = 0; j < NS_SPANS; j++)
				ns_span_merge(&r->side[s].all[j], &e->span[j]);
		}
	*out = rows;
	return n;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	uint64_t nx = x->side[0].exits + x->side[1].exits, ny = y->side[0].exits + y->side[1].exits;

	return nx == ny ? 0 : nx > ny ? -1 : 1;
}

/* mean, p50 and p99 of a span, "-" for a span without samples (e.g. a vCPU's last exit) */
static void print_moments(const struct ns_span *s)
{
	if (!s->count) {
		printf("%8s %8s %8s ", "-", "-", "-");
		return;
	}
	printf("%8.0f %8.0f %8.0f ", ns_span_mean(s), ns_span_percentile(s, 50), ns_span_percentile(s, 99));
}

/* How the exit's parts moved: mean ns of each side, -1 where a side cannot tell. */
static void split(const struct ns_recording *rec, const struct row *r, struct ns_split *sp)
{
	int s;

	for (s = 0; s < 2; s++)
		ns_rec_split(&rec[s], r->side[s].all, &sp[s]);
}

/* "5123>6010" (mean ns A > B), "-" where unknown */
static const char *part_str(double a, double b, char *buf, size_t len)
{
	if (a < 0 || b < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f>%.0f", a, b);
	return buf;
}

static json_t *part_json(double a, double b)
{
	if (a < 0 || b < 0)
		return json_null();
	return json_pack("{sfsfso}", "a", a, "b", b, "ratio", a > 0 ? json_real(b / a) : json_null());
}

int cmd_compare(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "A B", doc, NULL, NULL, NULL };
	static const char *const span_unit[NS_SPANS] = {
		[NS_SPAN_SWITCH] = "cycles", [NS_SPAN_EXIT] = "ns", [NS_SPAN_HOST] = "ns", [NS_SPAN_GUEST] = "ns",
	};
	struct ns_recording rec[2];
	struct row *rows = NULL, all;
	json_t *root = NULL, *jrows = NULL;
	char err[512], reason[96], ma[48], mb[48], pa[48], pb[48];
	struct ns_split sp[2];
	size_t n, k, common = 0;
	int s, span, ret = 1;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	for (s = 0; s < 2; s++) {
		if (ns_rec_load(env.file[s], &rec[s], err, sizeof(err))) {
			ns_err("%s", err);
			if (s)
				ns_rec_free(&rec[0]);
			return 1;
		}
	}
	for (s = 0; s < 2; s++)
		if (!rec[s].n) {
			ns_err("%s: empty recording (no exits recorded)", env.file[s]);
			goto out;
		}
	span = env.span;
	if (span < 0) {
		span = NS_SPAN_EXIT;
		for (s = 0; s < 2; s++)
			if (!(rec[s].measured & NS_MEASURED(NS_SPAN_EXIT))) {
				span = rec[0].degraded || rec[1].degraded ? NS_SPAN_GUEST : NS_SPAN_SWITCH;
				fprintf(stderr, NS_PROG ": warning: %s has no exit_ns span (%s): "
					"the verdict uses %s alone, which can point the wrong way on an L0 "
					"whose NACL calls are dear\n", env.file[s],
					rec[s].schema < 3 ? "recorded before schema 3" : "not measured",
					ns_span_keys[span]);
				break;
			}
	}
	if (span == NS_SPAN_SWITCH && (rec[0].degraded || rec[1].degraded)) {
		ns_err("%s: degraded recording has no switch cycles; use --span exit, host or guest",
		       env.file[rec[0].degraded ? 0 : 1]);
		goto out;
	}
	for (s = 0; s < 2; s++)
		if (!(rec[s].measured & NS_MEASURED(span))) {
			ns_err("%s: the %s span was not measured in this recording (spans measured are listed "
			       "by 'naclscope report')", env.file[s], ns_span_keys[span]);
			goto out;
		}
	n = build_rows(rec, &rows);
	if (!rows) {
		ns_err("out of memory");
		goto out;
	}
	for (k = 0; k < n; k++)
		common += rows[k].side[0].present && rows[k].side[1].present;
	if (!common) {
		ns_err("%s and %s have no exit reason in common: nothing to compare",
		       env.file[0], env.file[1]);
		goto out;
	}
	qsort(rows, n, sizeof(*rows), row_cmp);

	/* the "all" row: every reason merged */
	memset(&all, 0, sizeof(all));
	for (s = 0; s < 2; s++) {
		unsigned int j;

		for (j = 0; j < NS_SPANS; j++)
			ns_span_init(&all.side[s].all[j]);
		all.side[s].present = 1;
	}
	for (k = 0; k < n; k++)
		for (s = 0; s < 2; s++) {
			unsigned int i;

			for (i = 0; i < NS_SPANS; i++)
				ns_span_merge(&all.side[s].all[i], &rows[k].side[s].all[i]);
			all.side[s].exits += rows[k].side[s].exits;
			for (i = 0; i < NMIX; i++)
				all.side[s].mix[i] += rows[k].side[s].mix[i];
		}

	if (env.json) {
		root = json_object();
		jrows = json_array();
		json_object_set_new(root, "schema", json_integer(NS_SCHEMA));
		json_object_set_new(root, "kind", json_string("compare"));
		json_object_set_new(root, "a", json_string(env.file[0]));
		json_object_set_new(root, "b", json_string(env.file[1]));
		json_object_set_new(root, "span", json_string(ns_span_keys[span]));
		json_object_set_new(root, "noise_floor", json_real(env.noise));
	} else {
		printf("naclscope compare: A = %s, B = %s\n", env.file[0], env.file[1]);
		printf("span %s (%s), ratio of means B/A with 95 %% CI, noise floor %.1f %%\n\n",
		       ns_span_keys[span], span_unit[span], env.noise * 100);
		printf("%-36s %9s %-22s %8s %8s %8s %9s %-22s %8s %8s %8s %7s %-17s %-13s %-17s %s\n",
		       "REASON", "A_COUNT", "A_PATH/MODE", "A_MEAN", "A_P50", "A_P99", "B_COUNT",
		       "B_PATH/MODE", "B_MEAN", "B_P50", "B_P99", "B/A", "95% CI", "VERDICT",
		       "SWITCH_NS A>B", "HANDLING_NS A>B");
	}
	for (k = 0; k <= n; k++) {
		const struct row *r = k < n ? &rows[k] : &all;
		const struct side *a = &r->side[0], *b = &r->side[1];
		const struct ns_span *as = &a->all[span], *bs = &b->all[span];
		struct ns_ratio ratio = { 0, 0, 0 };
		const char *verdict;
		int valid;

		if (k < n)
			ns_reason_str(&r->reason, reason, sizeof(reason));
		else
			snprintf(reason, sizeof(reason), "all");
		if (!a->present || !b->present) {
			verdict = a->present ? "only in A" : "only in B";
			valid = -1;
		} else {
			valid = ns_ratio_of_means(as, bs, &ratio);
			verdict = ns_verdict_name(ns_verdict(&ratio, valid, env.noise));
		}
		split(rec, r, sp);
		if (env.json) {
			json_t *o = json_pack("{sssIsssIssss}", "reason", reason,
					      "a_count", (json_int_t)a->exits, "a_path_mode", mix_str(a, ma, sizeof(ma)),
					      "b_count", (json_int_t)b->exits, "b_path_mode", mix_str(b, mb, sizeof(mb)),
					      "verdict", verdict);

			json_object_set_new(o, "a", json_pack("{sfsfsf}", "mean", ns_span_mean(as),
					    "p50", ns_span_percentile(as, 50), "p99", ns_span_percentile(as, 99)));
			json_object_set_new(o, "b", json_pack("{sfsfsf}", "mean", ns_span_mean(bs),
					    "p50", ns_span_percentile(bs, 50), "p99", ns_span_percentile(bs, 99)));
			json_object_set_new(o, "ratio", valid < 0 ? json_null() :
					    json_pack("{sfsfsf}", "value", ratio.ratio, "lo", ratio.lo, "hi", ratio.hi));
			json_object_set_new(o, "exit_ns", part_json(sp[0].exit_ns, sp[1].exit_ns));
			json_object_set_new(o, "switch_ns", part_json(sp[0].switch_ns, sp[1].switch_ns));
			json_object_set_new(o, "handling_ns", part_json(sp[0].handling_ns, sp[1].handling_ns));
			json_array_append_new(jrows, o);
			continue;
		}
		if (k == n)
			printf("\n");
		printf("%-36s %9llu %-22s ", reason, (unsigned long long)a->exits, mix_str(a, ma, sizeof(ma)));
		print_moments(as);
		printf("%9llu %-22s ", (unsigned long long)b->exits, mix_str(b, mb, sizeof(mb)));
		print_moments(bs);
		if (valid < 0)
			printf("%7s %-17s %-13s", "-", "-", verdict);
		else
			printf("%7.3f [%6.3f, %6.3f] %-13s", ratio.ratio, ratio.lo, ratio.hi, verdict);
		printf(" %-17s %s\n", part_str(sp[0].switch_ns, sp[1].switch_ns, pa, sizeof(pa)),
		       part_str(sp[0].handling_ns, sp[1].handling_ns, pb, sizeof(pb)));
	}
	if (env.json) {
		json_object_set_new(root, "rows", jrows);
		if (ns_json_save(root, "-", err, sizeof(err))) {
			ns_err("%s", err);
			goto out;
		}
	} else {
		printf("\nSWITCH: the world switch (guest run included); HANDLING: KVM and user space, exit to "
		       "next entry%s;\nexit = switch + handling. Mean ns, A > B.\n",
		       (rec[0].measured & rec[1].measured & NS_MEASURED(NS_SPAN_HOST)) ? "" :
		       " (exit less switch)");
		for (s = 0; s < 2; s++)
			if (rec[s].degraded)
				printf("note: %s is a degraded recording (kvm_entry/kvm_exit only)\n", env.file[s]);
	}
	ret = fflush(stdout) ? 1 : 0;
out:
	json_decref(root);
	free(rows);
	ns_rec_free(&rec[0]);
	ns_rec_free(&rec[1]);
	return ret;
}
