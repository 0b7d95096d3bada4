/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entry, trap and guest-run code of the NACL firmware test payload.
 * The payload runs in HS-mode; guest code runs in VS-mode. Built with
 * FWTEST_NESTED=1 the payload itself runs in VS-mode, as an L1 would.
 */

#define CSR_STVEC	0x105
#define CSR_SSCRATCH	0x140
#define CSR_SCAUSE	0x142
#define CSR_STVAL	0x143
#define CSR_SSCRATCH_VS	0x140	/* sscratch in VS-mode is vsscratch */
#define CSR_HSTATUS	0x600

#define SBI_EXT_NACL	0x4E41434C

/* struct guest_ctx, see fwtest.h */
#define CTX_SP		0
#define CTX_RA		8
#define CTX_S(n)	(16 + 8 * (n))
#define CTX_STVEC	112
#define CTX_X(n)	(128 + 8 * (n))

	.section .text.start, "ax"
	.globl _start
_start:
	la	sp, __stack_top
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	t0, host_trap
	csrw	CSR_STVEC, t0
	call	main
3:	wfi
	j	3b

	/* A trap in the payload itself is a test failure: report, stop */
	.text
	.align	2
host_trap:
	/*
	 * An instruction run by TRY() (fwtest.c) may trap: record scause
	 * and stval, resume at its fixup. Only t0 and t1 are clobbered.
	 */
	la	t0, trap_catch
	ld	t1, 0(t0)
	beqz	t1, 5f
	sd	zero, 0(t0)
	csrw	sepc, t1
	csrr	t1, CSR_SCAUSE
	sd	t1, 8(t0)
	csrr	t1, CSR_STVAL
	sd	t1, 16(t0)
	sret
5:	la	sp, __stack_top
	call	unexpected_trap
4:	wfi
	j	4b

/*
 * long guest_run(struct guest_ctx *ctx)
 * Enter the guest with NACL sync_sret. Returns the SBI error when the
 * call fails and 1 when the guest trapped back to HS-mode (its
 * registers are then in ctx->x[]).
 */
	.globl	guest_run
guest_run:
	sd	sp, CTX_SP(a0)
	sd	ra, CTX_RA(a0)
	sd	s0, CTX_S(0)(a0)
	sd	s1, CTX_S(1)(a0)
	sd	s2, CTX_S(2)(a0)
	sd	s3, CTX_S(3)(a0)
	sd	s4, CTX_S(4)(a0)
	sd	s5, CTX_S(5)(a0)
	sd	s6, CTX_S(6)(a0)
	sd	s7, CTX_S(7)(a0)
	sd	s8, CTX_S(8)(a0)
	sd	s9, CTX_S(9)(a0)
	sd	s10, CTX_S(10)(a0)
	sd	s11, CTX_S(11)(a0)
	la	t0, guest_exit
	csrrw	t0, CSR_STVEC, t0
	sd	t0, CTX_STVEC(a0)
	csrw	CSR_SSCRATCH, a0
	li	a7, SBI_EXT_NACL
	li	a6, 4
	ecall
	/* The call failed: a0 holds the error */
	csrr	t1, CSR_SSCRATCH
	ld	t0, CTX_STVEC(t1)
	csrw	CSR_STVEC, t0
	ret

/*
 * long guest_run_direct(struct guest_ctx *ctx, ulong *sret_area)
 * The same entry without the firmware: x1..x31 from the SRET area, then
 * a real SRET. The reference for what the hardware does on each exit.
 */
	.globl	guest_run_direct
guest_run_direct:
	sd	sp, CTX_SP(a0)
	sd	ra, CTX_RA(a0)
	sd	s0, CTX_S(0)(a0)
	sd	s1, CTX_S(1)(a0)
	sd	s2, CTX_S(2)(a0)
	sd	s3, CTX_S(3)(a0)
	sd	s4, CTX_S(4)(a0)
	sd	s5, CTX_S(5)(a0)
	sd	s6, CTX_S(6)(a0)
	sd	s7, CTX_S(7)(a0)
	sd	s8, CTX_S(8)(a0)
	sd	s9, CTX_S(9)(a0)
	sd	s10, CTX_S(10)(a0)
	sd	s11, CTX_S(11)(a0)
	la	t0, guest_exit
	csrrw	t0, CSR_STVEC, t0
	sd	t0, CTX_STVEC(a0)
	csrw	CSR_SSCRATCH, a0
	mv	t6, a1
	ld	x1, 8(t6)
	ld	x2, 16(t6)
	ld	x3, 24(t6)
	ld	x4, 32(t6)
	ld	x5, 40(t6)
	ld	x6, 48(t6)
	ld	x7, 56(t6)
	ld	x8, 64(t6)
	ld	x9, 72(t6)
	ld	x10, 80(t6)
	ld	x11, 88(t6)
	ld	x12, 96(t6)
	ld	x13, 104(t6)
	ld	x14, 112(t6)
	ld	x15, 120(t6)
	ld	x16, 128(t6)
	ld	x17, 136(t6)
	ld	x18, 144(t6)
	ld	x19, 152(t6)
	ld	x20, 160(t6)
	ld	x21, 168(t6)
	ld	x22, 176(t6)
	ld	x23, 184(t6)
	ld	x24, 192(t6)
	ld	x25, 200(t6)
	ld	x26, 208(t6)
	ld	x27, 216(t6)
	ld	x28, 224(t6)
	ld	x29, 232(t6)
	ld	x30, 240(t6)
	ld	x31, 248(t6)
	sret

	.align	2
