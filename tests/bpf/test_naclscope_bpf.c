// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Host test of bpf/naclscope.bpf.c: load the object into the running kernel
 * (root), drive each raw tracepoint program with BPF_PROG_TEST_RUN on
 * synthetic arguments and check the maps exactly. The programs read only
 * scalar arguments, so the host's architecture does not matter.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "naclscope.h"
#include "naclscope.skel.h"
#include "session.h"

#define SCAUSE_INTR	(1ULL << 63)

static int ncpus;

static struct naclscope_bpf *open_load_sized(uint32_t targ_pid, uint32_t max_keys,
					     uint32_t max_vcpus, int degraded)
{
	struct naclscope_bpf *skel = naclscope_bpf__open();

	assert_non_null(skel);
	skel->rodata->targ_pid = targ_pid;
	if (max_keys) {
		assert_int_equal(bpf_map__set_max_entries(skel->maps.exits, max_keys), 0);
		skel->rodata->slot_mask = max_keys - 1;
	}
	if (max_vcpus) {
		assert_int_equal(bpf_map__set_max_entries(skel->maps.vcpus, max_vcpus), 0);
		skel->rodata->vcpu_mask = max_vcpus - 1;
	}
	if (degraded)
		assert_int_equal(bpf_program__set_autoload(skel->progs.ns_kvm_exit, true), 0);
	assert_int_equal(naclscope_bpf__load(skel), 0);
	return skel;
}

static struct naclscope_bpf *open_load(uint32_t targ_pid, uint32_t max_keys, int degraded)
{
	return open_load_sized(targ_pid, max_keys, 0, degraded);
}

static void run(struct bpf_program *prog, const uint64_t *args, size_t n)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = n * sizeof(*args));

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), 0);
	assert_int_equal(opts.retval, 0);
}

static void world_switch(struct naclscope_bpf *s, int pid, uint32_t vm, uint32_t vcpu,
			 uint8_t path, uint8_t mode, uint64_t scause, uint64_t stval,
			 uint64_t ext, uint64_t fid, uint64_t cycles)
{
	/* as the kernel passes them: each argument widened to u64, int sign-extended */
	uint64_t a[NS_WS_ARGS] = {
		[NS_WS_PID] = (uint64_t)(int64_t)pid, [NS_WS_VM] = vm, [NS_WS_VCPU] = vcpu,
		[NS_WS_PATH] = path, [NS_WS_HSTATUS_MODE] = mode, [NS_WS_SCAUSE] = scause,
		[NS_WS_STVAL] = stval, [NS_WS_SBI_EXT] = ext, [NS_WS_SBI_FID] = fid, [NS_WS_CYCLES] = cycles,
	};

	run(s->progs.ns_world_switch, a, NS_WS_ARGS);
}

#define VCPU_PTR 0xffffffd800a01000ULL	/* a struct kvm_vcpu address, never dereferenced */

static void kvm_entry_ptr(struct naclscope_bpf *s, uint64_t vcpu)
{
	uint64_t a[1] = { vcpu };

	run(s->progs.ns_kvm_entry, a, 1);
}

static void kvm_entry(struct naclscope_bpf *s)
{
	kvm_entry_ptr(s, VCPU_PTR);
}

static struct ns_key mkkey(uint32_t pid, uint32_t vm, uint32_t vcpu, uint8_t path, uint8_t mode,
			   uint8_t intr, uint32_t cause, uint32_t ext, uint32_t sub)
{
	struct ns_key k;

	memset(&k, 0, sizeof(k));
	k.pid = pid; k.vm = vm; k.vcpu = vcpu; k.path = path; k.hstatus_mode = mode;
	k.intr = intr; k.cause = cause; k.ext = ext; k.sub = sub;
	return k;
}

static void add_span(struct ns_bspan *d, const struct ns_bspan *c)
{
	unsigned int b;

	if (!c->count)
		return;
	if (!d->count || c->min < d->min)
		d->min = c->min;
	if (c->max > d->max)
		d->max = c->max;
	d->count += c->count;
	d->sum += c->sum;
	d->sum_sq_lo += c->sum_sq_lo;	/* tests stay far below 2^64 */
	d->sum_sq_hi += c->sum_sq_hi;
	for (b = 0; b < NS_HIST_BUCKETS; b++)
		d->hist[b] += c->hist[b];
}

/* Walk every slot of every CPU: fn(key, val, arg) for each used one. */
static void for_each_slot(struct naclscope_bpf *s, void (*fn)(const struct ns_slot *, void *), void *arg)
{
	struct ns_slot *slots = calloc(ncpus, sizeof(*slots));
	uint32_t idx, n = bpf_map__max_entries(s->maps.exits);
	int i;

	assert_non_null(slots);
	for (idx = 0; idx < n; idx++) {
		assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(s->maps.exits), &idx, slots), 0);
		for (i = 0; i < ncpus; i++)
			if (slots[i].used)
				fn(&slots[i], arg);
	}
	free(slots);
}

struct lookup_arg {
	const struct ns_key *k;
	struct ns_val *out;
	int found;
};

static void lookup_fn(const struct ns_slot *sl, void *arg)
{
	struct lookup_arg *a = arg;
	int j;

	if (memcmp(&sl->key, a->k, sizeof(*a->k)))
		return;
	a->found = 1;
	for (j = 0; j < NS_SPANS; j++)
		add_span(&a->out->span[j], &sl->val.span[j]);
}

