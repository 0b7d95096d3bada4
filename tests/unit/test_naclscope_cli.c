// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Tests of the naclscope binary (host build, $NACLSCOPE) on crafted
 * recordings: report formats, compare statistics and verdicts, and the
 * one-line failure of every bad input (cmocka).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "naclscope_craft.h"

static char dir[] = "/tmp/naclscope-cli-XXXXXX";
static const char *bin;
static uid_t run_uid;	/* when non-zero, the child drops to this uid */

struct result {
	int status;
	char *out;
	char *err;
};

static char *path_of(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* run naclscope with up to 8 arguments (NULL-terminated) */
static struct result run(const char *a0, ...)
{
	char *argv[10], *out = path_of("stdout"), *err = path_of("stderr");
	struct result r;
	va_list ap;
	pid_t pid;
	int n = 1;

	argv[0] = (char *)bin;
	argv[n++] = (char *)a0;
	va_start(ap, a0);
	while (n < 9 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fo, 1);
		dup2(fe, 2);
		if (run_uid && (setgid(run_uid) || setuid(run_uid)))
			_exit(125);
		execv(bin, argv);
		_exit(126);
	}
	assert_int_equal(waitpid(pid, &r.status, 0), pid);
	assert_true(WIFEXITED(r.status));
	r.status = WEXITSTATUS(r.status);
	r.out = slurp(out);
	r.err = slurp(err);
	return r;
}

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* failed with exactly one "naclscope: ..." line on stderr and nothing on stdout */
static void expect_one_line_failure(struct result *r, const char *needle)
{
	if (r->status == 0 || lines(r->err) != 1 || strncmp(r->err, "naclscope: ", 11) ||
	    !strstr(r->err, needle) || *r->out)
		fail_msg("status %d, stderr \"%s\", stdout %zu bytes; wanted \"%s\"", r->status,
			 r->err, strlen(r->out), needle);
	result_free(r);
}

static const struct craft_key k_timer = { 100, 1, 0, 0, 0, 1, 5, 0, 0 };
static const struct craft_key k_nacl = { 100, 1, 1, 0, 0, 0, 10, NS_SBI_EXT_NACL, 2 };
static const struct craft_key k_csr = { 100, 2, 0, 0, 0, 0, 22, 0, NS_SUB_CSR | 0x600 };

/* three keys: 1000 timer irqs, 400 NACL sync_csr ecalls, 250 hstatus virtual-insn faults */
static void save(const char *name, unsigned int scale, int nacl_path)
{
	struct ns_recording r;
	struct craft_key a = k_timer, b = k_nacl, c = k_csr;
	char err[256];

	if (nacl_path) {
		a.path = b.path = c.path = NS_PATH_SYNC_SRET;
		a.mode = b.mode = c.mode = NS_MODE_AUTOSWAP;
	}
	ns_rec_init(&r);
	craft_facts(&r);
	r.measured = NS_MEASURED_DEFAULT;
	craft_add(&r, a, 1000, 2000, 500, scale);
	craft_add(&r, b, 400, 3000, 100, scale);
	craft_add(&r, c, 250, 1500, 50, scale);
	r.cnt[NS_CNT_SYNC_CSR].count = 10;
	r.cnt[NS_CNT_SYNC_CSR].sum = 33;
	assert_int_equal(ns_rec_save(&r, path_of(name), err, sizeof(err)), 0);
	ns_rec_free(&r);
}

static void test_report_text_names_every_reason(void **state)
{
	struct result r;

	(void)state;
	save("a.json", 1, 0);
	r = run("report", path_of("a.json"), NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "irq:s_timer"));
	assert_non_null(strstr(r.out, "exc:ecall_vs/NACL.sync_csr"));
	assert_non_null(strstr(r.out, "exc:virtual_instruction/csr:hstatus"));
	assert_non_null(strstr(r.out, "exits 1650 (switch_to 1650, sync_sret 0)"));
	assert_non_null(strstr(r.out, "L0-trap equivalents per exit: unknown"));
	result_free(&r);
}

static void test_report_l0_trap_equivalents_from_kvm_counters(void **state)
{
	struct ns_recording rec;
	struct craft_key k = k_timer;
	struct result r;
	char err[256];

	(void)state;
	ns_rec_init(&rec);
	craft_facts(&rec);
	craft_add(&rec, k, 1650, 2000, 500, 1);
	/* two vCPUs: 12 H-CSR insns, 2 local HFENCEs, 1000 SRETs, 3 + 650 NACL ecalls */
	rec.kvm_stats = json_pack("{s{s{sI}s{sIsIsIsIsI}s{sIsIsIsIsI}}}", "100-11",
		"vm", "vm_id", 1LL,
		"vcpu0", "hcsr_insn_accesses", 10LL, "hfence_local", 2LL, "switch_to_entries", 1000LL,
		"nacl_sync_calls", 0LL, "nacl_sret_entries", 0LL,
		"vcpu1", "hcsr_insn_accesses", 2LL, "hfence_local", 0LL, "switch_to_entries", 0LL,
		"nacl_sync_calls", 3LL, "nacl_sret_entries", 650LL);
	assert_int_equal(ns_rec_save(&rec, path_of("l0.json"), err, sizeof(err)), 0);
	ns_rec_free(&rec);
	r = run("report", path_of("l0.json"), NULL);
	assert_int_equal(r.status, 0);
	/* (12 + 2 + 1000 + 653) / 1650 = 1.0103 */
	assert_non_null(strstr(r.out, "L0-trap equivalents per exit: 1.01 (H-CSR insns 12 + local HFENCEs 2 + SRETs 1000 + NACL ecalls 653, over 1650 entries"));
	result_free(&r);
}

static void test_report_csv_one_row_per_key(void **state)
{
	struct result r;

	(void)state;
	save("a.json", 1, 0);
	r = run("report", path_of("a.json"), "--format", "csv", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(lines(r.out), 1 + 3);
	assert_non_null(strstr(r.out, "100,1,0,irq:s_timer,1,5,0,0,switch_to,direct,1000,"));
	result_free(&r);
}

static void test_report_json_rows_and_totals(void **state)
{
	json_error_t je;
	struct result r;
	json_t *root;

	(void)state;
	save("a.json", 1, 1);
	r = run("report", path_of("a.json"), "--format", "json", NULL);
	assert_int_equal(r.status, 0);
	root = json_loads(r.out, 0, &je);
	assert_non_null(root);
	assert_int_equal(json_array_size(json_object_get(root, "rows")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "totals"), "exits")), 1650);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "totals"), "sync_sret")), 1650);
	json_decref(root);
	result_free(&r);
}

static json_t *compare_json(const char *a, const char *b)
{
	json_error_t je;
	struct result r = run("compare", path_of(a), path_of(b), "--format", "json", NULL);
	json_t *root;

	assert_int_equal(r.status, 0);
	root = json_loads(r.out, 0, &je);
	assert_non_null(root);
	result_free(&r);
	return root;
}

static void test_compare_equal_distributions_no_difference(void **state)
{
	json_t *root, *row;
	size_t i;

	(void)state;
	save("a.json", 1, 0);
	save("a2.json", 1, 0);
	root = compare_json("a.json", "a2.json");
	assert_int_equal(json_array_size(json_object_get(root, "rows")), 3 + 1);
	json_array_foreach(json_object_get(root, "rows"), i, row)
		assert_string_equal(json_string_value(json_object_get(row, "verdict")), "no difference");
	json_decref(root);
}

static void test_compare_doubled_costs_ratio_two_inside_interval(void **state)
{
	json_t *root, *row, *ratio;
	double v, lo, hi;
	size_t i;

	(void)state;
	save("a.json", 1, 0);
	save("b.json", 2, 1);
	root = compare_json("a.json", "b.json");
	json_array_foreach(json_object_get(root, "rows"), i, row) {
		ratio = json_object_get(row, "ratio");
		v = json_real_value(json_object_get(ratio, "value"));
		lo = json_real_value(json_object_get(ratio, "lo"));
		hi = json_real_value(json_object_get(ratio, "hi"));
		assert_true(v > 1.999 && v < 2.001);	/* every sample exactly doubled */
		assert_true(lo < v && v < hi && hi - lo < 0.2);
		assert_string_equal(json_string_value(json_object_get(row, "verdict")), "slower");
		/* the path change is shown */
		assert_string_equal(json_string_value(json_object_get(row, "a_path_mode")), "switch_to/direct");
		assert_string_equal(json_string_value(json_object_get(row, "b_path_mode")), "sync_sret/autoswap");
	}
	json_decref(root);
	/* and the other way round: faster */
	root = compare_json("b.json", "a.json");
	row = json_array_get(json_object_get(root, "rows"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "verdict")), "faster");
	json_decref(root);
}

static void test_compare_text_lists_reasons_and_verdicts(void **state)
{
	struct result r;

	(void)state;
	save("a.json", 1, 0);
	save("b.json", 2, 1);
	r = run("compare", path_of("a.json"), path_of("b.json"), NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "irq:s_timer"));
	assert_non_null(strstr(r.out, "slower"));
	assert_non_null(strstr(r.out, "sync_sret/autoswap"));
	assert_int_equal(lines(r.out), 4 + 3 + 2 + 3);
	assert_non_null(strstr(r.out, "span exit_ns (ns)"));
	result_free(&r);
}

