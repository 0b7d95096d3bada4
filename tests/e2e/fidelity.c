// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The fidelity check, on the host, of one L0 profile's results
 * (tests/e2e/fidelity-guest.sh wrote them): for each exitbench kind, the
 * end-to-end direction of NACL off -> on (exitbench's own instructions per
 * exit, the truth) against naclscope compare's default verdict, which must
 * be equal; the switch span's verdict beside it, which --switch-differs
 * requires to be wrong for at least one kind (the profile where a NACL call
 * costs more than the traps it saves in the switch); the dominant reason's
 * counts exact on both sides; and every recording's KVM counters complete
 * (the L0-trap equivalents known, entries equal to the exits recorded).
 *
 * usage: fidelity [--switch-differs] [--noise F] -n N PROFILE DIR KIND...
 * Prints the table (make bench shows it), "ok"/"not ok" lines and
 * "N passed, N failed"; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "recording.h"
#include "stats.h"

static int passed, failed;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

static json_t *load(const char *dir, const char *name)
{
	char path[4096];
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	j = json_load_file(path, 0, &je);
	if (!j)
		check(0, "%s: %s", path, je.text);
	return j;
}

/* exitbench's mean per exit (instructions under -icount) of its one result; -1 if unusable */
static double eb_mean(json_t *eb)
{
	json_t *r = json_array_get(json_object_get(eb, "results"), 0);

	if (!json_is_true(json_object_get(eb, "ok")) || !r)
		return -1;
	return json_number_value(json_object_get(json_object_get(r, "rt_ns"), "mean"));
}

static const char *direction(double ratio, double noise)
{
	if (ratio < 1 - noise)
		return "faster";
	if (ratio > 1 + noise)
		return "slower";
	return "no difference";
}

/* the compare row of the kind's own exit: the first (rows are sorted by exits) */
static json_t *top_row(json_t *cmp)
{
	return json_array_get(json_object_get(cmp, "rows"), 0);
}

static double part(json_t *row, const char *name, const char *side)
{
	json_t *p = json_object_get(row, name);

	return json_is_object(p) ? json_number_value(json_object_get(p, side)) : -1;
}

/* The recording's KVM counters: known, and entries equal to the exits it recorded. */
static void check_recording(const char *dir, const char *mask, const char *kind)
{
	struct ns_recording r;
	struct ns_l0 l0;
	char path[4096], err[512];
	uint64_t exits;

	snprintf(path, sizeof(path), "%s/%s.%s.rec.json", dir, mask, kind);
	if (ns_rec_load(path, &r, err, sizeof(err))) {
		check(0, "%s", err);
		return;
	}
	/* the host facts: the nested L0 offers every feature, KVM used the mask */
	check(r.nacl_offered == 0xf && r.nacl_enabled == strtol(mask, NULL, 16),
	      "%s %s: recording's facts: NACL offered 0x%llx, enabled 0x%llx", kind, mask,
	      (unsigned long long)r.nacl_offered, (unsigned long long)r.nacl_enabled);
	exits = ns_rec_total_exits(&r);
	if (ns_kvm_l0(r.kvm_stats, &l0)) {
		check(0, "%s %s: L0-trap equivalents unknown (no KVM counters of the series)", kind, mask);
	} else {
		check(l0.entries == (long long)exits,
		      "%s %s: KVM counters complete: %lld entries = %llu exits recorded, %.2f L0-trap equivalents per exit",
		      kind, mask, l0.entries, (unsigned long long)exits,
		      l0.entries ? (double)l0.total / (double)l0.entries : 0.0);
	}
	ns_rec_free(&r);
}