/* Sum of the per-CPU values of one key; returns -1 when the key is absent. */
static int lookup(struct naclscope_bpf *s, const struct ns_key *k, struct ns_val *out)
{
	struct lookup_arg a = { k, out, 0 };

	memset(out, 0, sizeof(*out));
	for_each_slot(s, lookup_fn, &a);
	return a.found ? 0 : -1;
}

struct keys_arg {
	struct ns_key k[64];
	unsigned int n;
};

static void keys_fn(const struct ns_slot *sl, void *arg)
{
	struct keys_arg *a = arg;
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (!memcmp(&a->k[i], &sl->key, sizeof(sl->key)))
			return;
	assert_true(a->n < 64);
	a->k[a->n++] = sl->key;
}

static struct ns_counter counter(struct naclscope_bpf *s, uint32_t idx)
{
	struct ns_counter *vals = calloc(ncpus, sizeof(*vals)), sum = { 0 };
	int i;

	assert_non_null(vals);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(s->maps.counters), &idx, vals), 0);
	for (i = 0; i < ncpus; i++) {
		sum.count += vals[i].count;
		sum.sum += vals[i].sum;
		sum.errors += vals[i].errors;
	}
	free(vals);
	return sum;
}

/* distinct keys over all slots and CPUs; the first one in *first when asked */
static unsigned int nkeys_first(struct naclscope_bpf *s, struct ns_key *first)
{
	struct keys_arg a;

	a.n = 0;
	for_each_slot(s, keys_fn, &a);
	if (first && a.n)
		*first = a.k[0];
	return a.n;
}

static unsigned int nkeys(struct naclscope_bpf *s)
{
	return nkeys_first(s, NULL);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_world_switch_switch_span_exact(void **state)
{
	static const uint64_t cyc[] = { 3, 1000, 1001, 1000, 70000, 5 };
	struct naclscope_bpf *s = open_load(0, 0, 0);
	struct ns_key k = mkkey(4242, 7, 1, NS_PATH_SYNC_SRET, NS_MODE_AUTOSWAP, 0, 20, 0, 0);
	struct ns_val v;
	uint64_t sum = 0, sq = 0;
	unsigned int i, n = sizeof(cyc) / sizeof(cyc[0]), total = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		world_switch(s, 4242, 7, 1, NS_PATH_SYNC_SRET, NS_MODE_AUTOSWAP, 20, 0x8000, 0, 0, cyc[i]);
		sum += cyc[i];
		sq += cyc[i] * cyc[i];
	}
	assert_int_equal(nkeys(s), 1);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, n);
	assert_int_equal(v.span[NS_SPAN_SWITCH].sum, sum);
	assert_int_equal(v.span[NS_SPAN_SWITCH].sum_sq_lo, sq);
	assert_int_equal(v.span[NS_SPAN_SWITCH].sum_sq_hi, 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].min, 3);
	assert_int_equal(v.span[NS_SPAN_SWITCH].max, 70000);
	/* 3 and 5 have exact buckets; 1000 and 1001 share [992, 1024) = bucket 63 */
	assert_int_equal(v.span[NS_SPAN_SWITCH].hist[3], 1);
	assert_int_equal(v.span[NS_SPAN_SWITCH].hist[5], 1);
	assert_int_equal(v.span[NS_SPAN_SWITCH].hist[63], 3);
	assert_int_equal(v.span[NS_SPAN_SWITCH].hist[ns_hist_bucket(70000)], 1);
	for (i = 0; i < NS_HIST_BUCKETS; i++)
		total += v.span[NS_SPAN_SWITCH].hist[i];
	assert_int_equal(total, n);
	/* default mode: no guest or host span; each switch after the first closes the previous exit span */
	assert_int_equal(v.span[NS_SPAN_GUEST].count, 0);
	assert_int_equal(v.span[NS_SPAN_HOST].count, 0);
	assert_int_equal(v.span[NS_SPAN_EXIT].count, n - 1);
	assert_int_equal(counter(s, NS_CNT_DROPS).count, 0);
	naclscope_bpf__destroy(s);
}

static void test_sum_of_squares_carries_into_high_word(void **state)
{
	struct naclscope_bpf *s = open_load(0, 0, 0);
	struct ns_key k = mkkey(1, 1, 0, 0, 0, 0, 20, 0, 0);
	struct ns_val v;

	(void)state;
	/* (2^33)^2 = 2^66: hi 4, lo 0; twice (2^32 + 1)^2 = 2^64 + 2^33 + 1 each */
	world_switch(s, 1, 1, 0, 0, 0, 20, 0, 0, 0, 1ULL << 33);
	world_switch(s, 1, 1, 0, 0, 0, 20, 0, 0, 0, (1ULL << 32) + 1);
	world_switch(s, 1, 1, 0, 0, 0, 20, 0, 0, 0, (1ULL << 32) + 1);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].sum_sq_hi, 4 + 2);
	assert_int_equal(v.span[NS_SPAN_SWITCH].sum_sq_lo, 2 * ((1ULL << 33) + 1));
	assert_int_equal(v.span[NS_SPAN_SWITCH].hist[NS_HIST_BUCKETS - 1], 0);
	/* a negative delta (as a broken cycle counter gives) is counted, filed as 0 */
	world_switch(s, 1, 1, 0, 0, 0, 20, 0, 0, 0, (uint64_t)-16334340455ULL);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 4);
	assert_int_equal(v.span[NS_SPAN_SWITCH].min, 0);
	assert_int_equal(counter(s, NS_CNT_BAD_CYCLES).count, 1);
	naclscope_bpf__destroy(s);
}

