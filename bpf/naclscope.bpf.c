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
 *  - guest:  ns from kvm_entry (right before the enter/exit call) to the
 *            exit event (kvm_riscv_world_switch, or kvm_exit in degraded
 *            mode); both fire with preemption off, so a per-CPU stamp links
 *            them, and the guest span includes the switch itself;
 *  - host:   ns from that exit event to the next kvm_entry of the same
 *            vCPU, filed under the key of the exit that caused it. The vCPU
 *            is known by the struct kvm_vcpu pointer kvm_entry passes (its
 *            value only, nothing is read through it).
 *
 * Cost: the hot path uses array maps only (per-CPU array lookups are
 * inlined by the verifier), open addressing on a hash of the key instead of
 * hash-map calls: two programs and two clock reads per exit.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "naclscope.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 targ_pid = 0;			/* 0: every VMM */
const volatile __u32 slot_mask = NS_MAX_EXIT_KEYS - 1;	/* "exits" size - 1 */
const volatile __u32 vcpu_mask = NS_MAX_VCPUS - 1;	/* "vcpus" size - 1 */
/* 1: switch cycles only, no clock reads and no kvm_entry program (the cheap mode) */
const volatile __u32 switch_only = 0;
const volatile __u32 dbg_stage = 0;

/* What kvm_entry leaves for the exit event on the same CPU. */
struct ns_cpu {
	__u64 entry_ns;		/* 0 once consumed */
	__u64 vcpu;		/* struct kvm_vcpu pointer of that entry */
	__u32 vslot;		/* its slot in "vcpus" */
	__u32 pad;
};

