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
	assert_int_equal(o.kind, EB_KIND_SBI_USER);
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
			       "--batch", "7", "--json", "-v"), 0);
	assert_int_equal(o.kind, EB_KIND_WFI);
	assert_int_equal(o.n, 42);
	assert_int_equal(o.vms, 2);
	assert_int_equal(o.vcpus, 64);
	assert_int_equal(o.batch, 7);
	assert_true(o.json);
	assert_true(o.verbose);
	assert_int_equal(PARSE(&o, err, "--kind=mix", "--count=100000000"), 0);
	assert_int_equal(o.kind, EB_KIND_MIX);
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
		assert_int_equal(o.kind, k);
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

static void fill(struct eb_opts *o, struct hf_facts *f, struct eb_vcpu_result *r)
{
	*o = (struct eb_opts){ .kind = EB_KIND_SBI_USER, .n = 1000, .vms = 1, .vcpus = 2, .batch = 100 };
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
}

static void test_json_report_has_schema_facts_and_per_vcpu_results(void **state)
{
	struct eb_opts o;
	struct hf_facts f;
	struct eb_vcpu_result r[2];
	json_t *j, *res, *v, *rt, *facts;

	(void)state;
	fill(&o, &f, r);
	j = eb_report_json(&o, &f, r, 2);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "schema")), EB_JSON_SCHEMA);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "sbi-user");
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 1000);
	assert_true(json_is_null(json_object_get(j, "batch")));
	assert_true(json_is_false(json_object_get(j, "ok")));
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
	json_error_t jerr;
	json_t *j, *back;
	char *text;

	(void)state;
	fill(&o, &f, r);
	o.kind = EB_KIND_WFI;
	f.nacl_param_present = true;
	strcpy(f.nacl_param, "0xf");
	f.nacl_offered = 0xf;
	f.nacl_enabled = 0x5;
	f.sbi_impl_id = -1;
	j = eb_report_json(&o, &f, r, 2);
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
	char *buf = NULL, *line;
	size_t len = 0;
	int rows = 0;
	FILE *out;

	(void)state;
	fill(&o, &f, r);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	eb_report_table(out, &o, &f, r, 2);
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
	char *buf = NULL;
	size_t len = 0;
	json_t *j, *facts;
	FILE *out;

	(void)state;
	fill(&o, &f, r);
	hf_init(&f);
	hf_parse_klog(&f, "SBI implementation ID=0x2 Version=0x3002\n"
			  "kvm [7]: SBI nested acceleration offers 0x7, enabled 0x5 (nacl_features=0xd)\n");
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	eb_report_table(out, &o, &f, r, 2);
	fclose(out);
	assert_non_null(strstr(buf, "implementation Xvisor (id 2) version 0x3002 (0x3002)"));
	assert_null(strstr(buf, "0.12290"));
	assert_non_null(strstr(buf, "NACL offered 0x7, enabled 0x5"));
	free(buf);
	j = eb_report_json(&o, &f, r, 2);
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
	bool found = true;

	(void)state;
	fill(&o, &f, r);
	assert_int_equal(eb_stat_get(&r[0], "exits", &found), 1004);
	assert_true(found);
	assert_int_equal(eb_stat_get(&r[0], "wfi_exit_stat", &found), 0);
	assert_false(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_defaults_are_sbi_user_1000_one_vm_one_vcpu),
		cmocka_unit_test(test_parse_all_options_are_taken),
		cmocka_unit_test(test_parse_every_kind_name_round_trips),
		cmocka_unit_test(test_parse_unknown_kind_fails_with_one_line),
		cmocka_unit_test(test_parse_bad_counts_fail),
		cmocka_unit_test(test_parse_too_many_vcpus_or_vms_fail),
		cmocka_unit_test(test_parse_unknown_option_and_stray_argument_fail),
		cmocka_unit_test(test_parse_version_returns_printed),
		cmocka_unit_test(test_expected_single_kind_gets_all_exits),
		cmocka_unit_test(test_expected_mix_splits_n_in_kind_order),
		cmocka_unit_test(test_kind_stats_name_the_kvm_counters),
		cmocka_unit_test(test_json_report_has_schema_facts_and_per_vcpu_results),
		cmocka_unit_test(test_json_report_round_trips_through_text),
		cmocka_unit_test(test_table_report_has_header_and_one_row_per_vcpu),
		cmocka_unit_test(test_reports_show_an_unknown_encoding_raw_never_decoded),
		cmocka_unit_test(test_stat_get_reports_missing_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