int main(int argc, char **argv)
{
	double noise = 0.02;
	int switch_differs = 0, switch_wrong = 0, i;
	long n = 0;
	const char *profile, *dir;
	char name[256], *end;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--switch-differs")) {
			switch_differs = 1;
		} else if (!strcmp(argv[i], "--noise") && i + 1 < argc) {
			noise = strtod(argv[++i], &end);
			if (*end)
				noise = -1;	/* refused below */
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			errno = 0;
			n = strtol(argv[++i], &end, 10);
			if (errno || *end)
				n = -1;
		} else {
			fprintf(stderr, "fidelity: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (argc - i < 3 || n <= 0 || noise <= 0 || noise >= 1) {
		fprintf(stderr, "usage: fidelity [--switch-differs] [--noise F] -n N PROFILE DIR KIND...\n");
		return 2;
	}
	profile = argv[i++];
	dir = argv[i++];

	printf("fidelity on L0 profile %s: NACL off (0x0) -> on (0xf), N = %ld, noise floor %.0f %%\n",
	       profile, n, noise * 100);
	printf("%-10s %18s %7s %-13s | %7s %-13s | %-17s %-17s | %7s %-13s\n", "kind",
	       "exitbench off>on", "on/off", "truth", "exit", "verdict", "switch ns off>on",
	       "handling ns", "switch", "verdict");
	for (; i < argc; i++) {
		const char *kind = argv[i], *truth, *verdict = "?", *sverdict = "?";
		json_t *off, *on, *cmp, *cmps, *row, *srow;
		double moff, mon, ratio = 0, sratio = 0;
		long expect;

		snprintf(name, sizeof(name), "0x0.%s.eb.json", kind);
		off = load(dir, name);
		snprintf(name, sizeof(name), "0xf.%s.eb.json", kind);
		on = load(dir, name);
		snprintf(name, sizeof(name), "%s.cmp.json", kind);
		cmp = load(dir, name);
		snprintf(name, sizeof(name), "%s.cmp-switch.json", kind);
		cmps = load(dir, name);
		if (!off || !on || !cmp || !cmps)
			goto next;
		moff = eb_mean(off);
		mon = eb_mean(on);
		row = top_row(cmp);
		srow = top_row(cmps);
		if (moff <= 0 || mon <= 0 || !row || !srow) {
			check(0, "%s: exitbench failed or compare has no rows", kind);
			goto next;
		}
		truth = direction(mon / moff, noise);
		verdict = json_string_value(json_object_get(row, "verdict"));
		sverdict = json_string_value(json_object_get(srow, "verdict"));
		ratio = json_number_value(json_object_get(json_object_get(row, "ratio"), "value"));
		sratio = json_number_value(json_object_get(json_object_get(srow, "ratio"), "value"));
		printf("%-10s %8.0f>%-9.0f %7.3f %-13s | %7.3f %-13s | %7.0f>%-9.0f %7.0f>%-9.0f | %7.3f %-13s\n",
		       kind, moff, mon, mon / moff, truth, ratio, verdict ? verdict : "?",
		       part(row, "switch_ns", "a"), part(row, "switch_ns", "b"),
		       part(row, "handling_ns", "a"), part(row, "handling_ns", "b"), sratio,
		       sverdict ? sverdict : "?");
		check(verdict && !strcmp(verdict, truth) && strcmp(truth, "no difference"),
		      "%s: compare's verdict (%s, exit span x%.3f) is exitbench's direction (%s, x%.3f)",
		      kind, verdict ? verdict : "?", ratio, truth, mon / moff);
		/*
		 * N measured exits; the mmio-user reason (a store guest-page fault)
		 * also has the G-stage fault of the guest's first store to its data
		 * page in the set-up, which KVM answers by mapping the page.
		 */
		expect = n + !strcmp(kind, "mmio-user");
		check(json_integer_value(json_object_get(row, "a_count")) == expect &&
		      json_integer_value(json_object_get(row, "b_count")) == expect,
		      "%s: %s counted exactly %ld times on both sides (%lld, %lld)", kind,
		      json_string_value(json_object_get(row, "reason")), expect,
		      json_integer_value(json_object_get(row, "a_count")),
		      json_integer_value(json_object_get(row, "b_count")));
		if (sverdict && strcmp(sverdict, truth))
			switch_wrong++;
		check_recording(dir, "0x0", kind);
		check_recording(dir, "0xf", kind);
next:
		json_decref(off);
		json_decref(on);
		json_decref(cmp);
		json_decref(cmps);
	}
	if (switch_differs)
		check(switch_wrong > 0, "the switch span alone gets %d kind(s) wrong on %s (the test can fail)",
		      switch_wrong, profile);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
