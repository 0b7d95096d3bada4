// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * naclscope: per-VM/vCPU/path/hstatus-mode/exit-reason costs of RISC-V KVM
 * world switches, aggregated in the kernel.
 *
 * Raw tracepoints only, reading scalar arguments (ctx is an array of u64,
 * one per tracepoint argument): no kernel struct layouts, no vmlinux.h, and
 * BPF_PROG_TEST_RUN can drive every program from a test on any host.
 *
 * Spans (see struct ns_val):
 *  - switch: the `cycles` argument of kvm_riscv_world_switch;
 *  - exit:   the exit's whole cost as L1 pays it: from the vCPU's entry
 *            before the exit to its next entry (the guest's run, the world
 *            switch, KVM's and user space's handling), filed under the key
 *            of that exit. With the series: an event's entry time is its
 *            clock read less its switch cycles (in ns), and the span is the
 *            difference of two consecutive entry times of the vCPU, so one
 *            program per exit and one clock read suffice. Degraded: from
 *            kvm_entry to the next kvm_entry of the same vCPU;
 *  - host:   from an exit to the same vCPU's next entry, filed under the key
 *            of the exit that caused it: measured with guest_span (-g) and
 *            in degraded mode (kvm_exit to the next kvm_entry of the same
 *            struct kvm_vcpu pointer, its value only); by default user
 *            space derives its mean as exit less switch;
 *  - guest:  ns from kvm_entry (right before the enter/exit call) to the
 *            exit event, on the same CPU (preemption is off between them):
 *            only with guest_span (a second program per exit) or degraded.
 *
 * Cost: every attached program pays the tracepoint dispatch (~214 guest
 * instructions on riscv64), so the default runs one program per exit, one
 * clock read, array maps only (lookups inlined by the verifier) and open
 * addressing on a hash of the key (docs/recording.md).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "naclscope.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "keys are built as four u64 words in little-endian order (struct ns_key)"
#endif

const volatile __u32 targ_pid = 0;			/* 0: every VMM */
const volatile __u32 slot_mask = NS_MAX_EXIT_KEYS - 1;	/* "exits" size - 1 */
const volatile __u32 vcpu_mask = NS_MAX_VCPUS - 1;	/* "vcpus"/"vstates" size - 1 */
/* 1: switch cycles only, no clock read (record -s) */
const volatile __u32 switch_only = 0;
/*
 * 1: ns_guest_entry stamps kvm_entry and the guest and host spans are
 * measured too (record -g)
 */
const volatile __u32 guest_span = 0;
/* ns = cycles * cyc_mult >> NS_CYC_SHIFT: the rate of the time CSR (10 MHz on QEMU virt) */
#define NS_CYC_SHIFT	8
const volatile __u64 cyc_mult = 100ULL << NS_CYC_SHIFT;

/* What kvm_entry leaves for the exit event on the same CPU. */
struct ns_cpu {
	__u64 entry_ns;		/* 0 once consumed */
	__u64 vcpu;		/* degraded: struct kvm_vcpu pointer of that entry */
	__u32 vslot;		/* degraded: its slot in "vcpus" */
	__u32 pad;
};

/* Degraded mode's per-vCPU state, shared by all CPUs: only the vCPU's own thread writes it. */
struct ns_vcpu {
	__u64 vcpu;		/* struct kvm_vcpu pointer; 0: free slot */
	__u64 last_ns;		/* last entry or exit, to reclaim slots of dead vCPUs */
	__u64 exit_ns;		/* last exit, 0 once consumed */
	__u64 entry_ns;		/* last entry, 0: none yet (exit span) */
	__u32 tgid;		/* a new VM's vCPU at a reused address starts afresh */
	__u32 last_slot;	/* "exits" slot of that key ... */
	__u32 last_cpu;		/* ... on this CPU */
	__u32 pad;
	struct ns_key last;	/* key of that exit */
};

/* Per-vCPU state of the series' world switch events, indexed by a hash of (vm, vcpu). */
struct ns_vstate {
	__u64 id;		/* ~(vm << 32 | vcpu); 0: free slot */
	__u64 entry_ns;		/* entry time of its last event's run; 0: no exit span pending */
	__u64 seen_ns;		/* its last event: the exit of the host span (-g), and to reclaim
				 * slots of dead vCPUs (32 bytes: the lookup scales by a shift) */
	__u32 slot;		/* "exits" slot of that event's key ... */
	__u32 cpu;		/* ... on this CPU */
};