static void test_reason_keeps_interrupt_bit_and_sbi_function(void **state)
{
	struct naclscope_bpf *s = open_load(0, 0, 0);
	struct ns_key k;
	struct ns_val v;
	int i;

	(void)state;
	/* supervisor timer interrupt (5) and load access fault (5) are different reasons */
	world_switch(s, 10, 1, 0, 0, 1, SCAUSE_INTR | 5, 0, 0, 0, 100);
	for (i = 0; i < 2; i++)
		world_switch(s, 10, 1, 0, 0, 1, 5, 0x1000, 0, 0, 100);
	/* SBI calls: NACL sync_csr and TIME set_timer, three of the first */
	for (i = 0; i < 3; i++)
		world_switch(s, 10, 1, 0, 0, 1, 10, 0, NS_SBI_EXT_NACL, 2, 100);
	world_switch(s, 10, 1, 0, 0, 1, 10, 0, 0x54494D45, 0, 100);
	/* virtual instruction: csrr a0, hstatus (0x600) and wfi */
	world_switch(s, 10, 1, 0, 0, 1, 22, 0x60002573, 0, 0, 100);
	world_switch(s, 10, 1, 0, 0, 1, 22, 0x10500073, 0, 0, 100);
	assert_int_equal(nkeys(s), 6);

	k = mkkey(10, 1, 0, 0, 1, 1, 5, 0, 0);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 1);
	k = mkkey(10, 1, 0, 0, 1, 0, 5, 0, 0);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 2);
	k = mkkey(10, 1, 0, 0, 1, 0, 10, NS_SBI_EXT_NACL, 2);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 3);
	k = mkkey(10, 1, 0, 0, 1, 0, 10, 0x54494D45, 0);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 1);
	k = mkkey(10, 1, 0, 0, 1, 0, 22, 0, NS_SUB_CSR | 0x600);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 1);
	k = mkkey(10, 1, 0, 0, 1, 0, 22, 0, NS_SUB_SYSTEM | 0x105);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 1);
	naclscope_bpf__destroy(s);
}

static void test_vms_and_vcpus_of_one_process_told_apart(void **state)
{
	struct naclscope_bpf *s = open_load(0, 0, 0);
	struct ns_key k;
	struct ns_val v;
	uint32_t vm, vcpu;
	int i;

	(void)state;
	for (vm = 1; vm <= 2; vm++)
		for (vcpu = 0; vcpu < 2; vcpu++)
			for (i = 0; i < (int)(vm * 10 + vcpu); i++)
				world_switch(s, 77, vm, vcpu, 0, 0, 20, 0, 0, 0, 50);
	assert_int_equal(nkeys(s), 4);
	for (vm = 1; vm <= 2; vm++)
		for (vcpu = 0; vcpu < 2; vcpu++) {
			k = mkkey(77, vm, vcpu, 0, 0, 0, 20, 0, 0);
			assert_int_equal(lookup(s, &k, &v), 0);
			assert_int_equal(v.span[NS_SPAN_SWITCH].count, vm * 10 + vcpu);
		}
	naclscope_bpf__destroy(s);
}

static struct naclscope_bpf *open_load_mode(int switch_only, int guest_span, uint64_t cyc_mult)
{
	struct naclscope_bpf *s = naclscope_bpf__open();

	assert_non_null(s);
	s->rodata->switch_only = switch_only;
	s->rodata->guest_span = guest_span;
	if (cyc_mult)
		s->rodata->cyc_mult = cyc_mult;
	assert_int_equal(naclscope_bpf__load(s), 0);
	return s;
}

static void guest_entry(struct naclscope_bpf *s)
{
	uint64_t a[1] = { VCPU_PTR };

	run(s->progs.ns_guest_entry, a, 1);
}

static void sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static void test_exit_span_is_gap_between_entries(void **state)
{
	/* 1 ns per cycle, so a switch's cycles are its ns */
	struct naclscope_bpf *s = open_load_mode(0, 0, 1 << 8);
	struct ns_key ka = mkkey(5, 1, 0, 0, 0, 0, 20, 0, 0);
	struct ns_key kb = mkkey(5, 1, 0, 1, 2, 1, 5, 0, 0);
	struct ns_val va, vb;
	uint64_t t0, t1, t2;

	(void)state;
	t0 = now_ns();
	world_switch(s, 5, 1, 0, 0, 0, 20, 0, 0, 0, 10);		/* key A: no span before it */
	sleep_us(2000);
	t1 = now_ns();
	/*
	 * key B, entered 1 s before its exit, so before A's entry however long
	 * the 2 ms sleep took: A's exit span is 0, not negative
	 */
	world_switch(s, 5, 1, 0, 1, 2, SCAUSE_INTR | 5, 0, 0, 0, 1000000000);
	sleep_us(2000);
	world_switch(s, 5, 1, 0, 0, 0, 20, 0, 0, 0, 1000);		/* key A: B's exit span */
	t2 = now_ns();
	/* another vCPU of the VM keeps its own state: its first switch files nothing */
	world_switch(s, 5, 1, 1, 0, 0, 20, 0, 0, 0, 10);

	assert_int_equal(lookup(s, &ka, &va), 0);
	assert_int_equal(lookup(s, &kb, &vb), 0);
	assert_int_equal(va.span[NS_SPAN_SWITCH].count, 2);
	assert_int_equal(va.span[NS_SPAN_EXIT].count, 1);
	assert_int_equal(va.span[NS_SPAN_EXIT].sum, 0);
	assert_int_equal(va.span[NS_SPAN_EXIT].hist[0], 1);
	assert_int_equal(vb.span[NS_SPAN_SWITCH].count, 1);
	assert_int_equal(vb.span[NS_SPAN_EXIT].count, 1);
	/* B's entry -> A's entry: B's 1 s switch, then at least the 2 ms slept less A's 1000 ns switch */
	assert_true(vb.span[NS_SPAN_EXIT].sum >= 1000000000 + 2000000 - 1000);
	assert_true(vb.span[NS_SPAN_EXIT].sum <= 1000000000 + t2 - t1);
	assert_int_equal(vb.span[NS_SPAN_EXIT].min, vb.span[NS_SPAN_EXIT].sum);
	assert_int_equal(vb.span[NS_SPAN_EXIT].max, vb.span[NS_SPAN_EXIT].sum);
	assert_int_equal(vb.span[NS_SPAN_EXIT].hist[ns_hist_bucket(vb.span[NS_SPAN_EXIT].sum)], 1);
	assert_int_equal(va.span[NS_SPAN_GUEST].count + vb.span[NS_SPAN_GUEST].count, 0);
	assert_int_equal(va.span[NS_SPAN_HOST].count + vb.span[NS_SPAN_HOST].count, 0);
	assert_true(t1 - t0 >= 2000000);
	ka.vcpu = 1;
	assert_int_equal(lookup(s, &ka, &va), 0);
	assert_int_equal(va.span[NS_SPAN_SWITCH].count, 1);
	assert_int_equal(va.span[NS_SPAN_EXIT].count, 0);
	assert_int_equal(counter(s, NS_CNT_VCPU_DROPS).count, 0);
	naclscope_bpf__destroy(s);
}