/*
 * One reason whose switch doubles while its handling shrinks more (an L0
 * whose sync_sret call is dear, whose CSR traps NACL removes): the default
 * verdict follows the whole exit (faster), the switch alone points the
 * other way, and both parts are shown.
 */
static void save_split(const char *name, uint64_t sw_cycles, uint64_t exit_ns, int nacl)
{
	struct ns_recording r;
	struct craft_key k = k_nacl;
	struct ns_entry *e;
	char err[256];
	unsigned int i;

	k.ext = 0x10;
	k.sub = 0;
	k.path = nacl ? NS_PATH_SYNC_SRET : NS_PATH_SWITCH_TO;
	k.mode = nacl ? NS_MODE_AUTOSWAP : NS_MODE_DIRECT;
	ns_rec_init(&r);
	craft_facts(&r);
	r.measured = NS_MEASURED_DEFAULT;
	r.timebase_hz = 10000000;
	e = craft_add(&r, k, 0, 0, 1, 1);
	for (i = 0; i < 2000; i++) {
		ns_span_add(&e->span[NS_SPAN_SWITCH], sw_cycles + i % 3);
		ns_span_add(&e->span[NS_SPAN_EXIT], exit_ns + (i % 5) * 100);
	}
	assert_int_equal(ns_rec_save(&r, path_of(name), err, sizeof(err)), 0);
	ns_rec_free(&r);
}

static void test_compare_verdict_follows_the_whole_exit(void **state)
{
	json_t *root, *row, *part;
	struct result r;

	(void)state;
	save_split("off.json", 30, 25300, 0);	/* switch 3000 ns, handling ~22300 */
	save_split("on.json", 60, 17200, 1);	/* switch 6000 ns, handling ~11200 */
	root = compare_json("off.json", "on.json");
	assert_string_equal(json_string_value(json_object_get(root, "span")), "exit_ns");
	row = json_array_get(json_object_get(root, "rows"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "verdict")), "faster");
	part = json_object_get(row, "switch_ns");
	assert_true(json_real_value(json_object_get(part, "ratio")) > 1.9);
	part = json_object_get(row, "handling_ns");
	assert_true(json_real_value(json_object_get(part, "ratio")) < 0.6);
	json_decref(root);
	/* the switch alone says the opposite */
	r = run("compare", path_of("off.json"), path_of("on.json"), "--span", "switch", "--format", "json", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"verdict\": \"slower\""));
	result_free(&r);
	/* a recording without the exit span cannot be compared on it */
	r = run("compare", path_of("off.json"), path_of("on.json"), "--span", "host", NULL);
	expect_one_line_failure(&r, "host_ns span was not measured");
}

static void test_compare_no_common_reason_fails(void **state)
{
	struct ns_recording x;
	struct craft_key k = { 5, 1, 0, 0, 0, 0, 21, 0, 0 };
	char err[256];

	(void)state;
	save("a.json", 1, 0);
	ns_rec_init(&x);
	craft_facts(&x);
	x.measured = NS_MEASURED_DEFAULT;
	craft_add(&x, k, 10, 100, 10, 1);
	assert_int_equal(ns_rec_save(&x, path_of("other.json"), err, sizeof(err)), 0);
	ns_rec_free(&x);
	struct result r = run("compare", path_of("a.json"), path_of("other.json"), NULL);
	expect_one_line_failure(&r, "no exit reason in common");
}