struct ns_sbi_pending {
	__u64 ts;
	__u32 fid;
	__u32 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NS_MAX_EXIT_KEYS);
	__type(key, __u32);
	__type(value, struct ns_slot);
} exits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NS_MAX_VCPUS);
	__type(key, __u32);
	__type(value, struct ns_vcpu);
} vcpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NS_MAX_VCPUS);
	__type(key, __u32);
	__type(value, struct ns_vstate);
} vstates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ns_cpu);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NS_CNT_MAX);
	__type(key, __u32);
	__type(value, struct ns_counter);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ns_sbi_pending);
} sbi_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NS_MAX_FINALS);
	__type(key, struct ns_final_key);
	__type(value, struct ns_final);
} finals SEC(".maps");

static __always_inline void count(__u32 idx, __u64 add, __u64 err)
{
	struct ns_counter *c = bpf_map_lookup_elem(&counters, &idx);

	if (!c)
		return;
	c->count++;
	c->sum += add;
	c->errors += err;
}

/* ns_hist_bucket() of tools/lib/hist.h with a branching log2: fewer instructions run. */
static __always_inline __u32 hist_bucket(__u64 v)
{
	__u64 x = v;
	__u32 lg = 0;

	if (v < NS_HIST_SUB)
		return v;
	if (x >> 32) {
		x >>= 32;
		lg = 32;
	}
	if (x >> 16) {
		x >>= 16;
		lg += 16;
	}
	if (x >> 8) {
		x >>= 8;
		lg += 8;
	}
	if (x >> 4) {
		x >>= 4;
		lg += 4;
	}
	if (x >> 2) {
		x >>= 2;
		lg += 2;
	}
	lg += x >> 1;
	if (lg > NS_HIST_MAX_LOG2)
		return NS_HIST_BUCKETS - 1;
	return (lg - NS_HIST_SUB_BITS + 1) * NS_HIST_SUB +
	       ((v >> (lg - NS_HIST_SUB_BITS)) & (NS_HIST_SUB - 1));
}

/*
 * One sample. min starts at ~0 when the slot is claimed (user space reads
 * min only when count > 0); the square takes one multiplication below 2^32.
 */
static __always_inline void span_add(struct ns_bspan *s, __u64 v)
{
	__u64 sq_lo, sq_hi = 0, t;
	__u32 bkt;

	if (v >> 32) {
		/* v * v = c << 64 + b << 33 + a, as a 128-bit lo/hi pair */
		__u64 lo = v & 0xffffffffULL, hi = v >> 32;
		__u64 a = lo * lo, b = hi * lo;

		sq_lo = a + (b << 33);
		sq_hi = hi * hi + (b >> 31) + (sq_lo < a);
	} else {
		sq_lo = v * v;
	}
	t = s->sum_sq_lo + sq_lo;
	if (t < sq_lo)
		sq_hi++;
	s->sum_sq_lo = t;
	if (sq_hi)
		s->sum_sq_hi += sq_hi;
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	s->count++;
	s->sum += v;
	bkt = hist_bucket(v);
	if (bkt >= NS_HIST_BUCKETS)
		bkt = NS_HIST_BUCKETS - 1;
	s->hist[bkt]++;
}

/*
 * The key as four u64 words (struct ns_key's layout), built in registers:
 * pid | vm << 32; vcpu | path << 32 | hstatus_mode << 40 | intr << 48;
 * cause | ext << 32; sub.
 */
static __always_inline void make_key(__u64 *w, __u32 pid, __u32 vm, __u32 vcpu, __u64 path,
				     __u64 mode, __u64 scause, __u64 stval, __u64 ext, __u64 fid)
{
	__u64 intr = scause >> 63, cause = scause & 0xffffffffULL, sub = 0;
	__u32 insn;

	ext &= 0xffffffffULL;
	if (intr || cause != NS_CAUSE_VS_ECALL) {
		ext = 0;
		fid = 0;
	}
	if (!intr && cause == NS_CAUSE_VIRT_INSN && stval) {
		/* stval holds the faulting instruction when the hart reports it */
		insn = stval;
		if ((insn & 0x7f) != 0x73)	/* not SYSTEM: keep the opcode */
			sub = insn & 0x7f;
		else if ((insn >> 12) & 0x7)	/* csrr{w,s,c}[i] */
			sub = NS_SUB_CSR | (insn >> 20);
		else				/* wfi, sret, hfence.*, ... */
			sub = NS_SUB_SYSTEM | (insn >> 20);
	} else {
		sub = fid & 0xffffffffULL;
	}
	w[0] = pid | (__u64)vm << 32;
	w[1] = vcpu | (path & 0xff) << 32 | (mode & 0xff) << 40 | intr << 48;
	w[2] = cause | ext << 32;
	w[3] = sub;
}