/* With -g the host span is measured too, and an exit span is exactly its switch plus its host span. */
static void test_exit_span_is_switch_plus_host_span(void **state)
{
	struct naclscope_bpf *s = open_load_mode(0, 1, 1 << 8);
	struct ns_key k = mkkey(5, 1, 0, 1, 2, 0, 10, 0x10, 0);
	static const uint64_t cyc[] = { 1500, 2500, 1200, 4000 };
	uint64_t sw = 0;
	struct ns_val v;
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		world_switch(s, 5, 1, 0, 1, 2, 10, 0, 0x10, 0, cyc[i]);
		sleep_us(200);
		if (i < 3)
			sw += cyc[i];	/* the exits that get a successor */
	}
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 4);
	assert_int_equal(v.span[NS_SPAN_EXIT].count, 3);
	assert_int_equal(v.span[NS_SPAN_HOST].count, 3);
	assert_int_equal(v.span[NS_SPAN_EXIT].sum, v.span[NS_SPAN_HOST].sum + sw);
	assert_true(v.span[NS_SPAN_HOST].min >= 200000 - 4000);
	naclscope_bpf__destroy(s);
}

/* kvm_riscv_vcpu_stats: the final counters of a destroyed vCPU, per (pid, vm, vcpu); the pid filter holds */
static void test_vcpu_final_stats_kept(void **state)
{
	struct naclscope_bpf *s = open_load(77, 0, 0);
	uint64_t a[9] = { 77, 3, 1, 2002, 1, 2001, 5, 2, 7 }, other[9] = { 78, 3, 1, 9, 9, 9, 9, 9, 9 };
	struct ns_final_key k = { 77, 3, 1, 0 }, k2;
	struct ns_final f;
	unsigned int i, n = 0;

	(void)state;
	run(s->progs.ns_vcpu_stats, a, NS_VS_ARGS);
	run(s->progs.ns_vcpu_stats, other, NS_VS_ARGS);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(s->maps.finals), &k, &f), 0);
	for (i = 0; i < NS_FINALS; i++)
		assert_int_equal(f.v[i], a[NS_VS_EXITS + i]);
	assert_int_equal(f.v[NS_FINAL_NACL_SRET_ENTRIES], 2001);
	while (!bpf_map_get_next_key(bpf_map__fd(s->maps.finals), n ? &k2 : NULL, &k2))
		n++;
	assert_int_equal(n, 1);
	naclscope_bpf__destroy(s);
}

static void test_guest_span_mode_times_entry_to_exit(void **state)
{
	struct naclscope_bpf *s = open_load_mode(0, 1, 0);
	struct ns_key ka = mkkey(5, 1, 0, 0, 0, 0, 20, 0, 0);
	struct ns_key kb = mkkey(5, 1, 0, 1, 2, 1, 5, 0, 0);
	struct ns_val va, vb;
	uint64_t t0, t1, t2;

	(void)state;
	t0 = now_ns();
	guest_entry(s);
	world_switch(s, 5, 1, 0, 0, 0, 20, 0, 0, 0, 10);	/* guest span 1, key A */
	t1 = now_ns();
	guest_entry(s);
	world_switch(s, 5, 1, 0, 1, 2, SCAUSE_INTR | 5, 0, 0, 0, 10);	/* guest span 2, key B */
	world_switch(s, 5, 1, 0, 1, 2, SCAUSE_INTR | 5, 0, 0, 0, 10);	/* no entry before: none */
	t2 = now_ns();

	assert_int_equal(lookup(s, &ka, &va), 0);
	assert_int_equal(lookup(s, &kb, &vb), 0);
	assert_int_equal(va.span[NS_SPAN_SWITCH].count, 1);
	assert_int_equal(va.span[NS_SPAN_GUEST].count, 1);
	assert_int_equal(va.span[NS_SPAN_HOST].count, 1);
	assert_true(va.span[NS_SPAN_GUEST].sum <= t1 - t0);
	assert_int_equal(va.span[NS_SPAN_GUEST].min, va.span[NS_SPAN_GUEST].sum);
	assert_int_equal(va.span[NS_SPAN_GUEST].max, va.span[NS_SPAN_GUEST].sum);
	assert_int_equal(vb.span[NS_SPAN_SWITCH].count, 2);
	assert_int_equal(vb.span[NS_SPAN_GUEST].count, 1);
	assert_int_equal(vb.span[NS_SPAN_HOST].count, 1);
	assert_int_equal(vb.span[NS_SPAN_EXIT].count, 1);
	assert_true(vb.span[NS_SPAN_GUEST].sum <= t2 - t1);
	naclscope_bpf__destroy(s);
}