static void write_raw(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_every_bad_recording_fails_with_one_line(void **state)
{
	static const struct {
		const char *name, *text, *needle;
	} bad[] = {
		{ "empty.json", "", "empty file" },
		{ "trunc.json", "{\"schema\": 1, \"host\": {\"kernel\": \"7.3", "truncated" },
		{ "junk.json", "not json at all", "malformed" },
		{ "schema9.json", "{\"schema\": 9}", "schema 9 is not supported" },
		{ "noschema.json", "{\"exits\": []}", "no \"schema\"" },
	};
	struct ns_recording e;
	struct result r;
	char err[256];
	unsigned int i;

	(void)state;
	save("a.json", 1, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_raw(bad[i].name, bad[i].text);
		r = run("report", path_of(bad[i].name), NULL);
		expect_one_line_failure(&r, bad[i].needle);
		r = run("compare", path_of("a.json"), path_of(bad[i].name), NULL);
		expect_one_line_failure(&r, bad[i].name);
	}
	r = run("report", path_of("missing.json"), NULL);
	expect_one_line_failure(&r, "cannot open");
	/* a valid recording with no exits */
	ns_rec_init(&e);
	craft_facts(&e);
	assert_int_equal(ns_rec_save(&e, path_of("noexits.json"), err, sizeof(err)), 0);
	ns_rec_free(&e);
	r = run("report", path_of("noexits.json"), NULL);
	expect_one_line_failure(&r, "empty recording");
	r = run("compare", path_of("noexits.json"), path_of("a.json"), NULL);
	expect_one_line_failure(&r, "empty recording");
}

static void test_bad_command_lines_fail(void **state)
{
	struct result r;

	(void)state;
	r = run("frobnicate", NULL);
	expect_one_line_failure(&r, "unknown command");
	r = run("report", NULL);
	assert_true(r.status != 0);
	result_free(&r);
	save("a.json", 1, 0);
	r = run("report", path_of("a.json"), "--format", "xml", NULL);
	assert_true(r.status != 0);
	assert_string_equal(r.out, "");
	result_free(&r);
	r = run("compare", path_of("a.json"), NULL);
	assert_true(r.status != 0);
	result_free(&r);
	r = run("stat", "-i", "zero", NULL);
	assert_true(r.status != 0);
	result_free(&r);
}

static void test_record_refuses_where_it_cannot_measure(void **state)
{
	struct result r;

	(void)state;
	/* on this x86_64 host: a riscv64 kernel is needed; never a file */
	r = run("record", "-d", "1", "-o", path_of("r.json"), NULL);
	if (geteuid() == 0)
		expect_one_line_failure(&r, "riscv64");
	else
		expect_one_line_failure(&r, "root");
	assert_int_equal(access(path_of("r.json"), F_OK), -1);
	assert_int_equal(access(path_of("r.json.tmp"), F_OK), -1);
	r = run("top", "-c", "1", NULL);
	assert_true(r.status != 0);
	assert_int_equal(lines(r.err), 1);
	result_free(&r);
}

static void test_record_without_permission_fails(void **state)
{
	struct result r;

	(void)state;
	if (geteuid() != 0)
		skip();
	chmod(dir, 0777);
	run_uid = 65534;	/* nobody */
	r = run("record", "-d", "1", "-o", path_of("np.json"), NULL);
	run_uid = 0;
	expect_one_line_failure(&r, "needs root");
	assert_int_equal(access(path_of("np.json"), F_OK), -1);
}

/* past the architecture check (test hook), the host's /dev/kvm lets the later checks run */
static void test_record_unknown_pid_and_unwritable_output_fail(void **state)
{
	struct result r;
	struct stat st;

	(void)state;
	if (geteuid() != 0 || stat("/dev/kvm", &st))
		skip();
	setenv("NACLSCOPE_ANY_ARCH", "1", 1);
	r = run("record", "-p", "2147483000", "-d", "1", "-o", path_of("p.json"), NULL);
	expect_one_line_failure(&r, "no process with PID 2147483000");
	r = run("record", "-d", "1", "-o", path_of("nodir/x.json"), NULL);
	expect_one_line_failure(&r, "cannot write there");
	r = run("record", "-o", path_of("c.json"), "--", "no-such-command-xyz", NULL);
	expect_one_line_failure(&r, "command not found");
	unsetenv("NACLSCOPE_ANY_ARCH");
	assert_int_equal(access(path_of("p.json"), F_OK), -1);
	assert_int_equal(access(path_of("c.json"), F_OK), -1);
}

static void test_stat_unknown_pid_fails(void **state)
{
	struct result r;
	struct stat st;

	(void)state;
	r = run("stat", "-p", "2147483000", "-c", "1", NULL);
	expect_one_line_failure(&r, stat("/dev/kvm", &st) ? "no /dev/kvm" : "no process with PID");
}

static int setup(void **state)
{
	(void)state;
	bin = getenv("NACLSCOPE");
	if (!bin || access(bin, X_OK)) {
		fprintf(stderr, "test_naclscope_cli: set NACLSCOPE to the host naclscope binary\n");
		return -1;
	}
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return craft_remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_text_names_every_reason),
		cmocka_unit_test(test_report_l0_trap_equivalents_from_kvm_counters),
		cmocka_unit_test(test_report_csv_one_row_per_key),
		cmocka_unit_test(test_report_json_rows_and_totals),
		cmocka_unit_test(test_compare_equal_distributions_no_difference),
		cmocka_unit_test(test_compare_doubled_costs_ratio_two_inside_interval),
		cmocka_unit_test(test_compare_text_lists_reasons_and_verdicts),
		cmocka_unit_test(test_compare_verdict_follows_the_whole_exit),
		cmocka_unit_test(test_compare_no_common_reason_fails),
		cmocka_unit_test(test_every_bad_recording_fails_with_one_line),
		cmocka_unit_test(test_bad_command_lines_fail),
		cmocka_unit_test(test_record_refuses_where_it_cannot_measure),
		cmocka_unit_test(test_record_without_permission_fails),
		cmocka_unit_test(test_record_unknown_pid_and_unwritable_output_fail),
		cmocka_unit_test(test_stat_unknown_pid_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
