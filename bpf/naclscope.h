/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Types shared by bpf/naclscope.bpf.c and tools/naclscope: map keys, map
 * values and counter indices. Plain C types only (no vmlinux.h), so the
 * header builds for the BPF target and for user space alike.
 */
#ifndef NACLSCOPE_H
#define NACLSCOPE_H

#include <linux/types.h>
#include "hist.h"

/* path argument of kvm_riscv_world_switch */
#define NS_PATH_SWITCH_TO	0
#define NS_PATH_SYNC_SRET	1
#define NS_PATH_UNKNOWN		0xff	/* degraded mode: kvm_entry/kvm_exit only */
#define NS_PATHS		2	/* known paths: 0 .. NS_PATHS - 1 */

/* hstatus_mode argument of kvm_riscv_world_switch */
#define NS_MODE_DIRECT		0
#define NS_MODE_SYNC_CSR	1
#define NS_MODE_AUTOSWAP	2
#define NS_MODE_UNKNOWN		0xff
#define NS_MODES		3	/* known modes: 0 .. NS_MODES - 1 */

#define NS_CAUSE_VS_ECALL	10	/* environment call from VS-mode: an SBI call */
#define NS_CAUSE_VIRT_INSN	22	/* virtual instruction */

/* ns_key.sub for NS_CAUSE_VIRT_INSN: what trapped, from stval (the instruction) */
#define NS_SUB_CSR		0x10000	/* | csr number: a CSR instruction on that CSR */
#define NS_SUB_SYSTEM		0x20000	/* | funct12 (insn >> 20): wfi, sret, ... */
#define NS_SUB_INSN_MASK	0xfff

/*
 * The arguments of the series' events as raw tracepoints see them: ctx[i]
 * is argument i of the event's TP_PROTO, widened to u64. Each enum lists
 * the TP_PROTO's parameter names in order; tests/contracts checks them
 * against kernel/patches, so a change on either side fails `make check`.
 */
enum ns_ws_arg {	/* kvm_riscv_world_switch */
	NS_WS_PID, NS_WS_VM, NS_WS_VCPU, NS_WS_PATH, NS_WS_HSTATUS_MODE, NS_WS_SCAUSE,
	NS_WS_STVAL, NS_WS_SBI_EXT, NS_WS_SBI_FID, NS_WS_CYCLES, NS_WS_ARGS,
};

enum ns_sync_arg {	/* kvm_riscv_nacl_sync */
	NS_SYNC_WHAT, NS_SYNC_CSR, NS_SYNC_ENTRIES, NS_SYNC_ARGS,
};

enum ns_hf_arg {	/* kvm_riscv_hfence */
	NS_HF_TYPE, NS_HF_VMID, NS_HF_VIA, NS_HF_ARGS,
};

enum ns_vs_arg {	/* kvm_riscv_vcpu_stats: the ids, then the values of enum ns_final_id */
	NS_VS_PID, NS_VS_VM_ID, NS_VS_VCPU_ID, NS_VS_EXITS, NS_VS_SWITCH_TO_ENTRIES,
	NS_VS_NACL_SRET_ENTRIES, NS_VS_HCSR_INSN_ACCESSES, NS_VS_HFENCE_LOCAL, NS_VS_NACL_SYNC_CALLS,
	NS_VS_ARGS,
};

/* SBI nested acceleration */
#define NS_SBI_EXT_NACL		0x4E41434CU
#define NS_NACL_FIDS		8

struct ns_key {
	__u32 pid;		/* the VMM's pid (kvm->userspace_pid); tgid in degraded mode */
	__u32 vm;		/* per-boot VM id from the series; 0 in degraded mode */
	__u32 vcpu;		/* vcpu_id; the vCPU thread's tid in degraded mode */
	__u8 path;		/* NS_PATH_* */
	__u8 hstatus_mode;	/* NS_MODE_* */
	__u8 intr;		/* 1: scause bit 63 set (interrupt), cause is the irq number */
	__u8 pad;
	__u32 cause;		/* scause without its interrupt bit */
	__u32 ext;		/* cause 10: SBI extension id (guest a7), else 0 */
	__u32 sub;		/* cause 10: SBI function (a6); cause 22: NS_SUB_*; else 0 */
	__u32 pad2;
} __attribute__((aligned(8)));	/* 32 bytes: compared and hashed as four u64 */

/*
 * One span: count, sum, sum of squares (128 bits: lo/hi, squares of 32-bit
 * values and above overflow 64), min, max and the log-linear histogram.
 * min and max are meaningful only when count > 0.
 */
struct ns_bspan {
	__u64 count;
	__u64 sum;
	__u64 sum_sq_lo;
	__u64 sum_sq_hi;
	__u64 min;
	__u64 max;
	__u32 hist[NS_HIST_BUCKETS];
};