static void test_histogram_buckets_match_hist_h(void **state)
{
	static const uint64_t vals[] = { 0, 1, 7, 8, 9, 15, 16, 17, 255, 256, 1000, 1023, 1024,
					 65535, 65536, 1000000, (1ULL << 32) - 1, 1ULL << 32,
					 (1ULL << 35) + (1ULL << 33), (1ULL << 36) - 1, 1ULL << 36,
					 1ULL << 40, (1ULL << 48) - 1 };
	struct naclscope_bpf *s = open_load_mode(1, 0, 0);
	unsigned int i, n = sizeof(vals) / sizeof(vals[0]);
	struct ns_key k;
	struct ns_val v;

	(void)state;
	for (i = 0; i < n; i++)
		world_switch(s, 2, 1, i, 0, 0, 20, 0, 0, 0, vals[i]);
	for (i = 0; i < n; i++) {
		k = mkkey(2, 1, i, 0, 0, 0, 20, 0, 0);
		assert_int_equal(lookup(s, &k, &v), 0);
		assert_int_equal(v.span[NS_SPAN_SWITCH].count, 1);
		assert_int_equal(v.span[NS_SPAN_SWITCH].hist[ns_hist_bucket(vals[i])], 1);
		assert_int_equal(v.span[NS_SPAN_SWITCH].min, vals[i]);
		assert_int_equal(v.span[NS_SPAN_SWITCH].max, vals[i]);
	}
	naclscope_bpf__destroy(s);
}

static void test_targ_pid_filters_other_vmms(void **state)
{
	struct naclscope_bpf *s = open_load(1234, 0, 0);
	struct ns_key k = mkkey(1234, 3, 0, 0, 0, 0, 20, 0, 0);
	struct ns_val v;

	(void)state;
	world_switch(s, 999, 3, 0, 0, 0, 20, 0, 0, 0, 10);
	world_switch(s, 1234, 3, 0, 0, 0, 20, 0, 0, 0, 10);
	world_switch(s, 1234, 3, 0, 0, 0, 20, 0, 0, 0, 10);
	world_switch(s, -1, 3, 0, 0, 0, 20, 0, 0, 0, 10);
	assert_int_equal(nkeys(s), 1);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 2);
	/* the other VMMs' switches did not touch vCPU 3/0's state: one exit span */
	assert_int_equal(v.span[NS_SPAN_EXIT].count, 1);
	naclscope_bpf__destroy(s);
	/* --guest-span: kvm_entry filters on the caller's tgid, which is not 1234 */
	s = naclscope_bpf__open();
	assert_non_null(s);
	s->rodata->targ_pid = 1234;
	s->rodata->guest_span = 1;
	assert_int_equal(naclscope_bpf__load(s), 0);
	guest_entry(s);
	world_switch(s, 1234, 3, 0, 0, 0, 20, 0, 0, 0, 10);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 1);
	assert_int_equal(v.span[NS_SPAN_GUEST].count, 0);
	naclscope_bpf__destroy(s);
}

static void test_full_map_counts_drops(void **state)
{
	struct naclscope_bpf *s = open_load(0, 4, 0);
	struct ns_key k;
	struct ns_val v;
	uint32_t vcpu;

	(void)state;
	for (vcpu = 0; vcpu < 7; vcpu++)
		world_switch(s, 8, 1, vcpu, 0, 0, 20, 0, 0, 0, 10);
	assert_int_equal(nkeys(s), 4);
	assert_int_equal(counter(s, NS_CNT_DROPS).count, 3);
	/* known keys still aggregate; a new one drops again */
	world_switch(s, 8, 1, 0, 0, 0, 20, 0, 0, 0, 10);
	world_switch(s, 8, 1, 9, 0, 0, 20, 0, 0, 0, 10);
	k = mkkey(8, 1, 0, 0, 0, 0, 20, 0, 0);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 2);
	assert_int_equal(counter(s, NS_CNT_DROPS).count, 4);
	naclscope_bpf__destroy(s);
}

static void test_full_vcpu_table_counted_not_lost(void **state)
{
	struct naclscope_bpf *s = open_load_sized(0, 0, 4, 0);
	struct ns_key k;
	struct ns_val v;
	uint32_t vcpu;

	(void)state;
	/* a 4-slot table holds 4 vCPUs; the fifth and sixth are counted on each switch */
	for (vcpu = 0; vcpu < 6; vcpu++)
		world_switch(s, 6, 1, vcpu, 0, 0, 20, 0, 0, 0, 10);
	for (vcpu = 0; vcpu < 6; vcpu++)
		world_switch(s, 6, 1, vcpu, 0, 0, 20, 0, 0, 0, 10);
	assert_int_equal(counter(s, NS_CNT_VCPU_DROPS).count, 4);
	for (vcpu = 0; vcpu < 6; vcpu++) {
		k = mkkey(6, 1, vcpu, 0, 0, 0, 20, 0, 0);
		assert_int_equal(lookup(s, &k, &v), 0);
		assert_int_equal(v.span[NS_SPAN_SWITCH].count, 2);	/* switches never lost */
		assert_int_equal(v.span[NS_SPAN_EXIT].count, vcpu < 4 ? 1 : 0);
	}
	naclscope_bpf__destroy(s);
}

