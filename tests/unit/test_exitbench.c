// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Unit tests for tools/exitbench option parsing, kinds and report (cmocka).
 * Host-only: no /dev/kvm, no riscv headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exitbench.h"

#define ARGV(...) ((char *[]){ "exitbench", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "exitbench", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) eb_parse_args(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (err), sizeof(err))

static void test_parse_defaults_are_sbi_user_1000_one_vm_one_vcpu(void **state)
{
	char *argv[] = { "exitbench", NULL };
	struct eb_opts o;
	char err[256];

	(void)state;
	assert_int_equal(eb_parse_args(1, argv, &o, err, sizeof(err)), 0);
	assert_int_equal(o.nkinds, 1);
	assert_int_equal(o.kinds[0], EB_KIND_SBI_USER);
	assert_int_equal(o.timeout_s, 120);
	assert_int_equal(o.n, 1000);
	assert_int_equal(o.vms, 1);
	assert_int_equal(o.vcpus, 1);
	assert_int_equal(o.batch, EB_DEF_BATCH);
	assert_false(o.json);
	assert_false(o.verbose);
	assert_string_equal(err, "");
}

static void test_parse_all_options_are_taken(void **state)
{
	struct eb_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--kind", "wfi", "-n", "42", "--vms", "2", "--vcpus", "64",
			       "--batch", "7", "--timeout", "30", "--json", "-v"), 0);
	assert_int_equal(o.nkinds, 1);
	assert_int_equal(o.kinds[0], EB_KIND_WFI);
	assert_int_equal(o.timeout_s, 30);
	assert_int_equal(o.n, 42);
	assert_int_equal(o.vms, 2);
	assert_int_equal(o.vcpus, 64);
	assert_int_equal(o.batch, 7);
	assert_true(o.json);
	assert_true(o.verbose);
	assert_int_equal(PARSE(&o, err, "--kind=mix", "--count=100000000", "--timeout=86400"), 0);
	assert_int_equal(o.kinds[0], EB_KIND_MIX);
	assert_int_equal(o.timeout_s, 86400);
	assert_int_equal(o.n, 100000000);
}

static void test_parse_every_kind_name_round_trips(void **state)
{
	struct eb_opts o;
	char err[256];
	int k;

	(void)state;
	for (k = 0; k < EB_NR_KINDS; k++) {
		assert_int_equal(eb_kind_from_name(eb_kind_name(k)), k);
		assert_int_equal(PARSE(&o, err, "--kind", (char *)eb_kind_name(k)), 0);
		assert_int_equal(o.nkinds, 1);
		assert_int_equal(o.kinds[0], k);
	}
	assert_string_equal(eb_kind_name(EB_KIND_MMIO_USER), "mmio-user");
	assert_string_equal(eb_kind_name(99), "unknown");
}

static void test_parse_unknown_kind_fails_with_one_line(void **state)
{
	struct eb_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--kind", "pio"), 2);
	assert_non_null(strstr(err, "unknown kind 'pio'"));
	assert_null(strchr(err, '\n'));
}

static void test_parse_kind_lists_run_in_the_order_given(void **state)
{
	struct eb_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--kind", "csr,wfi,mix"), 0);
	assert_int_equal(o.nkinds, 3);
	assert_int_equal(o.kinds[0], EB_KIND_CSR);
	assert_int_equal(o.kinds[1], EB_KIND_WFI);
	assert_int_equal(o.kinds[2], EB_KIND_MIX);
	assert_int_equal(PARSE(&o, err, "--kind", "wfi", "-n", "5", "--kind", "sbi-kernel"), 0);
	assert_int_equal(o.nkinds, 2);
	assert_int_equal(o.kinds[0], EB_KIND_WFI);
	assert_int_equal(o.kinds[1], EB_KIND_SBI_KERNEL);
	assert_int_equal(PARSE(&o, err, "--kind", "all"), 0);
	assert_int_equal(o.nkinds, EB_NR_KINDS);
	for (int k = 0; k < EB_NR_KINDS; k++)
		assert_int_equal(o.kinds[k], k);
}

static void test_parse_bad_kind_lists_fail_with_one_line(void **state)
{
	struct eb_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--kind", "csr,wfi,csr"), 2);
	assert_string_equal(err, "kind 'csr' given twice");
	assert_int_equal(PARSE(&o, err, "--kind", "all", "--kind", "mix"), 2);
	assert_string_equal(err, "kind 'mix' given twice");
	assert_int_equal(PARSE(&o, err, "--kind", "csr,pio"), 2);
	assert_non_null(strstr(err, "unknown kind 'pio'"));
	assert_int_equal(PARSE(&o, err, "--kind", "csr,,wfi"), 2);
	assert_non_null(strstr(err, "unknown kind ''"));
	assert_int_equal(PARSE(&o, err, "--kind", ""), 2);
	assert_int_equal(PARSE(&o, err, "--kind", "csr,"), 2);
	assert_int_equal(PARSE(&o, err, "--kind", "sbi-kernel-and-much-more"), 2);
	assert_non_null(strstr(err, "unknown kind 'sbi-kernel-and-much-more'"));
	assert_null(strchr(err, '\n'));
}

static void test_parse_timeout_is_range_checked(void **state)
{
	static const char *const bad[] = { "0", "-1", "86401", "1e3", "", "30s", "99999999999999999999" };
	struct eb_opts o;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE(&o, err, "--timeout", (char *)bad[i]), 2);
		assert_true(strncmp(err, "--timeout must be", 17) == 0);
	}
	assert_int_equal(PARSE(&o, err, "--timeout", "0"), 2);
	assert_string_equal(err, "--timeout must be 1..86400, got '0'");
	assert_int_equal(PARSE(&o, err, "--timeout", "1"), 0);
	assert_int_equal(o.timeout_s, 1);
	assert_int_equal(PARSE(&o, err, "--timeout"), 2);
}

static void test_parse_bad_counts_fail(void **state)
{
	static const char *const bad[] = { "0", "-1", "-100", "100000001", "99999999999999999999",
					   "12x", "", "1e3", " " };
	struct eb_opts o;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE(&o, err, "-n", (char *)bad[i]), 2);
		assert_true(strncmp(err, "-n must be", 10) == 0);
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(PARSE(&o, err, "-n", "0"), 2);
	assert_string_equal(err, "-n must be 1..100000000, got '0'");
	assert_int_equal(PARSE(&o, err, "-n", "abc"), 2);
	assert_string_equal(err, "-n must be a number, got 'abc'");
}

static void test_parse_too_many_vcpus_or_vms_fail(void **state)
{
	struct eb_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--vcpus", "65"), 2);
	assert_string_equal(err, "--vcpus must be 1..64, got '65'");
	assert_int_equal(PARSE(&o, err, "--vcpus", "0"), 2);
	assert_int_equal(PARSE(&o, err, "--vms", "17"), 2);
	assert_string_equal(err, "--vms must be 1..16, got '17'");
	assert_int_equal(PARSE(&o, err, "--batch", "0"), 2);
}

static void test_parse_unknown_option_and_stray_argument_fail(void **state)
{
	struct eb_opts o;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--frobnicate"), 2);
	assert_non_null(strstr(err, "--frobnicate"));
	assert_int_equal(PARSE(&o, err, "extra"), 2);
	assert_string_equal(err, "unexpected argument 'extra'");
	assert_int_equal(PARSE(&o, err, "-n"), 2);
	assert_true(err[0] != '\0');
}

static void test_parse_version_returns_printed(void **state)
{
	struct eb_opts o;
	char err[256];
	FILE *saved = stdout;

	(void)state;
	stdout = fopen("/dev/null", "w");
	assert_non_null(stdout);
	assert_int_equal(PARSE(&o, err, "--version"), 1);
	assert_int_equal(PARSE(&o, err, "--help"), 1);
	fclose(stdout);
	stdout = saved;
}

static void test_expected_single_kind_gets_all_exits(void **state)
{
	int kind, k;

	(void)state;
	for (kind = 0; kind < EB_NR_BASIC_KINDS; kind++)
		for (k = 0; k < EB_NR_BASIC_KINDS; k++)
			assert_int_equal(eb_expected(kind, 1000, k), kind == k ? 1000 : 0);
}