/*
 * The spans of a key, in map order: the ones the default recording fills
 * first, so that their fields sit within the 2 KiB that a riscv64 load or
 * store reaches from the slot's address in one instruction (the JIT builds
 * farther offsets with two more).
 */
enum ns_span_id {
	NS_SPAN_SWITCH,		/* cycles argument of kvm_riscv_world_switch */
	NS_SPAN_EXIT,		/* ns from the entry before an exit to the next entry: the whole round trip */
	NS_SPAN_HOST,		/* ns from an exit to the next entry of that vCPU */
	NS_SPAN_GUEST,		/* ns from kvm_entry to the exit (world_switch/kvm_exit) */
	NS_SPANS,
};

struct ns_val {
	struct ns_bspan span[NS_SPANS];
};

/*
 * One slot of the per-CPU "exits" array: open addressing on a hash of the
 * key (NS_PROBES slots tried), so the hot path needs no hash-map call:
 * per-CPU array lookups are inlined by the verifier. Slots are claimed,
 * never freed; user space merges equal keys of different CPUs.
 */
struct ns_slot {
	struct ns_key key;
	__u64 used;
	struct ns_val val;
};

#define NS_PROBES		4

/* A world switch of 2^48 cycles (days) is a broken counter, not a measurement. */
#define NS_CYCLES_MAX		(1ULL << 48)

/* Per-CPU array "counters": one struct ns_counter per index. */
struct ns_counter {
	__u64 count;
	__u64 sum;		/* entries (nacl_sync), ns (NACL SBI calls) */
	__u64 errors;		/* NACL SBI calls returning an error */
};

/* kvm_riscv_hfence via values */
#define NS_HFENCE_VIAS		3	/* 0 local, 1 nacl, 2 remote */
#define NS_HFENCE_TYPES		8	/* enum kvm_riscv_hfence_type, clamped */

enum ns_counter_id {
	NS_CNT_DROPS = 0,		/* exits not aggregated: the exits map was full */
	NS_CNT_VCPU_DROPS,		/* spans lost: no free slot in the per-vCPU array */
	NS_CNT_BAD_CYCLES,		/* cycles >= NS_CYCLES_MAX (a negative delta): filed as 0 */
	NS_CNT_SYNC_CSR,		/* kvm_riscv_nacl_sync what=0; sum = entries */
	NS_CNT_SYNC_CSR_ALL,		/* ... of those with csr == -1 */
	NS_CNT_SYNC_HFENCE,		/* kvm_riscv_nacl_sync what=1; sum = entries */
	NS_CNT_HFENCE,			/* + via * NS_HFENCE_TYPES + type */
	NS_CNT_NACL_CALL = NS_CNT_HFENCE + NS_HFENCE_VIAS * NS_HFENCE_TYPES,	/* + fid */
	NS_CNT_FINAL_DROPS = NS_CNT_NACL_CALL + NS_NACL_FIDS,	/* vCPU finals the map had no room for */
	NS_CNT_MAX,
};

/*
 * kvm_riscv_vcpu_stats(pid, vm_id, vcpu_id, exits, switch_to_entries,
 * nacl_sret_entries, hcsr_insn_accesses, hfence_local, nacl_sync_calls):
 * a vCPU's counters at its destruction, kept in the "finals" hash map.
 */
struct ns_final_key {
	__u32 pid;
	__u32 vm;
	__u32 vcpu;
	__u32 pad;
};

enum ns_final_id {
	NS_FINAL_EXITS,
	NS_FINAL_SWITCH_TO_ENTRIES,
	NS_FINAL_NACL_SRET_ENTRIES,
	NS_FINAL_HCSR_INSN_ACCESSES,
	NS_FINAL_HFENCE_LOCAL,
	NS_FINAL_NACL_SYNC_CALLS,
	NS_FINALS,
};

struct ns_final {
	__u64 v[NS_FINALS];	/* the event's arguments from NS_VS_EXITS on, in enum ns_final_id order */
};

_Static_assert(NS_VS_EXITS + NS_FINALS == NS_VS_ARGS, "kvm_riscv_vcpu_stats: ids, then the finals");

#define NS_MAX_FINALS		4096	/* vCPUs destroyed during one recording */

/* Slot counts: powers of two (the programs mask with n - 1, set in rodata). */
#define NS_MAX_EXIT_KEYS	1024	/* default "exits" size (user space may change it) */
#define NS_MAX_VCPUS		256	/* default "vcpus" size */
/* A vCPU slot unused for this long may be taken by another vCPU. */
#define NS_VCPU_STALE_NS	(10ULL * 1000 * 1000 * 1000)

#endif /* NACLSCOPE_H */
