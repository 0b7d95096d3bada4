// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench-subset DIR PATH MODE N KIND...: the check of
 * tests/e2e/nacl-subsets.sh for one kvm.nacl_features mask, in the guest.
 * Per kind, DIR holds exitbench --json --vcpus 2's report (run.KIND.json),
 * its status and the trace events lost (status.KIND: "rc lost") and the
 * kvm_riscv_world_switch events by path and mode (events.KIND: "count path
 * mode" lines). Each vCPU must have counted N exits; every KVM exit of the
 * window must have taken PATH with hstatus MODE (the series' counters: the
 * other paths and modes 0), with at least the H-CSR accesses that path
 * needs per exit; the events must all be PATH/MODE and cover the window.
 * Prints "ok - KIND: ..." / "not ok - KIND: ..."; exit status 1 when a kind
 * failed, 2 on bad input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "errlist.h"
#include "kvm_stats_names.h"
#include "naclscope.h"

/* the series' path and mode names (as in its events and naclscope) and their statistics */
static const char *const path_names[NS_PATHS] = { [NS_PATH_SWITCH_TO] = "switch_to", [NS_PATH_SYNC_SRET] = "sync_sret" };
static const char *const path_stats[NS_PATHS] = NS_STAT_PATH_ENTRIES;
static const char *const mode_names[NS_MODES] = {
	[NS_MODE_DIRECT] = "direct", [NS_MODE_SYNC_CSR] = "sync_csr", [NS_MODE_AUTOSWAP] = "autoswap",
};
static const char *const mode_stats[NS_MODES] = NS_STAT_MODE_ENTRIES;

/* a stat, or -1 when absent */
static long long stat_of(json_t *s, const char *name)
{
	json_t *v = json_object_get(s, name);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static void check_stat(struct eb_errs *e, const char *who, json_t *s, const char *stat, long long want)
{
	if (stat_of(s, stat) != want)
		eb_err(e, "%s: %s %lld, want %lld", who, stat, stat_of(s, stat), want);
}

static int check_kind(const char *dir, const char *path, const char *mode, long n, const char *kind)
{
	char file[4096], p[32], m[32];
	long long window = 0, got = 0, c, exits;
	struct eb_errs e = { "", 0 };
	long rc = -1, lost = -1;
	json_error_t je;
	json_t *doc, *r;
	size_t i, j;
	FILE *f;

	snprintf(file, sizeof(file), "%s/status.%s", dir, kind);
	f = fopen(file, "r");
	if (!f || fscanf(f, "%ld %ld", &rc, &lost) != 2) {
		printf("not ok - %s: no status (%s)\n", kind, file);
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	snprintf(file, sizeof(file), "%s/run.%s.json", dir, kind);
	doc = json_load_file(file, 0, &je);
	if (!doc) {
		printf("not ok - %s: no JSON (status %ld): %s\n", kind, rc, je.text);
		return 1;
	}
	if (rc || !json_is_true(json_object_get(doc, "ok")))
		eb_err(&e, "status %ld, ok %s", rc, json_is_true(json_object_get(doc, "ok")) ? "true" : "false");
	if (json_array_size(json_object_get(doc, "results")) != 2)
		eb_err(&e, "%zu results for 2 vCPUs", json_array_size(json_object_get(doc, "results")));
	json_array_foreach(json_object_get(doc, "results"), i, r) {
		json_t *s = json_object_get(r, "kvm_stats");
		char who[32];

		snprintf(who, sizeof(who), "vCPU %lld", json_integer_value(json_object_get(r, "vcpu")));
		if (!json_is_true(json_object_get(r, "ok")))
			eb_err(&e, "%s: %s", who, json_string_value(json_object_get(r, "error")));
		if (json_integer_value(json_object_get(r, "guest_count")) != n)
			eb_err(&e, "%s: guest counted %lld, want %ld", who,
			    json_integer_value(json_object_get(r, "guest_count")), n);
		exits = stat_of(s, NS_STAT_EXITS);
		window += exits;
		if (exits < n)
			eb_err(&e, "%s: %lld KVM exits for %ld guest exits", who, exits, n);
		for (j = 0; j < NS_PATHS; j++)
			check_stat(&e, who, s, path_stats[j], strcmp(path_names[j], path) ? 0 : exits);
		for (j = 0; j < NS_MODES; j++)
			check_stat(&e, who, s, mode_stats[j], strcmp(mode_names[j], mode) ? 0 : exits);
		if (!strcmp(path, path_names[NS_PATH_SYNC_SRET]) &&
		    stat_of(s, NS_STAT_HCSR_SHMEM_ACCESSES) < 3 * exits)
			eb_err(&e, "%s: %s %lld < 3 per exit", who, NS_STAT_HCSR_SHMEM_ACCESSES,
			       stat_of(s, NS_STAT_HCSR_SHMEM_ACCESSES));
		if (!strcmp(path, path_names[NS_PATH_SWITCH_TO]) &&
		    stat_of(s, NS_STAT_HCSR_INSN_ACCESSES) < 4 * exits)
			eb_err(&e, "%s: %s %lld < 4 per exit", who, NS_STAT_HCSR_INSN_ACCESSES,
			       stat_of(s, NS_STAT_HCSR_INSN_ACCESSES));
	}
	json_decref(doc);
	if (lost)
		eb_err(&e, "%ld trace events lost", lost);
	snprintf(file, sizeof(file), "%s/events.%s", dir, kind);
	f = fopen(file, "r");
	if (!f) {
		eb_err(&e, "no events file");
	} else {
		while (fscanf(f, "%lld %31s %31s", &c, p, m) == 3) {
			if (!strcmp(p, path) && !strcmp(m, mode))
				got += c;
			else
				eb_err(&e, "%lld events on %s/%s", c, p, m);
		}
		fclose(f);
	}
	if (got < window)
		eb_err(&e, "%lld %s/%s events for %lld windowed exits", got, path, mode, window);
	if (e.n) {
		printf("not ok - %s: %s\n", kind, e.text);
		return 1;
	}
	printf("ok - %s: 2 vCPUs x %ld exits, %lld KVM exits in the window, %lld events, all %s/%s\n",
	       kind, n, window, got, path, mode);
	return 0;
}

int main(int argc, char **argv)
{
	char *end;
	long n;
	int i, failed = 0;

	if (argc < 6) {
		fprintf(stderr, "usage: exitbench-subset DIR PATH MODE N KIND...\n");
		return 2;
	}
	n = strtol(argv[4], &end, 10);
	if (*end || n <= 0) {
		fprintf(stderr, "exitbench-subset: N must be a positive number, got '%s'\n", argv[4]);
		return 2;
	}
	for (i = 5; i < argc; i++)
		failed |= check_kind(argv[1], argv[2], argv[3], n, argv[i]);
	return failed;
}