static void test_degraded_vcpus_told_apart_by_pointer_and_full_table_counted(void **state)
{
	struct naclscope_bpf *s = open_load_sized(0, 0, 4, 1);
	uint64_t bad[1] = { 0 };
	struct ns_key k;
	struct ns_val v;
	uint64_t p;

	(void)state;
	/* two vCPUs interleaved: each host span goes to its own vCPU's last key */
	kvm_entry_ptr(s, VCPU_PTR);
	run(s->progs.ns_kvm_exit, bad, 1);
	kvm_entry_ptr(s, VCPU_PTR + 0x1000);
	run(s->progs.ns_kvm_exit, bad, 1);
	kvm_entry_ptr(s, VCPU_PTR);
	kvm_entry_ptr(s, VCPU_PTR + 0x1000);
	assert_int_equal(nkeys_first(s, &k), 1);	/* one thread: one key */
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_GUEST].count, 2);
	assert_int_equal(v.span[NS_SPAN_HOST].count, 2);
	assert_int_equal(v.span[NS_SPAN_EXIT].count, 2);	/* entry to the next entry */
	assert_int_equal(counter(s, NS_CNT_VCPU_DROPS).count, 0);
	/* a 4-slot vCPU table holds 4 vCPUs; a fifth and sixth are counted, not lost silently */
	for (p = 2; p < 6; p++)
		kvm_entry_ptr(s, VCPU_PTR + p * 0x1000);
	assert_int_equal(counter(s, NS_CNT_VCPU_DROPS).count, 2);
	naclscope_bpf__destroy(s);
}

/* One world switch with arguments a on CPU 0, then one on CPU 1 with 100 more cycles. */
static void switch_on_cpus01(struct naclscope_bpf *s, uint64_t *a)
{
	int cpu;

	for (cpu = 0; cpu < 2; cpu++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = a, .ctx_size_in = NS_WS_ARGS * sizeof(*a),
			    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = cpu);

		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(s->progs.ns_world_switch), &opts), 0);
		a[NS_WS_CYCLES] += 100;
	}
}

static void test_same_key_on_two_cpus_kept_per_cpu(void **state)
{
	struct naclscope_bpf *s;
	struct ns_key k = mkkey(9, 1, 0, 0, 0, 0, 20, 0, 0);
	uint64_t a[NS_WS_ARGS] = { [NS_WS_PID] = 9, [NS_WS_VM] = 1, [NS_WS_SCAUSE] = 20, [NS_WS_CYCLES] = 100 };
	struct ns_val v;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	s = open_load(0, 0, 0);
	switch_on_cpus01(s, a);
	/* one key, one slot per CPU, merged by the reader: count 2, min 100, max 200 */
	assert_int_equal(nkeys(s), 1);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 2);
	assert_int_equal(v.span[NS_SPAN_SWITCH].min, 100);
	assert_int_equal(v.span[NS_SPAN_SWITCH].max, 200);
	naclscope_bpf__destroy(s);
}

/*
 * The session's merge (session.c, what record and top read): one key on two
 * CPUs becomes one entry of the recording, its spans merged exactly, the
 * counters summed; a second collection of the same maps finds the same.
 */
static void test_session_collect_merges_cpus_into_the_recording(void **state)
{
	struct naclscope_bpf *s;
	struct ns_key k = mkkey(9, 1, 0, 0, 0, 0, 20, 0, 0);
	uint64_t a[NS_WS_ARGS] = { [NS_WS_PID] = 9, [NS_WS_VM] = 1, [NS_WS_SCAUSE] = 20, [NS_WS_CYCLES] = 100 };
	const struct ns_entry *e;
	struct ns_recording r;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	s = open_load(0, 0, 0);
	switch_on_cpus01(s, a);
	a[NS_WS_CYCLES] = 1ULL << 50;	/* a broken counter: filed as 0 cycles and counted */
	run(s->progs.ns_world_switch, a, NS_WS_ARGS);
	ns_rec_init(&r);
	assert_int_equal(ns_session_collect(s, &r), 0);
	assert_int_equal(r.n, 1);
	e = ns_rec_find(&r, &k);
	assert_non_null(e);
	assert_int_equal(e->span[NS_SPAN_SWITCH].count, 3);
	assert_int_equal(e->span[NS_SPAN_SWITCH].sum, 300);
	assert_int_equal(e->span[NS_SPAN_SWITCH].min, 0);
	assert_int_equal(e->span[NS_SPAN_SWITCH].max, 200);
	assert_true(e->span[NS_SPAN_SWITCH].sum_sq == 100.0 * 100 + 200.0 * 200);
	assert_int_equal(r.bad_cycles, 1);
	assert_int_equal(ns_rec_total_exits(&r), 3);
	ns_rec_free(&r);
	naclscope_bpf__destroy(s);
}