#define NS_HASH_MUL	0x9E3779B97F4A7C15ULL

/*
 * This CPU's slot of key w, claimed if new; NULL (and a drop) when all
 * probes are taken. Open addressing on a multiplicative hash of the words.
 */
static __always_inline struct ns_slot *get_slot(const __u64 *w, __u32 *slot)
{
	__u64 h = ((w[0] * NS_HASH_MUL + w[1]) * NS_HASH_MUL + w[2]) * NS_HASH_MUL + w[3];
	__u32 i, idx, hi = (h * NS_HASH_MUL) >> 32;
	struct ns_slot *s;
	__u64 *k;

#pragma unroll
	for (i = 0; i < NS_PROBES; i++) {
		idx = (hi + i) & slot_mask;
		s = bpf_map_lookup_elem(&exits, &idx);
		if (!s)
			break;
		k = (__u64 *)&s->key;
		if (!s->used) {
			k[0] = w[0];
			k[1] = w[1];
			k[2] = w[2];
			k[3] = w[3];
			s->val.span[NS_SPAN_SWITCH].min = ~0ULL;
			s->val.span[NS_SPAN_HOST].min = ~0ULL;
			s->val.span[NS_SPAN_GUEST].min = ~0ULL;
			s->val.span[NS_SPAN_EXIT].min = ~0ULL;
			s->used = 1;
			*slot = idx;
			return s;
		}
		if (k[0] == w[0] && k[1] == w[1] && k[2] == w[2] && k[3] == w[3]) {
			*slot = idx;
			return s;
		}
	}
	count(NS_CNT_DROPS, 0, 0);
	return NULL;
}

static __always_inline int key_eq(const struct ns_key *a, const struct ns_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

static __always_inline struct ns_val *get_val_idx(const struct ns_key *k, __u32 *slot)
{
	struct ns_slot *s = get_slot((const __u64 *)k, slot);

	return s ? &s->val : NULL;
}

static __always_inline struct ns_val *get_val(const struct ns_key *k)
{
	__u32 slot;

	return get_val_idx(k, &slot);
}

/*
 * Degraded mode: the slot of vCPU ptr, from kvm_entry: a free slot (or one
 * unused for NS_VCPU_STALE_NS) is taken for a new vCPU; a slot left by
 * another process's vCPU at the same address starts afresh.
 */
static __always_inline struct ns_vcpu *get_vcpu(__u64 ptr, __u64 now, __u32 tgid, __u32 *slot)
{
	struct ns_vcpu *v, *free = NULL;
	__u64 h = ptr * NS_HASH_MUL;
	__u32 i, idx, free_idx = 0;

#pragma unroll
	for (i = 0; i < NS_PROBES; i++) {
		idx = (__u32)((h >> 32) + i) & vcpu_mask;
		v = bpf_map_lookup_elem(&vcpus, &idx);
		if (!v)
			break;
		if (v->vcpu == ptr) {
			if (v->tgid != tgid) {
				v->tgid = tgid;
				v->exit_ns = 0;
				v->entry_ns = 0;
			}
			*slot = idx;
			return v;
		}
		if (!free && (!v->vcpu || now - v->last_ns > NS_VCPU_STALE_NS)) {
			free = v;
			free_idx = idx;
		}
	}
	if (!free) {
		count(NS_CNT_VCPU_DROPS, 0, 0);
		return NULL;
	}
	free->vcpu = ptr;
	free->tgid = tgid;
	free->exit_ns = 0;
	free->entry_ns = 0;
	free->last_ns = now;
	*slot = free_idx;
	return free;
}

static __always_inline struct ns_cpu *this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpus, &zero);
}

/*
 * An exit event of degraded mode: guest span from the per-CPU stamp
 * kvm_entry left; the vCPU (found through the slot kvm_entry left in the
 * per-CPU state) remembers the key for its host span.
 */