/* Per-vCPU state, shared by all CPUs: only the vCPU's own thread writes it. */
struct ns_vcpu {
	__u64 vcpu;		/* struct kvm_vcpu pointer; 0: free slot */
	__u64 last_ns;		/* last entry or exit, to reclaim slots of dead vCPUs */
	__u64 exit_ns;		/* last exit, 0 once consumed */
	__u32 tgid;		/* a new VM's vCPU at a reused address starts afresh */
	__u32 last_slot;	/* "exits" slot of that key ... */
	__u32 last_cpu;		/* ... on this CPU */
	__u32 pad;
	struct ns_key last;	/* key of that exit */
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

static __always_inline void count(__u32 idx, __u64 add, __u64 err)
{
	struct ns_counter *c = bpf_map_lookup_elem(&counters, &idx);

	if (!c)
		return;
	c->count++;
	c->sum += add;
	c->errors += err;
}

static __always_inline void span_add(struct ns_bspan *s, __u64 v)
{
	__u64 lo = v & 0xffffffffULL, hi = v >> 32;
	__u64 a = lo * lo, b = hi * lo, c = hi * hi;
	__u64 sq_lo, sq_hi, t;
	__u32 bkt;

	/* v * v = c << 64 + b << 33 + a, as a 128-bit lo/hi pair */
	sq_lo = a + (b << 33);
	sq_hi = c + (b >> 31) + (sq_lo < a);
	t = s->sum_sq_lo + sq_lo;
	s->sum_sq_hi += sq_hi + (t < sq_lo);
	s->sum_sq_lo = t;

	if (!s->count || v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	s->count++;
	s->sum += v;
	bkt = ns_hist_bucket(v);
	if (bkt >= NS_HIST_BUCKETS)
		bkt = NS_HIST_BUCKETS - 1;
	s->hist[bkt]++;
}

static __always_inline __u64 mix64(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static __always_inline __u64 key_hash(const struct ns_key *k)
{
	const __u64 *w = (const __u64 *)k;

	return mix64(((w[0] * 0x9E3779B97F4A7C15ULL ^ w[1]) * 0x9E3779B97F4A7C15ULL ^ w[2]) *
		     0x9E3779B97F4A7C15ULL ^ w[3]);
}

static __always_inline int key_eq(const struct ns_key *a, const struct ns_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* This CPU's slot of key k, claimed if new; NULL (and a drop) when all probes are taken. */
static __always_inline struct ns_val *get_val_idx(const struct ns_key *k, __u32 *slot)
{
	__u64 h = key_hash(k);
	struct ns_slot *s;
	__u32 i, idx;

#pragma unroll
	for (i = 0; i < NS_PROBES; i++) {
		idx = (__u32)(h + i) & slot_mask;
		s = bpf_map_lookup_elem(&exits, &idx);
		if (!s)
			break;
		if (!s->used) {
			__builtin_memcpy(&s->key, k, sizeof(*k));
			s->used = 1;
			*slot = idx;
			return &s->val;
		}
		if (key_eq(&s->key, k)) {
			*slot = idx;
			return &s->val;
		}
	}
	count(NS_CNT_DROPS, 0, 0);
	return NULL;
}

static __always_inline struct ns_val *get_val(const struct ns_key *k)
{
	__u32 slot;

	return get_val_idx(k, &slot);
}

/*
 * The slot of vCPU ptr, from kvm_entry: a free slot (or one unused for
 * NS_VCPU_STALE_NS) is taken for a new vCPU; a slot left by another
 * process's vCPU at the same address starts afresh.
 */
static __always_inline struct ns_vcpu *get_vcpu(__u64 ptr, __u64 now, __u32 tgid, __u32 *slot)
{
	struct ns_vcpu *v, *free = NULL;
	__u64 h = mix64(ptr);
	__u32 i, idx, free_idx = 0;

#pragma unroll
	for (i = 0; i < NS_PROBES; i++) {
		idx = (__u32)(h + i) & vcpu_mask;
		v = bpf_map_lookup_elem(&vcpus, &idx);
		if (!v)
			break;
		if (v->vcpu == ptr) {
			if (v->tgid != tgid) {
				v->tgid = tgid;
				v->exit_ns = 0;
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
	free->last_ns = now;
	*slot = free_idx;
	return free;
}

static __always_inline struct ns_cpu *this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpus, &zero);
}

static __always_inline void set_reason(struct ns_key *k, __u64 scause, __u64 stval,
				       __u64 ext, __u64 fid)
{
	__u32 insn;

	k->intr = scause >> 63;
	k->cause = scause & 0xffffffffULL;	/* causes are small: keep 32 bits, not 63 */
	if (k->intr)
		return;
	if (k->cause == NS_CAUSE_VS_ECALL) {
		k->ext = ext;
		k->sub = fid;
	} else if (k->cause == NS_CAUSE_VIRT_INSN && stval) {
		/* stval holds the faulting instruction when the hart reports it */
		insn = stval;
		if ((insn & 0x7f) != 0x73)	/* not SYSTEM: keep the opcode */
			k->sub = insn & 0x7f;
		else if ((insn >> 12) & 0x7)	/* csrr{w,s,c}[i] */
			k->sub = NS_SUB_CSR | (insn >> 20);
		else				/* wfi, sret, hfence.*, ... */
			k->sub = NS_SUB_SYSTEM | (insn >> 20);
	}
}

/*
 * An exit event: switch and guest spans; the vCPU (found through the slot
 * kvm_entry left in the per-CPU state) remembers the key for its host span.
 */
static __always_inline void account_exit(const struct ns_key *key, __u64 cycles, int has_cycles)
{
	__u64 now = bpf_ktime_get_ns();
	struct ns_cpu *c = this_cpu();
	struct ns_vcpu *v = NULL;
	struct ns_val *val;
	__u32 slot = 0;

	val = get_val_idx(key, &slot);
	if (!c)
		return;
	if (val) {
		if (has_cycles)
			span_add(&val->span[NS_SPAN_SWITCH], cycles);
		if (c->entry_ns && now >= c->entry_ns)
			span_add(&val->span[NS_SPAN_GUEST], now - c->entry_ns);
	}
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

/* kvm_riscv_world_switch(int pid, u32 vm, u32 vcpu, u8 path, u8 hstatus_mode,
 *			  unsigned long scause, unsigned long stval,
 *			  unsigned long sbi_ext, unsigned long sbi_fid, u64 cycles)
 */
SEC("raw_tp/kvm_riscv_world_switch")
int ns_world_switch(__u64 *ctx)
{
	struct ns_key key = {};
	__u64 cycles;

	if (dbg_stage == 1)
		return 0;
	if (dbg_stage == 2)
		return bpf_ktime_get_ns() & 0;
	key.pid = (__u32)ctx[0];
	if (targ_pid && key.pid != targ_pid)
		return 0;
	key.vm = (__u32)ctx[1];
	key.vcpu = (__u32)ctx[2];
	key.path = (__u8)ctx[3];
	key.hstatus_mode = (__u8)ctx[4];
	set_reason(&key, ctx[5], ctx[6], ctx[7], ctx[8]);
	cycles = ctx[9];
	if (cycles >= NS_CYCLES_MAX) {
		count(NS_CNT_BAD_CYCLES, 0, 0);
		cycles = 0;
	}
	if (dbg_stage == 3)
		return key.sub + cycles & 0;
	if (switch_only) {
		struct ns_val *val = get_val(&key);

		if (dbg_stage == 4)
			return 0;

		if (val)
			span_add(&val->span[NS_SPAN_SWITCH], cycles);
		return 0;
	}
	account_exit(&key, cycles, 1);
	return 0;
}

/* kvm_entry(struct kvm_vcpu *vcpu): the pointer names the vCPU; nothing is read through it. */
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
			if (val)
				span_add(&val->span[NS_SPAN_HOST], now - v->exit_ns);
		}
		v->exit_ns = 0;
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
	struct ns_key key = {};

	key.pid = id >> 32;
	if (targ_pid && key.pid != targ_pid)
		return 0;
	key.vcpu = (__u32)id;
	key.path = NS_PATH_UNKNOWN;
	key.hstatus_mode = NS_MODE_UNKNOWN;
	if (bpf_probe_read_kernel(trap, sizeof(trap), (void *)ctx[0]))
		key.cause = 0xffffffff;		/* unreadable: filed as unknown */
	else
		set_reason(&key, trap[1], trap[2], 0, 0);
	/* cause 10 without the series: a7/a6 are unknown, set_reason left ext/sub 0 */
	account_exit(&key, 0, 0);
	return 0;
}

/* kvm_riscv_nacl_sync(u8 what, long csr, u32 entries) */
SEC("raw_tp/kvm_riscv_nacl_sync")
int ns_nacl_sync(__u64 *ctx)
{
	__u8 what = ctx[0];

	if (targ_pid && (bpf_get_current_pid_tgid() >> 32) != targ_pid)
		return 0;
	if (what == 0) {
		count(NS_CNT_SYNC_CSR, (__u32)ctx[2], 0);
		if ((long)ctx[1] == -1)
			count(NS_CNT_SYNC_CSR_ALL, (__u32)ctx[2], 0);
	} else if (what == 1) {
		count(NS_CNT_SYNC_HFENCE, (__u32)ctx[2], 0);
	}
	return 0;
}

/* kvm_riscv_hfence(u8 type, unsigned long vmid, u8 via) */
SEC("raw_tp/kvm_riscv_hfence")
int ns_hfence(__u64 *ctx)
{
	__u8 type = ctx[0], via = ctx[2];

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