static void test_expected_mix_splits_n_in_kind_order(void **state)
{
	static const long ns[] = { 1, 4, 5, 6, 1000, 1003, 99999999 };
	uint64_t sum;
	size_t i;
	int k;

	(void)state;
	assert_int_equal(eb_expected(EB_KIND_MIX, 1, EB_KIND_SBI_KERNEL), 1);
	assert_int_equal(eb_expected(EB_KIND_MIX, 1, EB_KIND_SBI_USER), 0);
	assert_int_equal(eb_expected(EB_KIND_MIX, 1000, EB_KIND_WFI), 200);
	assert_int_equal(eb_expected(EB_KIND_MIX, 1003, EB_KIND_MMIO_USER), 201);
	assert_int_equal(eb_expected(EB_KIND_MIX, 1003, EB_KIND_CSR), 200);
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		sum = 0;
		for (k = 0; k < EB_NR_BASIC_KINDS; k++)
			sum += eb_expected(EB_KIND_MIX, ns[i], k);
		assert_int_equal(sum, ns[i]);
	}
}

static void test_kind_stats_name_the_kvm_counters(void **state)
{
	(void)state;
	assert_null(eb_kind_stat(EB_KIND_SBI_KERNEL));
	assert_string_equal(eb_kind_stat(EB_KIND_SBI_USER), "ecall_exit_stat");
	assert_string_equal(eb_kind_stat(EB_KIND_MMIO_USER), "mmio_exit_user");
	assert_string_equal(eb_kind_stat(EB_KIND_CSR), "csr_exit_kernel");
	assert_string_equal(eb_kind_stat(EB_KIND_WFI), "wfi_exit_stat");
	assert_true(eb_kind_is_user(EB_KIND_SBI_USER));
	assert_true(eb_kind_is_user(EB_KIND_MMIO_USER));
	assert_false(eb_kind_is_user(EB_KIND_WFI));
	assert_false(eb_kind_is_user(EB_KIND_MIX));
}

static void test_setup_timer_call_only_for_wfi_and_mix(void **state)
{
	int k;

	(void)state;
	for (k = 0; k < EB_NR_KINDS; k++)
		assert_int_equal(eb_setup_sbi_kernel_calls(k), k == EB_KIND_WFI || k == EB_KIND_MIX);
	assert_int_equal(eb_kind_batch(EB_KIND_CSR, 100), 100);
	assert_int_equal(eb_kind_batch(EB_KIND_WFI, 7), 7);
	assert_int_equal(eb_kind_batch(EB_KIND_SBI_USER, 100), 0);
	assert_int_equal(eb_kind_batch(EB_KIND_MMIO_USER, 100), 0);
	assert_int_equal(eb_kind_batch(EB_KIND_MIX, 100), 0);
}

/* one sbi-user run of 1000 exits on 2 vCPUs; the second failed */
static void fill(struct eb_opts *o, struct hf_facts *f, struct eb_vcpu_result *r, struct eb_run *run)
{
	*o = (struct eb_opts){ .kinds = { EB_KIND_SBI_USER }, .nkinds = 1, .n = 1000, .vms = 1, .vcpus = 2,
			       .batch = 100, .timeout_s = 120 };
	hf_init(f);
	strcpy(f->kernel, "7.3.4");
	hf_parse_klog(f, "SBI specification v2.0 detected\nSBI implementation ID=0x1 Version=0x10002\n");
	memset(r, 0, 2 * sizeof(*r));
	for (int i = 0; i < 2; i++) {
		r[i].vm = 0;
		r[i].vcpu = i;
		r[i].ok = true;
		r[i].guest_total = 1000;
		r[i].guest_kind[EB_KIND_SBI_USER] = 1000;
		r[i].host_kind[EB_KIND_SBI_USER] = 1000;
		r[i].runs = 1000;
		r[i].total_ns = 5000000 + (uint64_t)i * 1000000;
		r[i].min_ns = 4000;
		r[i].max_ns = 90000;
		r[i].setup_user_exits = 1;
		r[i].setup_kvm_exits = 3;
		r[i].window_ctl_exits = 1;
		r[i].teardown_user_exits = 1;
		r[i].nstats = 2;
		strcpy(r[i].stats[0].name, "ecall_exit_stat");
		r[i].stats[0].value = 1001;
		strcpy(r[i].stats[1].name, "exits");
		r[i].stats[1].value = 1004;
	}
	strcpy(r[1].error, "guest counted 999 exits, expected 1000");
	r[1].ok = false;
	*run = (struct eb_run){ .kind = EB_KIND_SBI_USER, .ok = true, .r = r, .nr = 2 };
	eb_run_finish(run);
}

static void test_json_report_has_schema_facts_and_per_vcpu_results(void **state)
{
	struct eb_opts o;
	struct hf_facts f;
	struct eb_vcpu_result r[2];
	struct eb_run run;
	json_t *j, *res, *v, *rt, *facts;

	(void)state;
	fill(&o, &f, r, &run);
	j = eb_report_json(&o, &f, &run, 1);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "schema")), EB_JSON_SCHEMA);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "sbi-user");
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 1000);
	assert_true(json_is_null(json_object_get(j, "batch")));
	assert_true(json_is_false(json_object_get(j, "ok")));
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "VM 0 vCPU 1: guest counted 999 exits, expected 1000");
	assert_int_equal(json_integer_value(json_object_get(j, "timeout_s")), 120);
	facts = json_object_get(j, "facts");
	assert_string_equal(json_string_value(json_object_get(facts, "kernel_release")), "7.3.4");
	assert_int_equal(json_integer_value(json_object_get(facts, "sbi_impl_id")), 1);
	assert_int_equal(json_integer_value(json_object_get(facts, "sbi_impl_version")), 0x10002);
	assert_string_equal(json_string_value(json_object_get(facts, "sbi_impl_version_text")), "1.2");
	assert_string_equal(json_string_value(json_object_get(facts, "sbi_impl_name")), "OpenSBI");
	assert_true(json_is_null(json_object_get(facts, "nacl_features")));
	assert_true(json_is_null(json_object_get(facts, "nacl_offered")));
	assert_true(json_is_null(json_object_get(facts, "nacl_enabled")));

	res = json_object_get(j, "results");
	assert_int_equal(json_array_size(res), 2);
	v = json_array_get(res, 0);
	assert_int_equal(json_integer_value(json_object_get(v, "vcpu")), 0);
	assert_true(json_is_true(json_object_get(v, "ok")));
	assert_null(json_object_get(v, "error"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "exits"), "sbi-user")), 1000);
	assert_null(json_object_get(json_object_get(v, "exits"), "wfi"));
	assert_int_equal(json_integer_value(json_object_get(v, "guest_count")), 1000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "host_user_exits"),
							    "sbi-user")), 1000);
	rt = json_object_get(v, "rt_ns");
	assert_int_equal(json_integer_value(json_object_get(rt, "total")), 5000000);
	assert_int_equal(json_integer_value(json_object_get(rt, "mean")), 5000);
	assert_int_equal(json_integer_value(json_object_get(rt, "min")), 4000);
	assert_int_equal(json_integer_value(json_object_get(rt, "max")), 90000);
	assert_int_equal(json_integer_value(json_object_get(rt, "runs")), 1000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "setup"), "user_exits")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "setup"), "kvm_exits")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "setup"), "sbi_kernel_calls")), 0);
	assert_null(json_object_get(v, "csr_redirected_illegal"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "teardown"), "user_exits")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "window_control_exits")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "kvm_stats"),
							    "ecall_exit_stat")), 1001);
	v = json_array_get(res, 1);
	assert_true(json_is_false(json_object_get(v, "ok")));
	assert_string_equal(json_string_value(json_object_get(v, "error")),
			    "guest counted 999 exits, expected 1000");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "total"), "exits")), 2000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "total"), "mean_ns")), 5500);
	json_decref(j);
}

static void test_json_report_round_trips_through_text(void **state)
{
	struct eb_opts o;
	struct hf_facts f;
	struct eb_vcpu_result r[2];
	struct eb_run run;
	json_error_t jerr;
	json_t *j, *back;
	char *text;

	(void)state;
	fill(&o, &f, r, &run);
	run.kind = EB_KIND_WFI;
	f.nacl_param_present = true;
	strcpy(f.nacl_param, "0xf");
	f.nacl_offered = 0xf;
	f.nacl_enabled = 0x5;
	f.sbi_impl_id = -1;
	j = eb_report_json(&o, &f, &run, 1);
	assert_int_equal(json_integer_value(json_object_get(j, "batch")), 100);
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	back = json_loads(text, 0, &jerr);
	assert_non_null(back);
	assert_true(json_equal(j, back));
	assert_string_equal(json_string_value(json_object_get(json_object_get(back, "facts"), "nacl_features")), "0xf");
	assert_true(json_is_null(json_object_get(json_object_get(back, "facts"), "sbi_impl_id")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(back, "facts"), "nacl_enabled")), 5);
	free(text);
	json_decref(back);
	json_decref(j);
}

static void test_table_report_has_header_and_one_row_per_vcpu(void **state)
{
	struct eb_opts o;
	struct hf_facts f;
	struct eb_vcpu_result r[2];
	struct eb_run run;
	char *buf = NULL, *line;
	size_t len = 0;
	int rows = 0;
	FILE *out;

	(void)state;
	fill(&o, &f, r, &run);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	eb_report_table(out, &o, &f, &run, 1);
	fclose(out);
	assert_non_null(strstr(buf, "kernel 7.3.4, SBI 2.0, implementation OpenSBI (id 1) version 1.2 (0x10002)"));
	assert_non_null(strstr(buf, "NACL unknown (kvm.nacl_features n/a)"));
	assert_non_null(strstr(buf, "MEAN_NS"));
	assert_non_null(strstr(buf, "ecall_exit_stat=1001"));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		rows += strstr(line, " sbi-user ") != NULL;
	assert_int_equal(rows, 2);
	free(buf);
}

static void test_reports_show_an_unknown_encoding_raw_never_decoded(void **state)
{
	struct eb_opts o;
	struct hf_facts f;
	struct eb_vcpu_result r[2];
	struct eb_run run;
	char *buf = NULL;
	size_t len = 0;
	json_t *j, *facts;
	FILE *out;

	(void)state;
	fill(&o, &f, r, &run);
	hf_init(&f);
	hf_parse_klog(&f, "SBI implementation ID=0x2 Version=0x3002\n"
			  "kvm [7]: SBI nested acceleration offers 0x7, enabled 0x5 (nacl_features=0xd)\n");
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	eb_report_table(out, &o, &f, &run, 1);
	fclose(out);
	assert_non_null(strstr(buf, "implementation Xvisor (id 2) version 0x3002 (0x3002)"));
	assert_null(strstr(buf, "0.12290"));
	assert_non_null(strstr(buf, "NACL offered 0x7, enabled 0x5"));
	free(buf);
	j = eb_report_json(&o, &f, &run, 1);
	facts = json_object_get(j, "facts");
	assert_string_equal(json_string_value(json_object_get(facts, "sbi_impl_name")), "Xvisor");
	assert_int_equal(json_integer_value(json_object_get(facts, "sbi_impl_version")), 0x3002);
	assert_string_equal(json_string_value(json_object_get(facts, "sbi_impl_version_text")), "0x3002");
	assert_string_equal(json_string_value(json_object_get(facts, "sbi_spec_version")), "unknown");
	assert_int_equal(json_integer_value(json_object_get(facts, "nacl_offered")), 7);
	json_decref(j);
}

static void test_stat_get_reports_missing_counters(void **state)
{
	struct eb_opts o;
	struct hf_facts f;
	struct eb_vcpu_result r[2];
	struct eb_run run;
	bool found = true;

	(void)state;
	fill(&o, &f, r, &run);
	assert_int_equal(eb_stat_get(&r[0], "exits", &found), 1004);
	assert_true(found);
	assert_int_equal(eb_stat_get(&r[0], "wfi_exit_stat", &found), 0);
	assert_false(found);
}

/* a vCPU that ran @n csr exits, @illegal of them completed by the guest's trap handler */
static void csr_result(struct eb_vcpu_result *r, long n, uint64_t illegal, uint64_t kvm_answered,
		       uint64_t l0_illegal)
{
	memset(r, 0, sizeof(*r));
	r->ok = true;
	r->guest_total = (uint64_t)n;
	r->guest_kind[EB_KIND_CSR] = (uint64_t)n;
	r->csr_illegal = illegal;
	r->window_ctl_exits = (uint64_t)n / 100 + 1;
	r->nstats = 3;
	strcpy(r->stats[0].name, "csr_exit_kernel");
	r->stats[0].value = kvm_answered;
	strcpy(r->stats[1].name, "instr_illegal_exits");
	r->stats[1].value = l0_illegal;
	strcpy(r->stats[2].name, "ecall_exit_stat");
	r->stats[2].value = r->window_ctl_exits;
}

static void test_verify_csr_answered_by_kvm_passes(void **state)
{
	struct eb_vcpu_result r;

	(void)state;
	csr_result(&r, 1000, 0, 1000, 0);
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_true(r.ok);
}