static void test_host_span_when_vcpu_reenters_on_another_cpu(void **state)
{
	struct naclscope_bpf *s;
	struct ns_key k = mkkey(9, 1, 0, 0, 0, 0, 20, 0, 0), k2 = k;
	uint64_t ws[NS_WS_ARGS] = { [NS_WS_PID] = 9, [NS_WS_VM] = 1, [NS_WS_SCAUSE] = 20, [NS_WS_CYCLES] = 100 };
	int cpu = sched_getcpu(), other;
	struct ns_val v;
	cpu_set_t set;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	other = cpu ? 0 : 1;
	s = open_load(0, 0, 0);
	run(s->progs.ns_world_switch, ws, NS_WS_ARGS);		/* exit on this CPU, key k */
	/* the thread migrates (BPF_F_TEST_RUN_ON_CPU would run it as another task) */
	CPU_ZERO(&set);
	CPU_SET(other, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	ws[NS_WS_SCAUSE] = 21;				/* next exit there: key k2 */
	run(s->progs.ns_world_switch, ws, NS_WS_ARGS);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	/* k's exit span lands in the other CPU's slot of k: k is there twice, summed by readers */
	k2.cause = 21;
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 1);
	assert_int_equal(v.span[NS_SPAN_EXIT].count, 1);
	assert_int_equal(lookup(s, &k2, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 1);
	assert_int_equal(v.span[NS_SPAN_EXIT].count, 0);
	assert_int_equal(nkeys(s), 2);
	naclscope_bpf__destroy(s);
}

static void test_switch_only_mode_keeps_switch_span_only(void **state)
{
	struct naclscope_bpf *s = naclscope_bpf__open();
	struct ns_key k = mkkey(3, 2, 1, 1, 2, 0, 10, NS_SBI_EXT_NACL, 4);
	struct ns_val v;
	int i;

	(void)state;
	assert_non_null(s);
	s->rodata->switch_only = 1;
	assert_int_equal(naclscope_bpf__load(s), 0);
	guest_entry(s);
	for (i = 1; i <= 3; i++)
		world_switch(s, 3, 2, 1, 1, 2, 10, 0, NS_SBI_EXT_NACL, 4, i * 1000);
	guest_entry(s);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 3);
	assert_int_equal(v.span[NS_SPAN_SWITCH].sum, 6000);
	assert_int_equal(v.span[NS_SPAN_GUEST].count, 0);
	assert_int_equal(v.span[NS_SPAN_HOST].count, 0);
	assert_int_equal(v.span[NS_SPAN_EXIT].count, 0);
	naclscope_bpf__destroy(s);
}

/*
 * The session reads every destroyed vCPU's finals, however many (the key
 * list grows while the map is walked), into the recording's KVM counters:
 * 100 VMs of 2 vCPUs, each VM summed, none lost.
 */
static void test_session_collects_every_final(void **state)
{
	struct naclscope_bpf *s = open_load(0, 0, 0);
	uint64_t a[NS_VS_ARGS] = { 0 };
	struct ns_recording r;
	uint32_t vm, vcpu;
	char name[32];
	json_t *g;

	(void)state;
	a[NS_VS_PID] = 5;
	for (vm = 1; vm <= 100; vm++)
		for (vcpu = 0; vcpu < 2; vcpu++) {
			a[NS_VS_VM_ID] = vm;
			a[NS_VS_VCPU_ID] = vcpu;
			a[NS_VS_EXITS] = 1000 * vm + vcpu;
			a[NS_VS_SWITCH_TO_ENTRIES] = 1000 * vm + vcpu;
			run(s->progs.ns_vcpu_stats, a, NS_VS_ARGS);
		}
	ns_rec_init(&r);
	r.kvm_stats = json_object();
	assert_int_equal(ns_session_collect_finals(s, NULL, &r), 0);
	assert_int_equal(json_object_size(r.kvm_stats), 100);
	for (vm = 1; vm <= 100; vm++) {
		snprintf(name, sizeof(name), "5-vm%u", vm);
		g = json_object_get(json_object_get(r.kvm_stats, name), "vm");
		assert_non_null(g);
		assert_int_equal(json_integer_value(json_object_get(g, "exits")), 2000 * vm + 1);
		assert_int_equal(json_integer_value(json_object_get(g, "vm_id")), vm);
	}
	ns_rec_free(&r);
	naclscope_bpf__destroy(s);
}

static void test_nacl_sync_and_hfence_counters(void **state)
{
	struct naclscope_bpf *s = open_load(0, 0, 0);
	uint64_t sync_all[3] = { 0, (uint64_t)-1LL, 12 }, sync_one[3] = { 0, 0x600, 1 };
	uint64_t sync_hf[3] = { 1, (uint64_t)-1LL, 3 };
	uint64_t hf_nacl[3] = { 3, 5, 1 }, hf_local[3] = { 1, 5, 0 }, hf_bad[3] = { 1, 5, 7 };

	(void)state;
	run(s->progs.ns_nacl_sync, sync_all, 3);
	run(s->progs.ns_nacl_sync, sync_one, 3);
	run(s->progs.ns_nacl_sync, sync_one, 3);
	run(s->progs.ns_nacl_sync, sync_hf, 3);
	run(s->progs.ns_hfence, hf_nacl, 3);
	run(s->progs.ns_hfence, hf_nacl, 3);
	run(s->progs.ns_hfence, hf_local, 3);
	run(s->progs.ns_hfence, hf_bad, 3);
	assert_int_equal(counter(s, NS_CNT_SYNC_CSR).count, 3);
	assert_int_equal(counter(s, NS_CNT_SYNC_CSR).sum, 14);
	assert_int_equal(counter(s, NS_CNT_SYNC_CSR_ALL).count, 1);
	assert_int_equal(counter(s, NS_CNT_SYNC_HFENCE).count, 1);
	assert_int_equal(counter(s, NS_CNT_SYNC_HFENCE).sum, 3);
	assert_int_equal(counter(s, NS_CNT_HFENCE + 1 * NS_HFENCE_TYPES + 3).count, 2);
	assert_int_equal(counter(s, NS_CNT_HFENCE + 0 * NS_HFENCE_TYPES + 1).count, 1);
	naclscope_bpf__destroy(s);
}

static void test_nacl_sbi_calls_counted_and_timed(void **state)
{
	struct naclscope_bpf *s = open_load(0, 0, 0);
	uint64_t call_sync[2] = { NS_SBI_EXT_NACL, 2 }, call_time[2] = { 0x54494D45, 0 };
	uint64_t ret_ok[3] = { NS_SBI_EXT_NACL, 0, 0 }, ret_err[3] = { NS_SBI_EXT_NACL, -2ULL, 0 };
	uint64_t ret_time[3] = { 0x54494D45, 0, 0 }, call_shmem[2] = { NS_SBI_EXT_NACL, 1 };
	uint64_t t0, t1;

	(void)state;
	t0 = now_ns();
	run(s->progs.ns_sbi_call, call_sync, 2);
	run(s->progs.ns_sbi_return, ret_ok, 3);
	run(s->progs.ns_sbi_call, call_time, 2);
	run(s->progs.ns_sbi_return, ret_time, 3);
	run(s->progs.ns_sbi_call, call_sync, 2);
	run(s->progs.ns_sbi_return, ret_err, 3);
	run(s->progs.ns_sbi_return, ret_ok, 3);		/* unmatched return: ignored */
	run(s->progs.ns_sbi_call, call_shmem, 2);
	run(s->progs.ns_sbi_return, ret_ok, 3);
	t1 = now_ns();
	assert_int_equal(counter(s, NS_CNT_NACL_CALL + 2).count, 2);
	assert_int_equal(counter(s, NS_CNT_NACL_CALL + 2).errors, 1);
	assert_true(counter(s, NS_CNT_NACL_CALL + 2).sum <= t1 - t0);
	assert_int_equal(counter(s, NS_CNT_NACL_CALL + 1).count, 1);
	assert_int_equal(counter(s, NS_CNT_NACL_CALL + 0).count, 0);
	naclscope_bpf__destroy(s);
}

static void test_degraded_kvm_exit_files_unreadable_trap_as_unknown(void **state)
{
	struct naclscope_bpf *s = open_load(0, 0, 1);
	uint64_t bad[1] = { 0 };
	struct ns_key k;
	struct ns_val v;

	(void)state;
	kvm_entry(s);
	run(s->progs.ns_kvm_exit, bad, 1);
	run(s->progs.ns_kvm_exit, bad, 1);
	assert_int_equal(nkeys_first(s, &k), 1);
	assert_int_equal(k.pid, (uint32_t)getpid());
	assert_int_equal(k.vm, 0);
	assert_int_equal(k.path, NS_PATH_UNKNOWN);
	assert_int_equal(k.hstatus_mode, NS_MODE_UNKNOWN);
	assert_int_equal(k.cause, 0xffffffff);
	assert_int_equal(lookup(s, &k, &v), 0);
	assert_int_equal(v.span[NS_SPAN_SWITCH].count, 0);
	assert_int_equal(v.span[NS_SPAN_GUEST].count, 1);
	naclscope_bpf__destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_world_switch_switch_span_exact),
		cmocka_unit_test(test_sum_of_squares_carries_into_high_word),
		cmocka_unit_test(test_reason_keeps_interrupt_bit_and_sbi_function),
		cmocka_unit_test(test_vms_and_vcpus_of_one_process_told_apart),
		cmocka_unit_test(test_exit_span_is_gap_between_entries),
		cmocka_unit_test(test_exit_span_is_switch_plus_host_span),
		cmocka_unit_test(test_vcpu_final_stats_kept),
		cmocka_unit_test(test_guest_span_mode_times_entry_to_exit),
		cmocka_unit_test(test_histogram_buckets_match_hist_h),
		cmocka_unit_test(test_targ_pid_filters_other_vmms),
		cmocka_unit_test(test_full_map_counts_drops),
		cmocka_unit_test(test_full_vcpu_table_counted_not_lost),
		cmocka_unit_test(test_degraded_vcpus_told_apart_by_pointer_and_full_table_counted),
		cmocka_unit_test(test_same_key_on_two_cpus_kept_per_cpu),
		cmocka_unit_test(test_session_collect_merges_cpus_into_the_recording),
		cmocka_unit_test(test_host_span_when_vcpu_reenters_on_another_cpu),
		cmocka_unit_test(test_switch_only_mode_keeps_switch_span_only),
		cmocka_unit_test(test_session_collects_every_final),
		cmocka_unit_test(test_nacl_sync_and_hfence_counters),
		cmocka_unit_test(test_nacl_sbi_calls_counted_and_timed),
		cmocka_unit_test(test_degraded_kvm_exit_files_unreadable_trap_as_unknown),
	};

	cpu_set_t cpu;

	if (geteuid() != 0) {
		fprintf(stderr, "test_naclscope_bpf: needs root (bpf())\n");
		return 77;
	}
	/* kvm_entry and the exit event meet on one CPU, as in the kernel */
	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu)) {
		perror("test_naclscope_bpf: sched_setaffinity");
		return 1;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "test_naclscope_bpf: cannot count possible CPUs\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