static __always_inline void account_exit(const struct ns_key *key)
{
	__u64 now = bpf_ktime_get_ns();
	struct ns_cpu *c = this_cpu();
	struct ns_vcpu *v = NULL;
	struct ns_val *val;
	__u32 slot = 0;

	val = get_val_idx(key, &slot);
	if (!c)
		return;
	if (val && c->entry_ns && now >= c->entry_ns)
		span_add(&val->span[NS_SPAN_GUEST], now - c->entry_ns);
	if (c->vcpu) {
		v = bpf_map_lookup_elem(&vcpus, &c->vslot);
		if (v && v->vcpu != c->vcpu)
			v = NULL;
	}
	c->entry_ns = 0;
	c->vcpu = 0;
	if (!v)
		return;
	v->last_ns = now;
	if (val) {
		v->exit_ns = now;
		v->last_slot = slot;
		v->last_cpu = bpf_get_smp_processor_id();
		__builtin_memcpy(&v->last, key, sizeof(*key));
	} else {
		v->exit_ns = 0;
	}
}

/*
 * The state of vCPU (vm, vcpu) of the series' world switch events: a free
 * slot (or one unused for NS_VCPU_STALE_NS) is claimed with a
 * compare-and-swap, as vCPUs on other CPUs may race for it; afterwards only
 * the vCPU's own thread writes it.
 */
static __always_inline struct ns_vstate *get_vstate(__u32 vm, __u32 vcpu, __u64 now)
{
	__u64 id = ~((__u64)vm << 32 | vcpu), old = 0;
	__u32 h = vm * 0x9E3779B1U + vcpu, i, idx;
	struct ns_vstate *v, *free = NULL;

#pragma unroll
	for (i = 0; i < NS_PROBES; i++) {
		idx = (h + i) & vcpu_mask;
		v = bpf_map_lookup_elem(&vstates, &idx);
		if (!v)
			break;
		if (v->id == id)
			return v;
		if (!free && (!v->id || now - v->seen_ns > NS_VCPU_STALE_NS)) {
			free = v;
			old = v->id;
		}
	}
	if (free && __sync_val_compare_and_swap(&free->id, old, id) == old) {
		free->entry_ns = 0;
		free->seen_ns = now;
		return free;
	}
	count(NS_CNT_VCPU_DROPS, 0, 0);
	return NULL;
}

/*
 * The spans of vCPU v's previous exit, at this event: the exit span is the
 * difference of the two runs' entry times (entry is this event's time less
 * its switch, in ns); with guest_span, the host span is the time from the
 * previous event (seen_ns, not yet updated) to this entry. Filed under the
 * previous exit's key: its slot on this CPU, or, when the vCPU moved, the
 * slot of the same key on this CPU.
 */
static __always_inline void prev_spans(const struct ns_vstate *v, __u64 entry)
{
	struct ns_slot *ps, *os;
	__u32 idx;

	if (bpf_get_smp_processor_id() == v->cpu) {
		ps = bpf_map_lookup_elem(&exits, &v->slot);
	} else {
		os = bpf_map_lookup_percpu_elem(&exits, &v->slot, v->cpu);
		if (!os || !os->used)
			return;
		ps = get_slot((const __u64 *)&os->key, &idx);
	}
	if (!ps)
		return;
	span_add(&ps->val.span[NS_SPAN_EXIT], entry > v->entry_ns ? entry - v->entry_ns : 0);
	if (guest_span)
		span_add(&ps->val.span[NS_SPAN_HOST], entry > v->seen_ns ? entry - v->seen_ns : 0);
}

/* kvm_riscv_world_switch(int pid, u32 vm, u32 vcpu, u8 path, u8 hstatus_mode,
 *			  unsigned long scause, unsigned long stval,
 *			  unsigned long sbi_ext, unsigned long sbi_fid, u64 cycles)
 *
 * The hot path: one program per exit, one clock read (none with
 * switch_only), array maps only.
 */
SEC("raw_tp/kvm_riscv_world_switch")
int ns_world_switch(__u64 *ctx)
{
	__u32 pid = ctx[NS_WS_PID], vm = ctx[NS_WS_VM], vcpu = ctx[NS_WS_VCPU], idx = 0;
	struct ns_vstate *v;
	struct ns_slot *s;
	struct ns_cpu *c;
	__u64 w[4], cycles, now, sw, entry;

	if (targ_pid && pid != targ_pid)
		return 0;
	make_key(w, pid, vm, vcpu, ctx[NS_WS_PATH], ctx[NS_WS_HSTATUS_MODE], ctx[NS_WS_SCAUSE],
		 ctx[NS_WS_STVAL], ctx[NS_WS_SBI_EXT], ctx[NS_WS_SBI_FID]);
	cycles = ctx[NS_WS_CYCLES];
	if (cycles >= NS_CYCLES_MAX) {
		count(NS_CNT_BAD_CYCLES, 0, 0);
		cycles = 0;
	}
	s = get_slot(w, &idx);
	if (s)
		span_add(&s->val.span[NS_SPAN_SWITCH], cycles);
	if (switch_only)
		return 0;
	now = bpf_ktime_get_ns();
	if (guest_span) {
		c = this_cpu();
		if (c) {
			if (s && c->entry_ns && now >= c->entry_ns)
				span_add(&s->val.span[NS_SPAN_GUEST], now - c->entry_ns);
			c->entry_ns = 0;
		}
	}
	v = get_vstate(vm, vcpu, now);
	if (!v)
		return 0;
	/*
	 * This run's entry: the clock less the switch, which covers the run.
	 * A switch longer than the clock (a broken timebase) wraps to a huge
	 * entry, which files the next span as 0; 0 itself is taken for "none".
	 */
	sw = (cycles * cyc_mult) >> NS_CYC_SHIFT;
	entry = (now - sw) | !(now - sw);
	if (v->entry_ns)
		prev_spans(v, entry);
	v->seen_ns = now;
	if (s) {
		v->entry_ns = entry;
		v->slot = idx;
		v->cpu = bpf_get_smp_processor_id();
	} else {
		v->entry_ns = 0;
	}
	return 0;
}

