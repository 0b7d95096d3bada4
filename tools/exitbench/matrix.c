// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench-matrix DIR: the check of tests/e2e/exitbench.sh's matrix of
 * runs, in the guest. DIR/runs has one line per run ("i kind n vms vcpus
 * status ecall_traps", the traps counted by the kvm:kvm_vcpu_exit
 * tracepoint with scause == 10), DIR/run.<i>.json its exitbench --json
 * report. For every run: status 0 and ok; one result per (VM, vCPU); each
 * vCPU's guest and host counts, and the KVM stat of each kind, equal to the
 * expected exits (eb_expected(), the definition exitbench itself checks
 * against); the set-up's and teardown's exits; and the ecall traps equal
 * to the SBI calls the guests made. Prints "ok - ..." / "not ok - ..." per
 * run; exit status 1 when a run failed, 2 on bad input.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "errlist.h"
#include "exitbench.h"

static long long ival(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static bool pair_seen(json_t *res, long vm, long vcpu)
{
	json_t *r;
	size_t i;

	json_array_foreach(res, i, r)
		if (ival(r, "vm") == vm && ival(r, "vcpu") == vcpu)
			return true;
	return false;
}

/* one vCPU's result; returns the ecall traps it accounts for */
static long long check_vcpu(json_t *r, int kind, long n, struct eb_errs *e)
{
	json_t *exits = json_object_get(r, "exits"), *host = json_object_get(r, "host_user_exits");
	json_t *stats = json_object_get(r, "kvm_stats"), *setup = json_object_get(r, "setup");
	char who[48];
	int k;

	snprintf(who, sizeof(who), "VM %lld vCPU %lld", ival(r, "vm"), ival(r, "vcpu"));
	if (!json_is_true(json_object_get(r, "ok")))
		eb_err(e, "%s: %s", who, json_string_value(json_object_get(r, "error")));
	if (ival(r, "guest_count") != n)
		eb_err(e, "%s: guest counted %lld", who, ival(r, "guest_count"));
	for (k = 0; k < EB_NR_BASIC_KINDS; k++) {
		const char *name = eb_kind_name(k), *stat = eb_kind_stat(k);
		long long want = (long long)eb_expected(kind, n, k), extra = 0;
		json_t *h = json_object_get(host, name), *s;

		if (ival(exits, name) != want)
			eb_err(e, "%s: %lld %s exits, want %lld", who, ival(exits, name), name, want);
		if (h && json_integer_value(h) != want)
			eb_err(e, "%s: host saw %lld %s exits, want %lld", who, json_integer_value(h), name, want);
		if (!stat)
			continue;
		/* sbi-user's stat also counts the window's control calls; csr's not the redirected reads */
		if (k == EB_KIND_SBI_USER)
			extra = ival(r, "window_control_exits");
		else if (k == EB_KIND_CSR)
			extra = -ival(r, "csr_redirected_illegal");
		s = json_object_get(stats, stat);
		if (!json_is_integer(s) || json_integer_value(s) != want + extra)
			eb_err(e, "%s: %s delta %lld, want %lld", who, stat, json_integer_value(s), want + extra);
	}
	if ((kind == EB_KIND_CSR || kind == EB_KIND_MIX) && ival(r, "csr_redirected_illegal"))
		eb_err(e, "%s: %lld csr accesses redirected as illegal instructions, want 0 under QEMU", who,
		    ival(r, "csr_redirected_illegal"));
	if (ival(setup, "sbi_kernel_calls") != eb_setup_sbi_kernel_calls(kind))
		eb_err(e, "%s: %lld in-kernel SBI calls in the set-up", who, ival(setup, "sbi_kernel_calls"));
	if (ival(setup, "user_exits") != 1 || ival(json_object_get(r, "teardown"), "user_exits") != 1)
		eb_err(e, "%s: set-up/teardown user exits %lld/%lld, want 1/1", who, ival(setup, "user_exits"),
		    ival(json_object_get(r, "teardown"), "user_exits"));
	return ival(exits, "sbi-kernel") + ival(exits, "sbi-user") + ival(setup, "user_exits") +
	       ival(setup, "sbi_kernel_calls") + ival(r, "window_control_exits");
}

int main(int argc, char **argv)
{
	char path[4096], line[256], kname[32], ecalls[32], name[96];
	long i, n, vms, vcpus, rc, a, b;
	int failed = 0, kind;
	json_error_t je;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: exitbench-matrix DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/runs", argv[1]);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "exitbench-matrix: cannot open %s\n", path);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		struct eb_errs e = { "", 0 };
		long long want_ecalls = 0;
		json_t *doc, *res, *r;
		size_t j;

		if (sscanf(line, "%ld %31s %ld %ld %ld %ld %31s", &i, kname, &n, &vms, &vcpus, &rc, ecalls) != 7 ||
		    (kind = eb_kind_from_name(kname)) < 0) {
			fprintf(stderr, "exitbench-matrix: %s: bad line '%s'\n", path, line);
			fclose(f);
			return 2;
		}
		snprintf(name, sizeof(name), "%s n=%ld vms=%ld vcpus=%ld", kname, n, vms, vcpus);
		snprintf(path, sizeof(path), "%s/run.%ld.json", argv[1], i);
		doc = json_load_file(path, 0, &je);
		if (!doc) {
			printf("not ok - %s: no JSON (status %ld): %s\n", name, rc, je.text);
			failed = 1;
			continue;
		}
		if (rc || !json_is_true(json_object_get(doc, "ok")))
			eb_err(&e, "status %ld, ok %s", rc, json_is_true(json_object_get(doc, "ok")) ? "True" : "False");
		res = json_object_get(doc, "results");
		if ((long)json_array_size(res) != vms * vcpus)
			eb_err(&e, "%zu results for %ld vCPUs", json_array_size(res), vms * vcpus);
		for (a = 0; a < vms; a++)
			for (b = 0; b < vcpus; b++)
				if (!pair_seen(res, a, b))
					eb_err(&e, "no result for VM %ld vCPU %ld", a, b);
		json_array_foreach(res, j, r)
			want_ecalls += check_vcpu(r, kind, n, &e);
		if (strspn(ecalls, "0123456789") != strlen(ecalls) || atoll(ecalls) != want_ecalls)
			eb_err(&e, "tracepoint counted %s ecall traps, want %lld", ecalls, want_ecalls);
		if (e.n) {
			printf("not ok - %s: %s\n", name, e.text);
			failed = 1;
		} else {
			printf("ok - %s: %ld vCPU(s) x %ld exits, KVM stats and %lld ecall traps agree\n",
			       name, vms * vcpus, n, want_ecalls);
		}
		json_decref(doc);
	}
	fclose(f);
	return failed;
}
