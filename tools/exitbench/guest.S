/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * exitbench L2 guest: runs in VS-mode with the MMU off, copied to
 * EB_GUEST_BASE, so it is position independent (pc-relative lla only,
 * linker relaxation off) and uses no stack.
 *
 * Entry registers, set by the host with KVM_SET_ONE_REG:
 *   a0 vCPU id, a1 this vCPU's counter slot, a2 N, a3 kind,
 *   a4 batch (0: no batch calls), a5 MMIO address
 *
 * Sequence: set-up (touches the code and data pages, so their G-stage
 * faults happen here), CTL_START, N measured iterations, CTL_DONE. Each
 * iteration first bumps the counters in the slot and then makes its exit,
 * so whenever the host sees an exit the slot already counts it. After
 * every a4 iterations a CTL_BATCH call returns to user space so the host
 * can time in-kernel exits per KVM_RUN.
 *
 * What each kind relies on (docs/design.md, "exitbench on any L0"):
 * csr: a VS-mode read of cycle traps to L1 (hcounteren.CY is clear) as a
 * virtual-instruction exit KVM answers, or as an illegal-instruction
 * exception KVM redirects here; guest_trap completes the latter. wfi: KVM
 * resumes the vCPU at once because an interrupt is pending and enabled
 * in its software state: SSIP (if the L0 shows L1 the guest's sip write)
 * and the VS timer, set to 0 through SBI TIME before the start call.
 */
#include "guest_abi.h"

#define SR_SIE		0x2
#define IE_SSIE		0x2
#define IE_STIE		0x20
#define EXC_INST_ILLEGAL 2

	.option	norelax
	.section .rodata.exitbench_guest, "a"
	.balign	16
	.globl	eb_guest_code
eb_guest_code:
	/* no interrupt taken: SSIP is raised below only to make WFI return */
	csrci	sstatus, SR_SIE
	lla	t0, guest_trap
	csrw	stvec, t0

	mv	s3, a1			/* slot */
	mv	s4, a3			/* kind */
	mv	s5, a5			/* MMIO address */
	mv	s6, a4			/* batch size */
	mv	s1, a4			/* batch countdown */
	mv	s0, a2			/* iterations left */
	li	s2, 0			/* next basic kind of the mix */
	li	s7, 0			/* iterations done */
	sd	zero, EB_SLOT_TOTAL(s3)
	sd	zero, EB_SLOT_KIND + 0(s3)
	sd	zero, EB_SLOT_KIND + 8(s3)
	sd	zero, EB_SLOT_KIND + 16(s3)
	sd	zero, EB_SLOT_KIND + 24(s3)
	sd	zero, EB_SLOT_KIND + 32(s3)

	/*
	 * A pending, enabled but masked (sstatus.SIE = 0) supervisor
	 * software interrupt: KVM finds the vCPU runnable at each WFI
	 * and resumes it at once instead of halting it.
	 */
	li	t0, IE_SSIE
	csrs	sie, t0
	csrs	sip, t0
	sd	zero, EB_SLOT_CSR_ILLEGAL(s3)

	/*
	 * wfi and mix: a second reason for KVM to resume a WFI that does
	 * not depend on the L0 propagating SSIP. STIE enabled (still
	 * masked by sstatus.SIE) and the timer set to 0: KVM's timer
	 * state then reports a pending interrupt (kvm_riscv_vcpu_has_
	 * interrupts with an hrtimer, kvm_cpu_has_pending_timer through
	 * kvm_vcpu_check_block with Sstc). Then wait, at most
	 * EB_STIP_POLLS reads, for STIP: with an hrtimer, the host
	 * interrupt that delivers it lands here, not in the window.
	 */
	li	t0, EB_KIND_WFI
	beq	s4, t0, 2f
	li	t0, EB_KIND_MIX
	bne	s4, t0, 4f
2:
	li	t0, IE_STIE
	csrs	sie, t0
	li	a7, EB_SBI_EID_TIME
	li	a6, EB_SBI_TIME_SET_TIMER
	li	a0, 0
	ecall
	bnez	a0, setup_fail_timer
	li	t1, EB_STIP_POLLS
3:
	csrr	t0, sip
	andi	t0, t0, IE_STIE
	bnez	t0, 4f
	addi	t1, t1, -1
	bnez	t1, 3b
4:
	li	a7, EB_SBI_EID_CTL
	li	a6, EB_CTL_START
	ecall

loop:
	beqz	s0, done
	mv	t1, s4
	li	t2, EB_KIND_MIX
	bne	s4, t2, 1f
	mv	t1, s2			/* mix: kind = i mod 5 */
	addi	s2, s2, 1
	li	t2, EB_NR_BASIC_KINDS
	bltu	s2, t2, 1f
	li	s2, 0
1:
	addi	s7, s7, 1
	sd	s7, EB_SLOT_TOTAL(s3)
	slli	t2, t1, 3
	add	t2, t2, s3
	ld	t3, EB_SLOT_KIND(t2)
	addi	t3, t3, 1
	sd	t3, EB_SLOT_KIND(t2)

	li	t2, EB_KIND_SBI_KERNEL
	beq	t1, t2, do_sbi_kernel
	li	t2, EB_KIND_SBI_USER
	beq	t1, t2, do_sbi_user
	li	t2, EB_KIND_MMIO_USER
	beq	t1, t2, do_mmio
	li	t2, EB_KIND_CSR
	beq	t1, t2, do_csr
	li	t2, EB_KIND_WFI
	beq	t1, t2, do_wfi
	j	guest_fail		/* bad kind: report as a failure */

do_sbi_kernel:
	li	a7, EB_SBI_EID_BASE
	li	a6, EB_SBI_BASE_SPEC_VERSION
	ecall
	j	next
do_sbi_user:
	li	a7, EB_SBI_EID_BENCH
	li	a6, 0
	mv	a0, s7			/* the host checks the sequence */
	ecall
	j	next
do_mmio:
	sd	s7, 0(s5)
	j	next
do_csr:
csr_access:				/* guest_trap completes it if it traps here */
	csrr	t3, cycle
	j	next
do_wfi:
	wfi
next:
	addi	s0, s0, -1
	beqz	s6, loop
	addi	s1, s1, -1
	bnez	s1, loop
	mv	s1, s6
	li	a7, EB_SBI_EID_CTL
	li	a6, EB_CTL_BATCH
	ecall
	j	loop

done:
	li	a7, EB_SBI_EID_CTL
	li	a6, EB_CTL_DONE
	mv	a0, s7
	ecall
	j	done

	/* the SBI error of set_timer(0) in a1 */
setup_fail_timer:
	mv	a1, a0
	li	a0, EB_SETUP_TIMER
	li	a7, EB_SBI_EID_CTL
	li	a6, EB_CTL_SETUP_FAIL
	ecall
	j	setup_fail_timer

	/*
	 * A trap into the guest: an illegal-instruction exception at
	 * csr_access is a csr access completed by exception (t3 is not
	 * used, the loop's registers are kept): count it, skip the
	 * instruction, return. Anything else is a failure: tell the host.
	 */
	.balign	4
guest_trap:
	csrr	t4, scause
	li	t5, EXC_INST_ILLEGAL
	bne	t4, t5, guest_fail
	csrr	t4, sepc
	lla	t5, csr_access
	bne	t4, t5, guest_fail
	ld	t6, EB_SLOT_CSR_ILLEGAL(s3)
	addi	t6, t6, 1
	sd	t6, EB_SLOT_CSR_ILLEGAL(s3)
	addi	t4, t4, 4		/* csrr is never compressed */
	csrw	sepc, t4
	sret
guest_fail:
	csrr	a0, scause
	csrr	a1, stval
	csrr	a2, sepc
	li	a7, EB_SBI_EID_CTL
	li	a6, EB_CTL_FAIL
	ecall
	j	guest_fail

	.globl	eb_guest_code_end
eb_guest_code_end:
