// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Unit tests of naclscope recordings: JSON round trip, every bad input, names (cmocka). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "naclscope_craft.h"
#include "cli.h"

static char dir[] = "/tmp/naclscope-test-XXXXXX";

static char *path_of(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void write_file(const char *name, const char *text, size_t len)
{
	FILE *f = fopen(path_of(name), "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static void build(struct ns_recording *r)
{
	ns_rec_init(r);
	craft_facts(r);
	r->command = strdup("exitbench --vms 2");
	r->measured = NS_MEASURED(NS_SPAN_SWITCH) | NS_MEASURED(NS_SPAN_HOST);
	r->timebase_hz = 10000000;
	r->bpf_stats_s = 0.05;
	r->pid = 181;
	craft_add(r, (struct craft_key){ 181, 1, 0, 0, 0, 1, 5, 0, 0 }, 100, 1000, 300, 1);
	craft_add(r, (struct craft_key){ 181, 1, 1, 1, 2, 0, 10, NS_SBI_EXT_NACL, 2 }, 50, 5000, 20, 1);
	craft_add(r, (struct craft_key){ 181, 2, 0, 1, 2, 0, 22, 0, NS_SUB_CSR | 0x600 }, 7, 3, 1, 1);
	/* one span never filled: guest time of a key seen only once without entry */
	r->cnt[NS_CNT_SYNC_CSR].count = 4;
	r->cnt[NS_CNT_SYNC_CSR].sum = 40;
	r->cnt[NS_CNT_SYNC_CSR_ALL].count = 1;
	r->cnt[NS_CNT_SYNC_CSR_ALL].sum = 12;
	r->cnt[NS_CNT_SYNC_HFENCE].count = 2;
	r->cnt[NS_CNT_SYNC_HFENCE].sum = 3;
	r->cnt[NS_CNT_HFENCE + 1 * NS_HFENCE_TYPES + 3].count = 9;
	r->cnt[NS_CNT_NACL_CALL + 2].count = 4;
	r->cnt[NS_CNT_NACL_CALL + 2].sum = 4000;
	r->cnt[NS_CNT_NACL_CALL + 2].errors = 1;
	r->drops = r->cnt[NS_CNT_DROPS].count = 3;
	r->vcpu_drops = r->cnt[NS_CNT_VCPU_DROPS].count = 1;
	r->bad_cycles = r->cnt[NS_CNT_BAD_CYCLES].count = 2;
	r->kvm_stats = json_pack("{s{s{sI}s{sIsI}}}", "181-11", "vm", "remote_tlb_flush", 2LL,
				 "vcpu0", "exits", 157LL, "nacl_sret_entries", 50LL);
	r->bpf_stats = 1;
	r->nprogs = 1;
	snprintf(r->prog[0].name, sizeof(r->prog[0].name), "ns_world_switch");
	r->prog[0].run_cnt = 157;
	r->prog[0].run_time_ns = 31400;
}

static void test_round_trip_keeps_every_field(void **state)
{
	struct ns_recording a, b;
	char err[256];
	size_t la, lb, i;
	char *ta, *tb;
	unsigned int j;

	(void)state;
	build(&a);
	assert_int_equal(ns_rec_save(&a, path_of("a.json"), err, sizeof(err)), 0);
	assert_int_equal(access(path_of("a.json.tmp"), F_OK), -1);
	assert_int_equal(ns_rec_load(path_of("a.json"), &b, err, sizeof(err)), 0);

	assert_string_equal(b.kernel, a.kernel);
	assert_string_equal(b.machine, "riscv64");
	assert_string_equal(b.sbi_impl, "OpenSBI");
	assert_string_equal(b.sbi_version, "1.8");
	assert_string_equal(b.nacl_param, "0xf");
	assert_int_equal(b.nacl_offered, 15);
	assert_int_equal(b.nacl_enabled, 15);
	assert_string_equal(b.command, "exitbench --vms 2");
	assert_int_equal(b.pid, 181);
	assert_int_equal(b.degraded, 0);
	assert_int_equal(b.measured, NS_MEASURED(NS_SPAN_SWITCH) | NS_MEASURED(NS_SPAN_HOST));
	assert_int_equal(b.timebase_hz, 10000000);
	assert_true(b.bpf_stats_s == 0.05);
	assert_int_equal(b.drops, 3);
	assert_int_equal(b.vcpu_drops, 1);
	assert_int_equal(b.bad_cycles, 2);
	assert_true(b.duration_s == 2.5);
	assert_int_equal(b.n, 3);
	for (i = 0; i < a.n; i++) {
		assert_memory_equal(&b.e[i].key, &a.e[i].key, sizeof(a.e[i].key));
		for (j = 0; j < NS_SPANS; j++) {
			assert_int_equal(b.e[i].span[j].count, a.e[i].span[j].count);
			assert_int_equal(b.e[i].span[j].sum, a.e[i].span[j].sum);
			assert_int_equal(b.e[i].span[j].min, a.e[i].span[j].min);
			assert_int_equal(b.e[i].span[j].max, a.e[i].span[j].max);
			assert_true(b.e[i].span[j].sum_sq == a.e[i].span[j].sum_sq);
			assert_memory_equal(b.e[i].span[j].hist, a.e[i].span[j].hist,
					    sizeof(a.e[i].span[j].hist));
		}
	}
	assert_memory_equal(b.cnt, a.cnt, sizeof(a.cnt));
	assert_true(json_equal(b.kvm_stats, a.kvm_stats));
	assert_int_equal(b.nprogs, 1);
	assert_string_equal(b.prog[0].name, "ns_world_switch");
	assert_int_equal(b.prog[0].run_time_ns, 31400);

	/* and the second generation is byte for byte the first */
	assert_int_equal(ns_rec_save(&b, path_of("b.json"), err, sizeof(err)), 0);
	ta = read_file(path_of("a.json"), &la);
	tb = read_file(path_of("b.json"), &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(ta, tb, la);
	/* names are written for people */
	assert_non_null(strstr(ta, "\"reason\": \"exc:ecall_vs/NACL.sync_csr\""));
	assert_non_null(strstr(ta, "\"reason\": \"irq:s_timer\""));
	assert_non_null(strstr(ta, "\"reason\": \"exc:virtual_instruction/csr:hstatus\""));
	assert_non_null(strstr(ta, "\"path\": \"sync_sret\""));
	assert_non_null(strstr(ta, "\"hstatus_mode\": \"autoswap\""));
	free(ta);
	free(tb);
	ns_rec_free(&a);
	ns_rec_free(&b);
}

static void expect_load_error(const char *name, const char *needle)
{
	struct ns_recording r;
	char err[512];

	assert_int_equal(ns_rec_load(path_of(name), &r, err, sizeof(err)), -1);
	if (!strstr(err, needle))
		fail_msg("%s: error \"%s\" does not say \"%s\"", name, err, needle);
	assert_non_null(strstr(err, name));
	assert_null(strchr(err, '\n'));
	assert_int_equal(r.n, 0);
	assert_null(r.e);
}

/* Replace the first occurrence of from by to in a valid recording's text. */
static void write_variant(const char *name, const char *from, const char *to)
{
	size_t len;
	char *t = read_file(path_of("a.json"), &len), *p = strstr(t, from), *out;

	assert_non_null(p);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(p - t), t, to, p + strlen(from)) > 0);
	write_file(name, out, strlen(out));
	free(out);
	free(t);
}

static void test_bad_recordings_fail_with_one_clear_line(void **state)
{
	struct ns_recording a;
	char err[256];
	size_t len;
	char *t;

	(void)state;
	build(&a);
	assert_int_equal(ns_rec_save(&a, path_of("a.json"), err, sizeof(err)), 0);
	ns_rec_free(&a);
	t = read_file(path_of("a.json"), &len);

	expect_load_error("missing.json", "cannot open");
	write_file("empty.json", "", 0);
	expect_load_error("empty.json", "empty file");
	write_file("truncated.json", t, len / 2);
	expect_load_error("truncated.json", "truncated");
	write_file("malformed.json", "{\"schema\": 1,, }", 16);
	expect_load_error("malformed.json", "malformed");
	write_file("array.json", "[1, 2]", 6);
	expect_load_error("array.json", "not a naclscope recording");
	write_file("noschema.json", "{\"exits\": []}", 13);
	expect_load_error("noschema.json", "no \"schema\"");
	write_variant("schema4.json", "\"schema\": 3", "\"schema\": 4");
	expect_load_error("schema4.json", "schema 4 is not supported");
	write_variant("schema0.json", "\"schema\": 3", "\"schema\": 0");
	expect_load_error("schema0.json", "schema 0 is not supported");
	write_variant("noexitspan.json", "\"exit_ns\": {", "\"exit_nz\": {");
	expect_load_error("noexitspan.json", "spans.exit_ns: missing");
	write_variant("measured.json", "\"spans_measured\": [\n  \"switch_cycles\"", "\"spans_measured\": [\n  \"warp\"");
	expect_load_error("measured.json", "spans_measured[0]: expected");
	write_variant("measured2.json", "\"host_ns\"\n ]", "\"switch_cycles\"\n ]");
	expect_load_error("measured2.json", "spans_measured[1]: switch_cycles twice");
	write_variant("badcount.json", "\"count\": 100", "\"count\": 101");
	expect_load_error("badcount.json", "histogram holds 100 samples but count is 101");
	write_variant("negative.json", "\"count\": 100", "\"count\": -1");
	expect_load_error("negative.json", "expected a non-negative integer");
	write_variant("bucket.json", "\"hist\": [\n      [\n       ", "\"hist\": [\n      [\n       9999");
	expect_load_error("bucket.json", "out of range");
	write_variant("path.json", "\"path\": \"sync_sret\"", "\"path\": \"warp\"");
	expect_load_error("path.json", "path: expected");
	write_variant("mode.json", "\"mode\": \"series\"", "\"mode\": \"fast\"");
	expect_load_error("mode.json", "mode: expected");
	write_variant("noexits.json", "\"exits\": [", "\"exitz\": [");
	expect_load_error("noexits.json", "exits: expected an array");
	mkdir(path_of("dir.json"), 0700);
	expect_load_error("dir.json", "is a directory");
	free(t);
}

/*
 * A schema 2 recording (before exit_ns) still reads: no exit span measured,
 * and exit_ns is not a span name it may list.
 */
static void test_schema2_recordings_still_read(void **state)
{
	struct ns_recording a, b;
	json_t *root, *e;
	json_error_t jerr;
	char err[256];
	size_t i;

	(void)state;
	build(&a);
	assert_int_equal(ns_rec_save(&a, path_of("s3.json"), err, sizeof(err)), 0);
	ns_rec_free(&a);
	root = json_load_file(path_of("s3.json"), 0, &jerr);
	assert_non_null(root);
	json_object_set_new(root, "schema", json_integer(2));
	json_array_foreach(json_object_get(root, "exits"), i, e)
		json_object_del(json_object_get(e, "spans"), "exit_ns");
	assert_int_equal(json_dump_file(root, path_of("s2.json"), 0), 0);
	assert_int_equal(ns_rec_load(path_of("s2.json"), &b, err, sizeof(err)), 0);
	assert_int_equal(b.schema, 2);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.measured, NS_MEASURED(NS_SPAN_SWITCH) | NS_MEASURED(NS_SPAN_HOST));
	assert_int_equal(b.e[0].span[NS_SPAN_EXIT].count, 0);
	ns_rec_free(&b);
	/* exit_ns is schema 3's */
	json_array_append_new(json_object_get(root, "spans_measured"), json_string("exit_ns"));
	assert_int_equal(json_dump_file(root, path_of("s2x.json"), 0), 0);
	expect_load_error("s2x.json", "exit_ns is schema 3");
	json_decref(root);
}

/* The exit's parts: handling from host_ns when measured, else exit less switch (in ns). */
static void test_split_of_the_exit(void **state)
{
	struct ns_recording r;
	struct ns_entry *e;
	struct ns_split sp;
	unsigned int i;

	(void)state;
	ns_rec_init(&r);
	r.timebase_hz = 10000000;	/* 100 ns per cycle */
	e = craft_add(&r, (struct craft_key){ 1, 1, 0, 1, 2, 0, 10, 0x10, 0 }, 0, 0, 1, 1);
	for (i = 0; i < 4; i++) {
		ns_span_add(&e->span[NS_SPAN_SWITCH], 30);	/* 3000 ns */
		ns_span_add(&e->span[NS_SPAN_EXIT], 5000);
		ns_span_add(&e->span[NS_SPAN_HOST], 1900);
	}
	r.measured = NS_MEASURED_DEFAULT;
	ns_rec_split(&r, e->span, &sp);
	assert_true(sp.exit_ns == 5000);
	assert_true(sp.switch_ns == 3000);
	assert_true(sp.handling_ns == 2000);
	r.measured = NS_MEASURED_ALL;
	ns_rec_split(&r, e->span, &sp);
	assert_true(sp.handling_ns == 1900);
	r.measured = NS_MEASURED(NS_SPAN_SWITCH);
	ns_rec_split(&r, e->span, &sp);
	assert_true(sp.exit_ns < 0);
	assert_true(sp.handling_ns < 0);
	assert_true(sp.switch_ns == 3000);
	r.timebase_hz = 0;	/* unknown: 10 MHz assumed */
	ns_rec_split(&r, e->span, &sp);
	assert_true(sp.switch_ns == 3000);
	ns_rec_free(&r);
}

static long long stat_of(json_t *stats, const char *vm, const char *name)
{
	json_t *v = json_object_get(json_object_get(json_object_get(stats, vm), "vm"), name);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/*
 * KVM counters of a recording: a directory name reused by the VMM's next VM
 * keeps the earlier VM's sample, start values are subtracted only from the
 * same VM, and the final counters of destroyed vCPUs replace the samples
 * (summed per VM, less the start) or add a VM no sample saw.
 */
static void test_kvm_stats_keep_every_vm_to_its_end(void **state)
{
	json_t *first, *last, *snap, *delta;
	struct ns_final_key keys[3] = { { 10, 3, 0, 0 }, { 10, 3, 1, 0 }, { 10, 9, 0, 0 } };
	struct ns_final vals[3] = {
		{ { 300, 200, 100, 900, 4, 7 } }, { { 50, 0, 50, 10, 0, 2 } }, { { 5, 5, 0, 45, 1, 0 } },
	};
	struct ns_l0 l0;

	(void)state;
	/* VM 3 runs when the recording starts; it had 100 exits, 90 H-CSR insns */
	first = json_pack("{s{s{sIsIsIsI}}}", "10-5", "vm", "vm_id", 3LL, "exits", 100LL,
			  "hcsr_insn_accesses", 90LL, "halt_wakeup", 1LL);
	last = json_deep_copy(first);
	/* a sample trailing its end, then VM 4 takes the same fd */
	snap = json_pack("{s{s{sIsIsIsI}}}", "10-5", "vm", "vm_id", 3LL, "exits", 250LL,
			 "hcsr_insn_accesses", 700LL, "halt_wakeup", 3LL);
	ns_kvm_stats_merge(last, snap);
	json_decref(snap);
	snap = json_pack("{s{s{sIsI}}}", "10-5", "vm", "vm_id", 4LL, "exits", 7LL);
	ns_kvm_stats_merge(last, snap);
	json_decref(snap);
	delta = ns_kvm_stats_delta(first, last);
	assert_int_equal(stat_of(delta, "10-5@vm3", "exits"), 150);
	assert_int_equal(stat_of(delta, "10-5", "exits"), 7);	/* VM 4: nothing subtracted */
	assert_int_equal(ns_kvm_stats_add_finals(first, delta, keys, vals, 3), 0);
	/* VM 3's two vCPUs at their end, less its start */
	assert_int_equal(stat_of(delta, "10-5@vm3", "exits"), 350 - 100);
	assert_int_equal(stat_of(delta, "10-5@vm3", "hcsr_insn_accesses"), 910 - 90);
	assert_int_equal(stat_of(delta, "10-5@vm3", "nacl_sret_entries"), 150);
	assert_int_equal(stat_of(delta, "10-5@vm3", "halt_wakeup"), 2);	/* sampled, kept */
	/* VM 9 lived and died between two samples */
	assert_int_equal(stat_of(delta, "10-vm9", "vm_id"), 9);
	assert_int_equal(stat_of(delta, "10-vm9", "switch_to_entries"), 5);
	assert_int_equal(ns_kvm_l0(delta, &l0), 0);
	assert_int_equal(l0.entries, 200 + 150 + 5);
	json_decref(first);
	json_decref(last);
	json_decref(delta);
}

static void test_duplicate_keys_rejected(void **state)
{
	struct ns_recording a;
	char err[256];

	(void)state;
	ns_rec_init(&a);
	craft_facts(&a);
	craft_add(&a, (struct craft_key){ 1, 1, 0, 0, 0, 0, 20, 0, 0 }, 3, 10, 1, 1);
	craft_add(&a, (struct craft_key){ 1, 1, 0, 0, 0, 0, 20, 0, 0 }, 3, 10, 1, 1);
	assert_int_equal(ns_rec_save(&a, path_of("dup2.json"), err, sizeof(err)), 0);
	ns_rec_free(&a);
	expect_load_error("dup2.json", "duplicate key");
}

static void test_save_never_leaves_a_partial_file(void **state)
{
	struct ns_recording a;
	char err[256];

	(void)state;
	build(&a);
	/* directory missing: nothing created */
	assert_int_equal(ns_rec_save(&a, path_of("nodir/r.json"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
	assert_int_equal(access(path_of("nodir/r.json"), F_OK), -1);
	/* rename fails (target is a non-empty directory): the temporary file is removed */
	mkdir(path_of("busy"), 0700);
	write_file("busy/x", "x", 1);
	assert_int_equal(ns_rec_save(&a, path_of("busy"), err, sizeof(err)), -1);
	assert_int_equal(access(path_of("busy.tmp"), F_OK), -1);
	ns_rec_free(&a);
}

static void test_empty_recording_loads_with_no_entries(void **state)
{
	struct ns_recording a, b;
	char err[256];

	(void)state;
	ns_rec_init(&a);
	craft_facts(&a);
	a.degraded = 1;
	assert_int_equal(ns_rec_save(&a, path_of("none.json"), err, sizeof(err)), 0);
	assert_int_equal(ns_rec_load(path_of("none.json"), &b, err, sizeof(err)), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.degraded, 1);
	assert_int_equal(ns_rec_total_exits(&b), 0);
	ns_rec_free(&a);
	ns_rec_free(&b);
}

static void test_reason_names_keep_interrupts_and_exceptions_apart(void **state)
{
	char b[96];

	(void)state;
	ns_reason_name(1, 5, 0, 0, b, sizeof(b));
	assert_string_equal(b, "irq:s_timer");
	ns_reason_name(0, 5, 0, 0, b, sizeof(b));
	assert_string_equal(b, "exc:load_access_fault");
	ns_reason_name(1, 10, 0, 0, b, sizeof(b));
	assert_string_equal(b, "irq:vs_ext");
	ns_reason_name(0, 10, NS_SBI_EXT_NACL, 4, b, sizeof(b));
	assert_string_equal(b, "exc:ecall_vs/NACL.sync_sret");
	ns_reason_name(0, 10, NS_SBI_EXT_NACL, 1, b, sizeof(b));
	assert_string_equal(b, "exc:ecall_vs/NACL.set_shmem");
	ns_reason_name(0, 10, 0x54494D45, 0, b, sizeof(b));
	assert_string_equal(b, "exc:ecall_vs/TIME.set_timer");
	ns_reason_name(0, 10, 0x1, 0, b, sizeof(b));
	assert_string_equal(b, "exc:ecall_vs/legacy_console_putchar");
	ns_reason_name(0, 10, 0x0A000000, 3, b, sizeof(b));
	assert_string_equal(b, "exc:ecall_vs/ext0xa000000.fid3");
	ns_reason_name(0, 22, 0, NS_SUB_CSR | 0x600, b, sizeof(b));
	assert_string_equal(b, "exc:virtual_instruction/csr:hstatus");
	ns_reason_name(0, 22, 0, NS_SUB_CSR | 0x7c0, b, sizeof(b));
	assert_string_equal(b, "exc:virtual_instruction/csr:0x7c0");
	ns_reason_name(0, 22, 0, NS_SUB_SYSTEM | 0x105, b, sizeof(b));
	assert_string_equal(b, "exc:virtual_instruction/wfi");
	ns_reason_name(0, 22, 0, NS_SUB_SYSTEM | (0x11 << 5), b, sizeof(b));
	assert_string_equal(b, "exc:virtual_instruction/hfence.vvma");
	ns_reason_name(0, 21, 0, 0, b, sizeof(b));
	assert_string_equal(b, "exc:load_guest_page_fault");
	ns_reason_name(0, 0xffffffff, 0, 0, b, sizeof(b));
	assert_string_equal(b, "exc:unknown");
	ns_reason_name(1, 40, 0, 0, b, sizeof(b));
	assert_string_equal(b, "irq:40");
	assert_string_equal(ns_path_name(NS_PATH_SYNC_SRET), "sync_sret");
	assert_string_equal(ns_mode_name(NS_MODE_SYNC_CSR), "sync_csr");
	assert_int_equal(ns_path_parse("switch_to"), NS_PATH_SWITCH_TO);
	assert_int_equal(ns_mode_parse("unknown"), NS_MODE_UNKNOWN);
	assert_int_equal(ns_mode_parse("bogus"), -1);
}

static int setup(void **state)
{
	(void)state;
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
		cmocka_unit_test(test_round_trip_keeps_every_field),
		cmocka_unit_test(test_bad_recordings_fail_with_one_clear_line),
		cmocka_unit_test(test_schema2_recordings_still_read),
		cmocka_unit_test(test_split_of_the_exit),
		cmocka_unit_test(test_kvm_stats_keep_every_vm_to_its_end),
		cmocka_unit_test(test_duplicate_keys_rejected),
		cmocka_unit_test(test_save_never_leaves_a_partial_file),
		cmocka_unit_test(test_empty_recording_loads_with_no_entries),
		cmocka_unit_test(test_reason_names_keep_interrupts_and_exceptions_apart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