guest_exit:
	csrrw	t6, CSR_SSCRATCH, t6
	sd	x1, CTX_X(1)(t6)
	sd	x2, CTX_X(2)(t6)
	sd	x3, CTX_X(3)(t6)
	sd	x4, CTX_X(4)(t6)
	sd	x5, CTX_X(5)(t6)
	sd	x6, CTX_X(6)(t6)
	sd	x7, CTX_X(7)(t6)
	sd	x8, CTX_X(8)(t6)
	sd	x9, CTX_X(9)(t6)
	sd	x10, CTX_X(10)(t6)
	sd	x11, CTX_X(11)(t6)
	sd	x12, CTX_X(12)(t6)
	sd	x13, CTX_X(13)(t6)
	sd	x14, CTX_X(14)(t6)
	sd	x15, CTX_X(15)(t6)
	sd	x16, CTX_X(16)(t6)
	sd	x17, CTX_X(17)(t6)
	sd	x18, CTX_X(18)(t6)
	sd	x19, CTX_X(19)(t6)
	sd	x20, CTX_X(20)(t6)
	sd	x21, CTX_X(21)(t6)
	sd	x22, CTX_X(22)(t6)
	sd	x23, CTX_X(23)(t6)
	sd	x24, CTX_X(24)(t6)
	sd	x25, CTX_X(25)(t6)
	sd	x26, CTX_X(26)(t6)
	sd	x27, CTX_X(27)(t6)
	sd	x28, CTX_X(28)(t6)
	sd	x29, CTX_X(29)(t6)
	sd	x30, CTX_X(30)(t6)
	csrrw	t5, CSR_SSCRATCH, t6
	sd	t5, CTX_X(31)(t6)
	ld	sp, CTX_SP(t6)
	ld	ra, CTX_RA(t6)
	ld	s0, CTX_S(0)(t6)
	ld	s1, CTX_S(1)(t6)
	ld	s2, CTX_S(2)(t6)
	ld	s3, CTX_S(3)(t6)
	ld	s4, CTX_S(4)(t6)
	ld	s5, CTX_S(5)(t6)
	ld	s6, CTX_S(6)(t6)
	ld	s7, CTX_S(7)(t6)
	ld	s8, CTX_S(8)(t6)
	ld	s9, CTX_S(9)(t6)
	ld	s10, CTX_S(10)(t6)
	ld	s11, CTX_S(11)(t6)
	ld	t0, CTX_STVEC(t6)
	csrw	CSR_STVEC, t0
	li	a0, 1
	ret

/*
 * Guest code (VS-mode, vsatp Bare, G-stage identity for the payload).
 * Each entry point makes one kind of exit.
 */
	.align	2
	.globl	guest_pf
guest_pf:
	add	a2, a0, a1
	ld	t1, 0(t0)		/* t0: an unmapped guest physical address */
5:	j	5b

	.globl	guest_virt
guest_virt:
	csrr	t1, CSR_HSTATUS		/* virtual instruction in VS-mode */
6:	j	6b

	.globl	guest_ecall
guest_ecall:
	ecall
7:	j	7b

	.globl	guest_spin
guest_spin:
	j	guest_spin

	.globl	guest_ebreak
guest_ebreak:
	csrr	s1, CSR_SSCRATCH_VS	/* vsscratch, synced by sync_sret */
	ebreak				/* hedeleg: handled in VS-mode */
8:	j	8b

	.align	2
	.globl	guest_vs_handler
guest_vs_handler:
	csrr	s2, CSR_SCAUSE		/* vscause */
	ecall
9:	j	9b

	.globl	guest_illegal
guest_illegal:
	.4byte	0xffffffff
10:	j	10b
