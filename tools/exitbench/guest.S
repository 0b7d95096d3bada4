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
 */
#include "guest_abi.h"

#define SR_SIE		0x2
#define IE_SSIE		0x2

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
	j	guest_trap		/* bad kind: report as a failure */

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

	/* any trap into the guest is a failure: tell the host why */
	.balign	4
guest_trap:
	csrr	a0, scause
	csrr	a1, stval
	csrr	a2, sepc
	li	a7, EB_SBI_EID_CTL
	li	a6, EB_CTL_FAIL
	ecall
	j	guest_trap

	.globl	eb_guest_code_end
eb_guest_code_end:
