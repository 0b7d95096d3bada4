/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The contract between guest.S and the host side of exitbench: only
 * #defines, so the assembler and both C compilers (riscv64 and the host's
 * for the unit tests) read the same numbers.
 */
#ifndef EXITBENCH_GUEST_ABI_H
#define EXITBENCH_GUEST_ABI_H

/* Exit kinds, in the order of the mix (guest.S dispatches on these). */
#define EB_KIND_SBI_KERNEL	0
#define EB_KIND_SBI_USER	1
#define EB_KIND_MMIO_USER	2
#define EB_KIND_CSR		3
#define EB_KIND_WFI		4
#define EB_NR_BASIC_KINDS	5
#define EB_KIND_MIX		5
#define EB_NR_KINDS		6

/*
 * SBI extension ids, both in the experimental range 0x08000000-0x08FFFFFF
 * that KVM forwards to user space (KVM_EXIT_RISCV_SBI):
 * CTL carries the control calls (start, batch, done, fail), BENCH is the
 * measured sbi-user exit. Neither is counted as a measured exit by the
 * other.
 */
#define EB_SBI_EID_CTL		0x084e5300
#define EB_SBI_EID_BENCH	0x084e5301
#define EB_CTL_START		0
#define EB_CTL_BATCH		1
#define EB_CTL_DONE		2
#define EB_CTL_FAIL		3	/* a0 scause, a1 stval, a2 sepc of a trap it cannot complete */
#define EB_CTL_SETUP_FAIL	4	/* a0 EB_SETUP_*, a1 the SBI error */

/* Set-up steps that can fail (EB_CTL_SETUP_FAIL) */
#define EB_SETUP_TIMER		1	/* SBI TIME set_timer(0) */

/* An SBI call KVM answers in the kernel: Base, sbi_get_spec_version. */
#define EB_SBI_EID_BASE		0x10
#define EB_SBI_BASE_SPEC_VERSION 0

/*
 * SBI TIME set_timer, answered by KVM in the kernel (vcpu_sbi_replace.c):
 * the wfi and mix guests set the timer to 0 in their set-up, so KVM's
 * own timer state (kvm_cpu_has_pending_timer) keeps the vCPU runnable at
 * every WFI. In-kernel SBI calls of each kind's set-up: opts.c,
 * eb_setup_sbi_kernel_calls().
 */
#define EB_SBI_EID_TIME		0x54494d45
#define EB_SBI_TIME_SET_TIMER	0
/* sip.STIP polls after set_timer(0) before the start call (bounded) */
#define EB_STIP_POLLS		65536

/* Guest-physical layout: one memslot; code first, then per-vCPU slots. */
#define EB_GUEST_BASE		0x80000000
#define EB_GUEST_SIZE		0x10000
#define EB_GUEST_CODE_MAX	0x4000
#define EB_GUEST_DATA_OFF	0x4000
#define EB_SLOT_SIZE		64
/* Unbacked guest-physical address the mmio-user kind stores to. */
#define EB_MMIO_ADDR		0x10000000

/* Per-vCPU slot: the guest's own counters (8-byte words). */
#define EB_SLOT_TOTAL		0	/* iterations done, counted before each exit */
#define EB_SLOT_KIND		8	/* + 8 * kind: iterations of each basic kind */
/*
 * csr accesses that came back to the guest as an illegal-instruction
 * exception (the L0 raised it, or KVM's PMU refused the read) and that
 * the trap handler completed: counted in the handler, so the host can
 * tell them from the accesses KVM answered (csr_exit_kernel).
 */
#define EB_SLOT_CSR_ILLEGAL	(EB_SLOT_KIND + 8 * EB_NR_BASIC_KINDS)

#endif