/* kvm_entry(struct kvm_vcpu *vcpu) with the series and --guest-span: stamp this CPU's entry. */
SEC("raw_tp/kvm_entry")
int ns_guest_entry(__u64 *ctx)
{
	struct ns_cpu *c;

	if (targ_pid && (bpf_get_current_pid_tgid() >> 32) != targ_pid)
		return 0;
	c = this_cpu();
	if (c)
		c->entry_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * kvm_entry(struct kvm_vcpu *vcpu) in degraded mode: the pointer names the
 * vCPU; nothing is read through it.
 */
SEC("raw_tp/kvm_entry")
int ns_kvm_entry(__u64 *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, vslot = 0;
	struct ns_val *val = NULL;
	struct ns_slot *sl;
	struct ns_cpu *c;
	struct ns_vcpu *v;
	__u64 now;

	if (targ_pid && tgid != targ_pid)
		return 0;
	now = bpf_ktime_get_ns();
	v = get_vcpu(ctx[0], now, tgid, &vslot);
	if (v) {
		if (v->exit_ns && now >= v->exit_ns) {
			/* most vCPUs re-enter on the CPU they left: the slot is known */
			if (v->last_cpu == bpf_get_smp_processor_id()) {
				sl = bpf_map_lookup_elem(&exits, &v->last_slot);
				if (sl && sl->used && key_eq(&sl->key, &v->last))
					val = &sl->val;
			}
			if (!val)
				val = get_val(&v->last);
			if (val) {
				span_add(&val->span[NS_SPAN_HOST], now - v->exit_ns);
				if (v->entry_ns && now >= v->entry_ns)
					span_add(&val->span[NS_SPAN_EXIT], now - v->entry_ns);
			}
		}
		v->exit_ns = 0;
		v->entry_ns = now;
		v->last_ns = now;
	}
	c = this_cpu();
	if (c) {
		c->entry_ns = now;
		c->vcpu = v ? ctx[0] : 0;
		c->vslot = vslot;
	}
	return 0;
}

/*
 * Degraded mode, for kernels without the series: kvm_exit(struct kvm_cpu_trap
 * *trap). scause and stval are the 2nd and 3rd unsigned long of the trap,
 * a layout unchanged since RISC-V KVM was merged. No path, mode, VM id or
 * SBI function; the vCPU is named by its thread id.
 */
SEC("?raw_tp/kvm_exit")
int ns_kvm_exit(__u64 *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	unsigned long trap[3] = {};
	struct ns_key key;

	if (targ_pid && (__u32)(id >> 32) != targ_pid)
		return 0;
	if (bpf_probe_read_kernel(trap, sizeof(trap), (void *)ctx[0])) {
		trap[1] = 0xffffffff;	/* unreadable: filed as unknown */
		trap[2] = 0;
	}
	/* cause 10 without the series: a7/a6 are unknown, filed as ext 0, sub 0 */
	make_key((__u64 *)&key, id >> 32, 0, (__u32)id, NS_PATH_UNKNOWN, NS_MODE_UNKNOWN,
		 trap[1], trap[2], 0, 0);
	account_exit(&key);
	return 0;
}

/* kvm_riscv_nacl_sync(u8 what, long csr, u32 entries) */
SEC("raw_tp/kvm_riscv_nacl_sync")
int ns_nacl_sync(__u64 *ctx)
{
	__u8 what = ctx[NS_SYNC_WHAT];

	if (targ_pid && (bpf_get_current_pid_tgid() >> 32) != targ_pid)
		return 0;
	if (what == 0) {
		count(NS_CNT_SYNC_CSR, (__u32)ctx[NS_SYNC_ENTRIES], 0);
		if ((long)ctx[NS_SYNC_CSR] == -1)
			count(NS_CNT_SYNC_CSR_ALL, (__u32)ctx[NS_SYNC_ENTRIES], 0);
	} else if (what == 1) {
		count(NS_CNT_SYNC_HFENCE, (__u32)ctx[NS_SYNC_ENTRIES], 0);
	}
	return 0;
}

/* kvm_riscv_hfence(u8 type, unsigned long vmid, u8 via) */
SEC("raw_tp/kvm_riscv_hfence")
int ns_hfence(__u64 *ctx)
{
	__u8 type = ctx[NS_HF_TYPE], via = ctx[NS_HF_VIA];

	if (targ_pid && (bpf_get_current_pid_tgid() >> 32) != targ_pid)
		return 0;
	if (via >= NS_HFENCE_VIAS)
		return 0;
	if (type >= NS_HFENCE_TYPES)
		type = 0;
	count(NS_CNT_HFENCE + via * NS_HFENCE_TYPES + type, 1, 0);
	return 0;
}

/* riscv:sbi_call(int ext, int fid): L1's own SBI calls; only NACL's are kept. */
SEC("raw_tp/sbi_call")
int ns_sbi_call(__u64 *ctx)
{
	struct ns_sbi_pending *p;
	__u32 zero = 0;

	if ((__u32)ctx[0] != NS_SBI_EXT_NACL)
		return 0;
	if (targ_pid && (bpf_get_current_pid_tgid() >> 32) != targ_pid)
		return 0;
	p = bpf_map_lookup_elem(&sbi_pending, &zero);
	if (!p)
		return 0;
	p->ts = bpf_ktime_get_ns();
	p->fid = (__u32)ctx[1];
	p->valid = 1;
	return 0;
}

/* riscv:sbi_return(int ext, long error, long value) */
SEC("raw_tp/sbi_return")
int ns_sbi_return(__u64 *ctx)
{
	struct ns_sbi_pending *p;
	__u64 now, fid;
	__u32 zero = 0;

	if ((__u32)ctx[0] != NS_SBI_EXT_NACL)
		return 0;
	p = bpf_map_lookup_elem(&sbi_pending, &zero);
	if (!p || !p->valid)
		return 0;
	p->valid = 0;
	now = bpf_ktime_get_ns();
	fid = p->fid;
	if (fid >= NS_NACL_FIDS)
		return 0;
	count(NS_CNT_NACL_CALL + fid, now >= p->ts ? now - p->ts : 0, ctx[1] != 0);
	return 0;
}

/*
 * kvm_riscv_vcpu_stats(int pid, u32 vm_id, u32 vcpu_id, u64 exits,
 *			u64 switch_to_entries, u64 nacl_sret_entries,
 *			u64 hcsr_insn_accesses, u64 hfence_local,
 *			u64 nacl_sync_calls)
 * once per vCPU, when it is destroyed: its final counters, which no
 * debugfs sample may have seen.
 */
SEC("raw_tp/kvm_riscv_vcpu_stats")
int ns_vcpu_stats(__u64 *ctx)
{
	struct ns_final_key k = { .pid = ctx[NS_VS_PID], .vm = ctx[NS_VS_VM_ID], .vcpu = ctx[NS_VS_VCPU_ID] };
	struct ns_final f;
	int i;

	if (targ_pid && k.pid != targ_pid)
		return 0;
#pragma unroll
	for (i = 0; i < NS_FINALS; i++)
		f.v[i] = ctx[NS_VS_EXITS + i];
	if (bpf_map_update_elem(&finals, &k, &f, BPF_ANY))
		count(NS_CNT_FINAL_DROPS, 0, 0);
	return 0;
}