static void test_verify_csr_redirected_as_illegal_instruction_passes(void **state)
{
	struct eb_vcpu_result r;

	(void)state;
	/* the L0 raised every one: KVM counted them as illegal-instruction exits */
	csr_result(&r, 1000, 1000, 0, 1000);
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_true(r.ok);
	/* KVM's PMU refused every read: redirected from virtual-instruction exits */
	csr_result(&r, 1000, 1000, 0, 0);
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_true(r.ok);
	/* some of each */
	csr_result(&r, 1000, 400, 600, 400);
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_true(r.ok);
}

static void test_verify_csr_counts_that_disagree_fail(void **state)
{
	struct eb_vcpu_result r;

	(void)state;
	csr_result(&r, 1000, 0, 999, 0);
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_false(r.ok);
	assert_string_equal(r.error, "KVM stat csr_exit_kernel counted 999, expected 1000 "
			    "(1000 csr less 0 redirected as illegal instruction)");
	csr_result(&r, 1000, 10, 1000, 10);
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.error, "expected 990"));
	csr_result(&r, 1000, 1001, 0, 0);
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.error, "completed 1001 csr accesses as illegal instructions, made 1000"));
	csr_result(&r, 1000, 5, 995, 6);
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.error, "instr_illegal_exits counted 6"));
	/* a kind without csr exits has nothing to complete */
	csr_result(&r, 1000, 1, 0, 0);
	r.guest_kind[EB_KIND_CSR] = 0;
	r.guest_kind[EB_KIND_WFI] = 1000;
	eb_verify(EB_KIND_WFI, 1000, &r);
	assert_false(r.ok);
	assert_string_equal(r.error, "guest completed 1 csr accesses as illegal instructions, made 0");
}

static void test_verify_keeps_the_first_error(void **state)
{
	struct eb_vcpu_result r;

	(void)state;
	csr_result(&r, 1000, 0, 1000, 0);
	r.guest_total = 999;
	eb_verify(EB_KIND_CSR, 1000, &r);
	assert_string_equal(r.error, "guest counted 999 exits, expected 1000");
	eb_vcpu_fail(&r, "something later");
	assert_string_equal(r.error, "guest counted 999 exits, expected 1000");
}

static void test_timeout_error_names_timeout_and_iteration(void **state)
{
	struct eb_vcpu_result r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ok = true;
	eb_timeout_error(&r, 120, false, 1, 1000);
	assert_false(r.ok);
	assert_string_equal(r.error, "timed out after 120 s (--timeout) at iteration 1 of 1000");
	memset(&r, 0, sizeof(r));
	r.ok = true;
	eb_timeout_error(&r, 5, true, 0, 1000);
	assert_string_equal(r.error, "timed out after 5 s (--timeout) in the set-up, before the start call");
	/* a vCPU that failed first keeps its own reason */
	eb_timeout_error(&r, 120, false, 7, 1000);
	assert_non_null(strstr(r.error, "in the set-up"));
}

static void test_run_verdict_names_the_first_failed_vcpu(void **state)
{
	struct eb_vcpu_result r[3];
	struct eb_run run;

	(void)state;
	memset(r, 0, sizeof(r));
	for (int i = 0; i < 3; i++) {
		r[i].ok = true;
		r[i].vm = i / 2;
		r[i].vcpu = i % 2;
	}
	run = (struct eb_run){ .kind = EB_KIND_WFI, .ok = true, .r = r, .nr = 3 };
	eb_run_finish(&run);
	assert_true(run.ok);
	assert_string_equal(run.error, "");
	assert_int_equal(eb_exit_status(&run, 1), 0);

	eb_timeout_error(&r[1], 120, false, 1, 1000);
	eb_timeout_error(&r[2], 120, false, 3, 1000);
	eb_run_finish(&run);
	assert_false(run.ok);
	assert_string_equal(run.error, "VM 0 vCPU 1: timed out after 120 s (--timeout) at iteration 1 of 1000");
	assert_int_equal(eb_exit_status(&run, 1), 1);

	/* a set-up failure stays the reason */
	run = (struct eb_run){ .kind = EB_KIND_CSR, .ok = false, .r = NULL, .nr = 0 };
	strcpy(run.error, "set-up: VM 0: KVM_CREATE_VM: Cannot allocate memory");
	eb_run_finish(&run);
	assert_string_equal(run.error, "set-up: VM 0: KVM_CREATE_VM: Cannot allocate memory");
	assert_int_equal(eb_exit_status(NULL, 0), 1);
}

/* csr passed with every access redirected, wfi timed out, mix passed */
static void three_runs(struct eb_opts *o, struct hf_facts *f, struct eb_vcpu_result *r, struct eb_run *runs)
{
	*o = (struct eb_opts){ .kinds = { EB_KIND_CSR, EB_KIND_WFI, EB_KIND_MIX }, .nkinds = 3, .n = 1000,
			       .vms = 1, .vcpus = 1, .batch = 100, .timeout_s = 30 };
	hf_init(f);
	csr_result(&r[0], 1000, 1000, 0, 1000);
	memset(&r[1], 0, sizeof(r[1]));
	r[1].ok = true;
	r[1].guest_total = 1;
	r[1].guest_kind[EB_KIND_WFI] = 1;
	r[1].setup_user_exits = 1;
	r[1].setup_sbi_kernel_calls = 1;
	eb_timeout_error(&r[1], 30, false, 1, 1000);
	memset(&r[2], 0, sizeof(r[2]));
	r[2].ok = true;
	r[2].guest_total = 1000;
	for (int k = 0; k < EB_NR_BASIC_KINDS; k++)
		r[2].guest_kind[k] = 200;
	r[2].setup_sbi_kernel_calls = 1;
	for (int i = 0; i < 3; i++) {
		runs[i] = (struct eb_run){ .kind = o->kinds[i], .ok = true, .r = &r[i], .nr = 1 };
		eb_run_finish(&runs[i]);
	}
}

static void test_json_report_of_several_kinds_marks_the_failed_one(void **state)
{
	struct eb_vcpu_result r[3];
	struct eb_run runs[3];
	struct eb_opts o;
	struct hf_facts f;
	json_t *j, *arr, *one, *v;

	(void)state;
	three_runs(&o, &f, r, runs);
	j = eb_report_json(&o, &f, runs, 3);
	assert_int_equal(json_integer_value(json_object_get(j, "schema")), EB_JSON_SCHEMA);
	assert_null(json_object_get(j, "kind"));
	assert_null(json_object_get(j, "results"));
	assert_int_equal(json_array_size(json_object_get(j, "kinds")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "kinds"), 1)), "wfi");
	assert_int_equal(json_integer_value(json_object_get(j, "timeout_s")), 30);
	assert_non_null(json_object_get(j, "facts"));
	assert_true(json_is_false(json_object_get(j, "ok")));
	assert_int_equal(json_object_size(json_object_get(j, "failed")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "failed"), "wfi")),
			    "VM 0 vCPU 0: timed out after 30 s (--timeout) at iteration 1 of 1000");
	arr = json_object_get(j, "runs");
	assert_int_equal(json_array_size(arr), 3);
	one = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(one, "kind")), "csr");
	assert_true(json_is_true(json_object_get(one, "ok")));
	assert_null(json_object_get(one, "error"));
	assert_null(json_object_get(one, "facts"));
	assert_int_equal(json_integer_value(json_object_get(one, "batch")), 100);
	v = json_array_get(json_object_get(one, "results"), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "csr_redirected_illegal")), 1000);
	one = json_array_get(arr, 1);
	assert_true(json_is_false(json_object_get(one, "ok")));
	assert_string_equal(json_string_value(json_object_get(one, "error")),
			    "VM 0 vCPU 0: timed out after 30 s (--timeout) at iteration 1 of 1000");
	v = json_array_get(json_object_get(one, "results"), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "setup"), "sbi_kernel_calls")), 1);
	assert_null(json_object_get(v, "csr_redirected_illegal"));
	one = json_array_get(arr, 2);
	assert_true(json_is_true(json_object_get(one, "ok")));
	assert_true(json_is_null(json_object_get(one, "batch")));
	v = json_array_get(json_object_get(one, "results"), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "csr_redirected_illegal")), 0);
	json_decref(j);
}

static void test_table_report_of_several_kinds_says_why_one_failed(void **state)
{
	struct eb_vcpu_result r[3];
	struct eb_run runs[3];
	struct eb_opts o;
	struct hf_facts f;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	three_runs(&o, &f, r, runs);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	eb_report_table(out, &o, &f, runs, 3);
	fclose(out);
	assert_non_null(strstr(buf, "exitbench: kinds csr, wfi, mix, 1000 exits per vCPU, 1 VM(s) x 1 vCPU(s), timeout 30 s per kind"));
	assert_non_null(strstr(buf, "csr_exit_kernel=0 +1000 illegal"));
	assert_non_null(strstr(buf, "csr: VM 0 vCPU 0: 1000 of 1000 csr accesses came back to the guest as"
				    " illegal-instruction exceptions, completed by its trap handler: 0 refused by"
				    " KVM's PMU (virtual-instruction exits, naclscope key exc:virtual_instruction),"
				    " 1000 raised by the L0 (instr_illegal_exits, naclscope key exc:illegal_insn)\n"));
	assert_non_null(strstr(buf, "wfi FAILED: VM 0 vCPU 0: timed out after 30 s (--timeout) at iteration 1 of 1000"));
	assert_null(strstr(buf, "csr FAILED"));
	assert_null(strstr(buf, "mix FAILED"));
	free(buf);
}

static void test_table_report_of_a_kind_that_never_started(void **state)
{
	struct eb_opts o = { .kinds = { EB_KIND_CSR }, .nkinds = 1, .n = 10, .vms = 1, .vcpus = 1,
			     .batch = 100, .timeout_s = 120 };
	struct eb_run run = { .kind = EB_KIND_CSR, .ok = false };
	struct hf_facts f;
	char *buf = NULL;
	size_t len = 0;
	json_t *j;
	FILE *out;

	(void)state;
	hf_init(&f);
	strcpy(run.error, "set-up: VM 0: KVM_CREATE_VM: Cannot allocate memory");
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	eb_report_table(out, &o, &f, &run, 1);
	fclose(out);
	assert_non_null(strstr(buf, "csr FAILED: set-up: VM 0: KVM_CREATE_VM"));
	free(buf);
	j = eb_report_json(&o, &f, &run, 1);
	assert_true(json_is_false(json_object_get(j, "ok")));
	assert_int_equal(json_array_size(json_object_get(j, "results")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "set-up: VM 0: KVM_CREATE_VM: Cannot allocate memory");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_defaults_are_sbi_user_1000_one_vm_one_vcpu),
		cmocka_unit_test(test_parse_all_options_are_taken),
		cmocka_unit_test(test_parse_every_kind_name_round_trips),
		cmocka_unit_test(test_parse_unknown_kind_fails_with_one_line),
		cmocka_unit_test(test_parse_kind_lists_run_in_the_order_given),
		cmocka_unit_test(test_parse_bad_kind_lists_fail_with_one_line),
		cmocka_unit_test(test_parse_timeout_is_range_checked),
		cmocka_unit_test(test_parse_bad_counts_fail),
		cmocka_unit_test(test_parse_too_many_vcpus_or_vms_fail),
		cmocka_unit_test(test_parse_unknown_option_and_stray_argument_fail),
		cmocka_unit_test(test_parse_version_returns_printed),
		cmocka_unit_test(test_expected_single_kind_gets_all_exits),
		cmocka_unit_test(test_expected_mix_splits_n_in_kind_order),
		cmocka_unit_test(test_kind_stats_name_the_kvm_counters),
		cmocka_unit_test(test_setup_timer_call_only_for_wfi_and_mix),
		cmocka_unit_test(test_json_report_has_schema_facts_and_per_vcpu_results),
		cmocka_unit_test(test_json_report_round_trips_through_text),
		cmocka_unit_test(test_table_report_has_header_and_one_row_per_vcpu),
		cmocka_unit_test(test_reports_show_an_unknown_encoding_raw_never_decoded),
		cmocka_unit_test(test_stat_get_reports_missing_counters),
		cmocka_unit_test(test_verify_csr_answered_by_kvm_passes),
		cmocka_unit_test(test_verify_csr_redirected_as_illegal_instruction_passes),
		cmocka_unit_test(test_verify_csr_counts_that_disagree_fail),
		cmocka_unit_test(test_verify_keeps_the_first_error),
		cmocka_unit_test(test_timeout_error_names_timeout_and_iteration),
		cmocka_unit_test(test_run_verdict_names_the_first_failed_vcpu),
		cmocka_unit_test(test_json_report_of_several_kinds_marks_the_failed_one),
		cmocka_unit_test(test_table_report_of_several_kinds_says_why_one_failed),
		cmocka_unit_test(test_table_report_of_a_kind_that_never_started),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
