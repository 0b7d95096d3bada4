// SPDX-License-Identifier: BSD-2-Clause
/*
 * NACL firmware test payload: a bare-metal HS-mode program that calls
 * every SBI nested acceleration function with good and hostile
 * arguments, enters a tiny VS-mode guest through sync_sret and checks
 * the answers against the SBI specification. It ends with the line
 * "N passed, N failed" and powers the machine off through SRST.
 */

typedef unsigned long ulong;
typedef unsigned int uint;

#define SBI_EXT_BASE			0x10
#define SBI_EXT_BASE_PROBE_EXT		3
#define SBI_EXT_DBCN			0x4442434E
#define SBI_EXT_DBCN_READ		1
#define SBI_EXT_DBCN_WRITE_BYTE		2
#define SBI_EXT_SRST			0x53525354
#define SBI_EXT_NACL			0x4E41434C
#define SBI_EXT_NACL_PROBE_FEATURE	0
#define SBI_EXT_NACL_SET_SHMEM		1
#define SBI_EXT_NACL_SYNC_CSR		2
#define SBI_EXT_NACL_SYNC_HFENCE	3
#define SBI_EXT_NACL_SYNC_SRET		4
#define SBI_EXT_NACL_STATS		0x0A4E434C
#define SBI_EXT_NACL_STATS_READ		0
#define SBI_EXT_NACL_STATS_RESET	1

#define SBI_SUCCESS			0
#define SBI_ERR_NOT_SUPPORTED		-2
#define SBI_ERR_INVALID_PARAM		-3
#define SBI_ERR_INVALID_ADDRESS		-5
#define SBI_ERR_NO_SHMEM		-9

#define FEAT_SYNC_CSR			0
#define FEAT_SYNC_HFENCE		1
#define FEAT_SYNC_SRET			2
#define FEAT_AUTOSWAP			3

/* Counters of the firmware's NACL statistics extension */
enum {
	STAT_PROBE_FEATURE, STAT_SET_SHMEM, STAT_SYNC_CSR, STAT_SYNC_HFENCE,
	STAT_SYNC_SRET, STAT_UNKNOWN_FUNC, STAT_GUEST_TRAPS, STAT_GUEST_EXITS,
	STAT_CSR_WRITES, STAT_HFENCE_ENTRIES, STAT_HFENCE_MALFORMED,
	STAT_DIRECT_TRAPS, STAT_MAX,
};

/* Shared memory layout (SBI specification, NACL chapter; RV64) */
#define SHMEM_SIZE			(0x1000 + 8 * 1024)
#define SHMEM_AUTOSWAP			0x200
#define SHMEM_HFENCE			0x800
#define SHMEM_HFENCE_ENTRIES		60
#define SHMEM_DBITMAP			0xf80
#define SHMEM_CSR			0x1000
#define CSR_INDEX(c)			((((c) & 0xc00) >> 2) | ((c) & 0xff))
#define HFENCE_PEND			(1UL << 63)
#define HFENCE_TYPE(t)			((ulong)(t) << 56)
#define HFENCE_ORDER(o)			((ulong)(o) << 48)
#define HFENCE_VMID(v)			((ulong)(v) << 16)

#define CSR_SSTATUS			0x100
#define CSR_SIE				0x104
#define CSR_SEPC			0x141
#define CSR_SCAUSE			0x142
#define CSR_STVAL			0x143
#define CSR_STIMECMP			0x14d
#define CSR_VSSTATUS			0x200
#define CSR_VSTVEC			0x205
#define CSR_VSSCRATCH			0x240
#define CSR_VSCAUSE			0x242
#define CSR_VSATP			0x280
#define CSR_HSTATUS			0x600
#define CSR_HEDELEG			0x602
#define CSR_HIDELEG			0x603
#define CSR_HTVAL			0x643
#define CSR_HTINST			0x64a
#define CSR_HGATP			0x680
#define CSR_HGEIP			0xe12
#define CSR_TIME			0xc01
#define CSR_INSTRET			0xc02

#define SSTATUS_SPP			(1UL << 8)
#define SSTATUS_SIE			(1UL << 1)
#define HSTATUS_GVA			(1UL << 6)
#define HSTATUS_SPV			(1UL << 7)
#define HSTATUS_SPVP			(1UL << 8)

#define STR(x)				#x
#define XSTR(x)				STR(x)
#define csr_read(c) ({ ulong __v; \
	__asm__ volatile("csrr %0, " XSTR(c) : "=r"(__v) :: "memory"); __v; })
#define csr_write(c, v) \
	__asm__ volatile("csrw " XSTR(c) ", %0" :: "rK"((ulong)(v)) : "memory")
#define csr_set(c, v) \
	__asm__ volatile("csrs " XSTR(c) ", %0" :: "rK"((ulong)(v)) : "memory")
#define csr_clear(c, v) \
	__asm__ volatile("csrc " XSTR(c) ", %0" :: "rK"((ulong)(v)) : "memory")

#ifndef FWTEST_NESTED
#define FWTEST_NESTED			0
#endif

struct sbiret {
	long error;
	long value;
};

/* Host context saved by guest_run(), the guest's GPRs on exit */
struct guest_ctx {
	ulong sp, ra, s[12], stvec, pad;
	ulong x[32];
};

long guest_run(struct guest_ctx *ctx);
void guest_pf(void);
void guest_virt(void);
void guest_ecall(void);
void guest_spin(void);
void guest_ebreak(void);
void guest_vs_handler(void);
void guest_illegal(void);

static unsigned char shmem[SHMEM_SIZE] __attribute__((aligned(4096)));
/* Sv39x4 root table: 16 KiB, 16 KiB aligned */
static ulong gstage[2048] __attribute__((aligned(16384)));
static ulong guest_stack[512] __attribute__((aligned(16)));
static struct guest_ctx ctx;
static uint passed, failed;
/* Filled by host_trap (start.S) when a trap hits a TRY() instruction */
struct trap_catch {
	ulong fixup, cause, tval;
} trap_catch;

static struct sbiret sbi_call(ulong ext, ulong fid, ulong a0, ulong a1,
			      ulong a2)
{
	register ulong r0 __asm__("a0") = a0;
	register ulong r1 __asm__("a1") = a1;
	register ulong r2 __asm__("a2") = a2;
	register ulong r6 __asm__("a6") = fid;
	register ulong r7 __asm__("a7") = ext;
	struct sbiret ret;

	__asm__ volatile("ecall"
			 : "+r"(r0), "+r"(r1)
			 : "r"(r2), "r"(r6), "r"(r7)
			 : "memory");
	ret.error = r0;
	ret.value = r1;
	return ret;
}

static void putc(char c)
{
	sbi_call(SBI_EXT_DBCN, SBI_EXT_DBCN_WRITE_BYTE, c, 0, 0);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void putdec(ulong v)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i)
		putc(buf[--i]);
}

static void puthex(ulong v)
{
	int i;

	puts("0x");
	for (i = 60; i > 0 && !(v >> i); i -= 4)
		;
	for (; i >= 0; i -= 4)
		putc("0123456789abcdef"[(v >> i) & 0xf]);
}

/* A check; @who (or NULL) names the setting on a failure */
static void expect_in(const char *who, const char *what, long got, long want)
{
	if (got == want) {
		passed++;
		return;
	}
	failed++;
	puts("FAIL ");
	if (who) {
		puts(who);
		puts(": ");
	}
	puts(what);
	puts(": got ");
	puthex(got);
	puts(", want ");
	puthex(want);
	putc('\n');
}

static void expect(const char *what, long got, long want)
{
	expect_in((const char *)0, what, got, want);
}

static void shutdown(void)
{
	sbi_call(SBI_EXT_SRST, 0, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

void unexpected_trap(void)
{
	puts("FAIL unexpected trap in the payload: scause ");
	puthex(csr_read(CSR_SCAUSE));
	puts(" sepc ");
	puthex(csr_read(CSR_SEPC));
	puts(" stval ");
	puthex(csr_read(CSR_STVAL));
	putc('\n');
	failed++;
	putdec(passed);
	puts(" passed, ");
	putdec(failed);
	puts(" failed\n");
	shutdown();
}

static struct sbiret nacl(ulong fid, ulong a0, ulong a1, ulong a2)
{
	return sbi_call(SBI_EXT_NACL, fid, a0, a1, a2);
}

static long nacl_err(ulong fid, ulong a0, ulong a1, ulong a2)
{
	return nacl(fid, a0, a1, a2).error;
}

static ulong stat(ulong id)
{
	return sbi_call(SBI_EXT_NACL_STATS, SBI_EXT_NACL_STATS_READ, id, 0, 0)
		.value;
}

static volatile ulong *shm(ulong off)
{
	return (volatile ulong *)(shmem + off);
}

static volatile ulong *shm_csr(ulong csr)
{
	return shm(SHMEM_CSR + 8 * CSR_INDEX(csr));
}

static void shm_csr_write(ulong csr, ulong val)
{
	ulong i = CSR_INDEX(csr);

	*shm_csr(csr) = val;
	*shm(SHMEM_DBITMAP + 8 * (i / 64)) |= 1UL << (i % 64);
}

static int shm_csr_dirty(ulong csr)
{
	ulong i = CSR_INDEX(csr);

	return (*shm(SHMEM_DBITMAP + 8 * (i / 64)) >> (i % 64)) & 1;
}

static volatile ulong *hfence(ulong ent, ulong word)
{
	return shm(SHMEM_HFENCE + 32 * ent + 8 * word);
}

static void hfence_add(ulong ent, ulong cfg, ulong pnum, ulong rsvd,
		       ulong pcount)
{
	*hfence(ent, 1) = pnum;
	*hfence(ent, 2) = rsvd;
	*hfence(ent, 3) = pcount;
	*hfence(ent, 0) = cfg | HFENCE_PEND;
}

static ulong features;

static int has(int feat)
{
	return (features >> feat) & 1;
}

/* The machine: QEMU virt, RAM at 0x80000000, firmware first */
#define RAM_BASE	0x80000000UL
static ulong ram_size;

static void test_probe(void)
{
	ulong id;
	struct sbiret r;

	for (id = 0; id <= 3; id++) {
		r = nacl(SBI_EXT_NACL_PROBE_FEATURE, id, 0, 0);
		expect("probe_feature error", r.error, SBI_SUCCESS);
		if (r.value == 1)
			features |= 1UL << id;
		else
			expect("probe_feature value is 0 or 1", r.value, 0);
	}
	r = nacl(SBI_EXT_NACL_PROBE_FEATURE, 4, 0, 0);
	expect("probe_feature(4) error", r.error, SBI_SUCCESS);
	expect("probe_feature(4) value", r.value, 0);
	r = nacl(SBI_EXT_NACL_PROBE_FEATURE, -1UL, 0, 0);
	expect("probe_feature(-1) error", r.error, SBI_SUCCESS);
	expect("probe_feature(-1) value", r.value, 0);
	puts("nacl: present, features ");
	puthex(features);
	putc('\n');
}

static void test_unknown_functions(void)
{
	ulong before = stat(STAT_UNKNOWN_FUNC);

	expect("fid 5", nacl_err(5, 0, 0, 0), SBI_ERR_NOT_SUPPORTED);
	expect("fid 0x100", nacl_err(0x100, 0, 0, 0), SBI_ERR_NOT_SUPPORTED);
	expect("fid -1", nacl_err(-1UL, 0, 0, 0), SBI_ERR_NOT_SUPPORTED);
	expect("unknown_func counter", stat(STAT_UNKNOWN_FUNC) - before, 3);
}

static void test_no_shmem(void)
{
	long want;

	want = has(FEAT_SYNC_CSR) ? SBI_ERR_NO_SHMEM : SBI_ERR_NOT_SUPPORTED;
	expect("sync_csr(-1) without shmem",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, -1UL, 0, 0), want);
	expect("sync_csr(vsscratch) without shmem",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, CSR_VSSCRATCH, 0, 0), want);
	want = has(FEAT_SYNC_HFENCE) ? SBI_ERR_NO_SHMEM : SBI_ERR_NOT_SUPPORTED;
	expect("sync_hfence(-1) without shmem",
	       nacl_err(SBI_EXT_NACL_SYNC_HFENCE, -1UL, 0, 0), want);
	want = has(FEAT_SYNC_SRET) ? SBI_ERR_NO_SHMEM : SBI_ERR_NOT_SUPPORTED;
	expect("sync_sret without shmem", guest_run(&ctx), want);
}

static void test_set_shmem(void)
{
	ulong buf = (ulong)shmem;

	expect("set_shmem flags!=0",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, buf, 0, 1), SBI_ERR_INVALID_PARAM);
	expect("set_shmem misaligned",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, buf + 8, 0, 0),
	       SBI_ERR_INVALID_PARAM);
	expect("set_shmem lo=-1 hi=0 (not the disable value)",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, -1UL, 0, 0),
	       SBI_ERR_INVALID_PARAM);
	expect("set_shmem hi!=0",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, buf, 1, 0),
	       SBI_ERR_INVALID_ADDRESS);
	expect("set_shmem in firmware (RAM base)",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, RAM_BASE, 0, 0),
	       SBI_ERR_INVALID_ADDRESS);
	expect("set_shmem in firmware (RAM base + 128 KiB)",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, RAM_BASE + 0x20000, 0, 0),
	       SBI_ERR_INVALID_ADDRESS);
	expect("set_shmem in firmware data (RAM base + 256 KiB)",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, RAM_BASE + 0x40000, 0, 0),
	       SBI_ERR_INVALID_ADDRESS);
	expect("set_shmem on a device (UART, an MMIO region)",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, 0x10000000UL, 0, 0),
	       SBI_ERR_INVALID_ADDRESS);
	expect("set_shmem outside RAM",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, 0x100000000000UL, 0, 0),
	       SBI_ERR_INVALID_ADDRESS);
	expect("set_shmem crossing the end of RAM",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, RAM_BASE + ram_size - 0x1000,
			0, 0),
	       SBI_ERR_INVALID_ADDRESS);
	expect("set_shmem wrapping the address space",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, -0x2000UL, 0, 0),
	       SBI_ERR_INVALID_ADDRESS);
	expect("set_shmem disable",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, -1UL, -1UL, 0), SBI_SUCCESS);
	expect("set_shmem good",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, buf, 0, 0), SBI_SUCCESS);
	expect("CSR space hstatus after set_shmem",
	       *shm_csr(CSR_HSTATUS), csr_read(CSR_HSTATUS));
	expect("CSR space hedeleg after set_shmem",
	       *shm_csr(CSR_HEDELEG), csr_read(CSR_HEDELEG));
	expect("set_shmem disable again",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, -1UL, -1UL, 0), SBI_SUCCESS);
	if (has(FEAT_SYNC_CSR))
		expect("sync_csr after disable",
		       nacl_err(SBI_EXT_NACL_SYNC_CSR, -1UL, 0, 0),
		       SBI_ERR_NO_SHMEM);
	expect("set_shmem good again",
	       nacl_err(SBI_EXT_NACL_SET_SHMEM, buf, 0, 0), SBI_SUCCESS);
}

static void test_sync_csr(void)
{
	ulong writes;

	if (!has(FEAT_SYNC_CSR)) {
		expect("sync_csr not advertised",
		       nacl_err(SBI_EXT_NACL_SYNC_CSR, -1UL, 0, 0),
		       SBI_ERR_NOT_SUPPORTED);
		return;
	}
	expect("sync_csr(0x100): not an H CSR",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, 0x100, 0, 0),
	       SBI_ERR_INVALID_PARAM);
	expect("sync_csr(0x1200): beyond 12 bits",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, 0x1200, 0, 0),
	       SBI_ERR_INVALID_PARAM);
	expect("sync_csr(0x601): unimplemented",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, 0x601, 0, 0),
	       SBI_ERR_INVALID_PARAM);
	expect("sync_csr(0x2ff): unimplemented",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, 0x2ff, 0, 0),
	       SBI_ERR_INVALID_PARAM);

	writes = stat(STAT_CSR_WRITES);
	csr_write(CSR_VSSCRATCH, 0);
	shm_csr_write(CSR_VSSCRATCH, 0x5ca7c4);
	expect("sync_csr(vsscratch)",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, CSR_VSSCRATCH, 0, 0), SBI_SUCCESS);
	expect("vsscratch written", csr_read(CSR_VSSCRATCH), 0x5ca7c4);
	expect("vsscratch dirty bit cleared", shm_csr_dirty(CSR_VSSCRATCH), 0);

	shm_csr_write(CSR_VSSCRATCH, 0x1234);
	shm_csr_write(CSR_VSTVEC, 0x80400000UL);
	shm_csr_write(CSR_HGEIP, 0xdead); /* read-only: only refreshed */
	expect("sync_csr(-1)",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, -1UL, 0, 0), SBI_SUCCESS);
	expect("vsscratch written by sync all", csr_read(CSR_VSSCRATCH), 0x1234);
	expect("vstvec written by sync all", csr_read(CSR_VSTVEC), 0x80400000UL);
	expect("hgeip entry holds the CSR", *shm_csr(CSR_HGEIP),
	       csr_read(CSR_HGEIP));
	expect("dirty bits cleared",
	       shm_csr_dirty(CSR_VSSCRATCH) + shm_csr_dirty(CSR_VSTVEC) +
	       shm_csr_dirty(CSR_HGEIP), 0);
	expect("csr_writes counter", stat(STAT_CSR_WRITES) - writes, 3);

	/* A clean entry is refreshed, never applied */
	*shm_csr(CSR_VSSCRATCH) = 0x7777;
	expect("sync_csr(vsscratch) clean",
	       nacl_err(SBI_EXT_NACL_SYNC_CSR, CSR_VSSCRATCH, 0, 0), SBI_SUCCESS);
	expect("clean vsscratch untouched", csr_read(CSR_VSSCRATCH), 0x1234);
	expect("clean entry refreshed", *shm_csr(CSR_VSSCRATCH), 0x1234);
}

static void test_sync_hfence(void)
{
	ulong ent, busy, n, bad;

	if (!has(FEAT_SYNC_HFENCE)) {
		expect("sync_hfence not advertised",
		       nacl_err(SBI_EXT_NACL_SYNC_HFENCE, -1UL, 0, 0),
		       SBI_ERR_NOT_SUPPORTED);
		return;
	}
	expect("sync_hfence(60): out of range",
	       nacl_err(SBI_EXT_NACL_SYNC_HFENCE, SHMEM_HFENCE_ENTRIES, 0, 0),
	       SBI_ERR_INVALID_PARAM);
	expect("sync_hfence(1000): out of range",
	       nacl_err(SBI_EXT_NACL_SYNC_HFENCE, 1000, 0, 0),
	       SBI_ERR_INVALID_PARAM);

	n = stat(STAT_HFENCE_ENTRIES);
	bad = stat(STAT_HFENCE_MALFORMED);
	/* One well-formed entry of every type */
	hfence_add(0, HFENCE_TYPE(0), 0x80000, 0, 4);
	hfence_add(1, HFENCE_TYPE(1), 0, 0, 0);
	hfence_add(2, HFENCE_TYPE(2) | HFENCE_VMID(1), 0x80000, 0, 2);
	hfence_add(3, HFENCE_TYPE(3) | HFENCE_VMID(1), 0, 0, 0);
	hfence_add(4, HFENCE_TYPE(4) | HFENCE_VMID(1) | HFENCE_ORDER(9),
		   0x1, 0, 1);
	hfence_add(5, HFENCE_TYPE(5) | HFENCE_VMID(1), 0, 0, 0);
	hfence_add(6, HFENCE_TYPE(6) | HFENCE_VMID(1) | 7, 0x10, 0, 1000);
	hfence_add(7, HFENCE_TYPE(7) | HFENCE_VMID(1) | 7, 0, 0, 0);
	/* Malformed: type 9, reserved bits, reserved word, range on *_ALL,
	 * a range beyond the address space */
	hfence_add(8, HFENCE_TYPE(9), 0, 0, 0);
	hfence_add(9, HFENCE_TYPE(0) | (1UL << 60), 0x80000, 0, 1);
	hfence_add(10, HFENCE_TYPE(2) | HFENCE_VMID(1), 0x80000, 1, 1);
	hfence_add(11, HFENCE_TYPE(1), 0x80000, 0, 1);
	hfence_add(12, HFENCE_TYPE(4) | HFENCE_ORDER(0x7f), -1UL, 0, -1UL);
	/* A single entry is synced alone */
	expect("sync_hfence(3)",
	       nacl_err(SBI_EXT_NACL_SYNC_HFENCE, 3, 0, 0), SBI_SUCCESS);
	expect("entry 3 done", *hfence(3, 0) >> 63, 0);
	expect("entry 4 still pending", *hfence(4, 0) >> 63, 1);
	expect("sync_hfence(-1)",
	       nacl_err(SBI_EXT_NACL_SYNC_HFENCE, -1UL, 0, 0), SBI_SUCCESS);
	for (busy = 0, ent = 0; ent < SHMEM_HFENCE_ENTRIES; ent++)
		busy += *hfence(ent, 0) >> 63;
	expect("no entry left pending", busy, 0);
	expect("entry config kept but for the pending bit", *hfence(2, 0),
	       HFENCE_TYPE(2) | HFENCE_VMID(1));
	expect("hfence_entries counter", stat(STAT_HFENCE_ENTRIES) - n, 13);
	expect("hfence_malformed counter",
	       stat(STAT_HFENCE_MALFORMED) - bad, 5);
	expect("sync_hfence(-1) with nothing pending",
	       nacl_err(SBI_EXT_NACL_SYNC_HFENCE, -1UL, 0, 0), SBI_SUCCESS);
	expect("nothing processed", stat(STAT_HFENCE_ENTRIES) - n, 13);
}

/* Guest entry: registers in the SRET context, sepc, sstatus.SPP=1 */
static void guest_prepare(void (*entry)(void))
{
	ulong i;

	for (i = 1; i < 32; i++)
		*shm(8 * i) = 0x1000 + i;
	*shm(8 * 2) = (ulong)&guest_stack[512];	/* sp */
	*shm(8 * 10) = 0x1111;			/* a0 */
	*shm(8 * 11) = 0x2222;			/* a1 */
	*shm(8 * 5) = 0x40000000;		/* t0: unmapped GPA */
	for (i = 0; i < 32; i++)
		ctx.x[i] = 0;
	csr_write(CSR_SEPC, (ulong)entry);
	csr_set(CSR_SSTATUS, SSTATUS_SPP);
}

long guest_run_direct(struct guest_ctx *ctx, volatile ulong *sret_area);

enum run_mode { RUN_DIRECT, RUN_NACL, RUN_NACL_AUTOSWAP };

struct exit_info {
	long rc;
	ulong instret;
	ulong scause, stval, sepc, htval, htinst, hstatus, spp;
	ulong x[32];
};

static const char *const mode_names[] = { "direct", "nacl", "nacl+autoswap" };
static ulong host_hstatus;
/* Least instructions of a guest ecall round trip, per run_mode (0: not run) */
static ulong round_trip_least[3];

enum scenario { S_PF, S_VIRT, S_ECALL, S_EBREAK, S_TIMER, S_ILLEGAL, S_MAX };
static const char *const scenario_names[] = {
	"guest-page fault", "virtual instruction", "guest ecall",
	"ebreak in VS then ecall", "HS timer interrupt",
	"illegal instruction",
};

/*
 * The guest's address space: G-stage GPA 0x80000000..0xbfffffff = PA,
 * VMID 1, VS-stage Bare; and the host's hstatus without SPV/SPVP/GVA
 */
static void guest_space_setup(void)
{
	gstage[2] = ((RAM_BASE >> 12) << 10) | 0xdf;	/* DAU XWRV */
	csr_write(CSR_HGATP, (8UL << 60) | (1UL << 44) |
		  ((ulong)gstage >> 12));
	__asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, x0" ::: "memory");
	csr_write(CSR_VSATP, 0);
	csr_write(CSR_HIDELEG, 0);
	host_hstatus = csr_read(CSR_HSTATUS) & ~(HSTATUS_SPV | HSTATUS_SPVP |
						  HSTATUS_GVA);
	csr_write(CSR_HSTATUS, host_hstatus);
}

static void run_scenario(enum scenario sc, enum run_mode mode,
			 struct exit_info *e)
{
	static void (*const entry[])(void) = {
		guest_pf, guest_virt, guest_ecall, guest_ebreak, guest_spin,
		guest_illegal,
	};
	ulong g = host_hstatus | HSTATUS_SPV;

	guest_prepare(entry[sc]);
	csr_write(CSR_HEDELEG, sc == S_EBREAK ? 1UL << 3 : 0);
	csr_write(CSR_VSTVEC, (ulong)guest_vs_handler);
	if (mode != RUN_DIRECT && has(FEAT_SYNC_CSR)) {
		csr_write(CSR_VSSCRATCH, 0xaaaa);
		shm_csr_write(CSR_VSSCRATCH, 0xbbbb);
	} else {
		csr_write(CSR_VSSCRATCH, 0xbbbb);
	}
	if (mode == RUN_NACL_AUTOSWAP) {
		*shm(SHMEM_AUTOSWAP + 8) = g;
		*shm(SHMEM_AUTOSWAP) = 1;
	} else {
		*shm(SHMEM_AUTOSWAP) = 0;
		csr_write(CSR_HSTATUS, g);
	}
	if (sc == S_TIMER) {
		csr_set(CSR_SIE, 1UL << 5);
		csr_write(CSR_STIMECMP, csr_read(CSR_TIME));
	}

	e->instret = csr_read(CSR_INSTRET);
	if (mode == RUN_DIRECT)
		e->rc = guest_run_direct(&ctx, shm(0));
	else
		e->rc = guest_run(&ctx);
	e->instret = csr_read(CSR_INSTRET) - e->instret;

	if (sc == S_TIMER) {
		csr_write(CSR_STIMECMP, -1UL);
		csr_clear(CSR_SIE, 1UL << 5);
	}
	e->scause = csr_read(CSR_SCAUSE);
	e->stval = csr_read(CSR_STVAL);
	e->sepc = csr_read(CSR_SEPC);
	e->spp = !!(csr_read(CSR_SSTATUS) & SSTATUS_SPP);
	if (mode == RUN_DIRECT) {
		e->htval = csr_read(CSR_HTVAL);
		e->htinst = csr_read(CSR_HTINST);
	} else {
		/* What the L1 hypervisor reads: the CSR space */
		e->htval = *shm_csr(CSR_HTVAL);
		e->htinst = *shm_csr(CSR_HTINST);
	}
	if (mode == RUN_NACL_AUTOSWAP) {
		e->hstatus = *shm(SHMEM_AUTOSWAP + 8);
		expect("hstatus swapped back to the host's",
		       csr_read(CSR_HSTATUS), host_hstatus);
		*shm(SHMEM_AUTOSWAP) = 0;
	} else {
		e->hstatus = csr_read(CSR_HSTATUS);
	}
	csr_write(CSR_HSTATUS, host_hstatus);
	csr_write(CSR_HEDELEG, 0);
	for (int i = 0; i < 32; i++)
		e->x[i] = ctx.x[i];
}

/*
 * What guests entered by the payload's own SRET must show, whoever runs
 * them: the hart (L1 in HS-mode) or the nested L0 (L1 in VS-mode). The
 * ebreak run is last: its vscause stays in the H-state.
 */
static void expect_direct_runs(const char *who)
{
	struct exit_info e;

	run_scenario(S_PF, RUN_DIRECT, &e);
	expect_in(who, "guest-page fault htval = GPA >> 2", e.htval,
		  0x40000000 >> 2);
	expect_in(who, "guest-page fault stval", e.stval, 0x40000000);
	expect_in(who, "guest-page fault hstatus SPV SPVP GVA", e.hstatus,
		  host_hstatus | HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_GVA);
	expect_in(who, "guest a2 = a0 + a1", e.x[12], 0x3333);
	run_scenario(S_VIRT, RUN_DIRECT, &e);
	expect_in(who, "virtual instruction stval: the instruction", e.stval,
		  0x60002373);
	run_scenario(S_EBREAK, RUN_DIRECT, &e);
	expect_in(who, "ebreak handled in VS-mode (vscause)", e.x[18], 3);
	expect_in(who, "vsscratch seen by the guest", e.x[9], 0xbbbb);
}

static void expect_same(enum scenario sc, enum run_mode mode,
			const char *field, ulong got, ulong want)
{
	if (got == want) {
		passed++;
		return;
	}
	failed++;
	puts("FAIL ");
	puts(scenario_names[sc]);
	puts(" (");
	puts(mode_names[mode]);
	puts(") ");
	puts(field);
	puts(": got ");
	puthex(got);
	puts(", hardware gives ");
	puthex(want);
	putc('\n');
}

static void test_sync_sret(void)
{
	struct exit_info ref, e;
	ulong exits, traps, direct, nacl_runs = 0;
	enum run_mode mode;
	enum scenario sc;

	if (!has(FEAT_SYNC_SRET)) {
		expect("sync_sret not advertised", guest_run(&ctx),
		       SBI_ERR_NOT_SUPPORTED);
		return;
	}

	guest_space_setup();
	exits = stat(STAT_GUEST_EXITS);
	traps = stat(STAT_GUEST_TRAPS);
	direct = stat(STAT_DIRECT_TRAPS);

	for (sc = 0; sc < S_MAX; sc++) {
		run_scenario(sc, RUN_DIRECT, &ref);
		/* The reference itself, in numbers */
		expect_same(sc, RUN_DIRECT, "exit", ref.rc, 1);
		expect_same(sc, RUN_DIRECT, "scause", ref.scause,
			    (ulong[]){ 21, 22, 10, 10, (1UL << 63) | 5, 2 }[sc]);
		for (mode = RUN_NACL; mode <= RUN_NACL_AUTOSWAP; mode++) {
			if (mode == RUN_NACL_AUTOSWAP && !has(FEAT_AUTOSWAP))
				continue;
			run_scenario(sc, mode, &e);
			nacl_runs++;
			expect_same(sc, mode, "exit", e.rc, 1);
			expect_same(sc, mode, "scause", e.scause, ref.scause);
			expect_same(sc, mode, "stval", e.stval, ref.stval);
			expect_same(sc, mode, "sepc", e.sepc, ref.sepc);
			expect_same(sc, mode, "sstatus.SPP", e.spp, ref.spp);
			expect_same(sc, mode, "htval", e.htval, ref.htval);
			expect_same(sc, mode, "htinst", e.htinst, ref.htinst);
			expect_same(sc, mode, "guest hstatus", e.hstatus,
				    ref.hstatus);
			expect_same(sc, mode, "guest a2 (a0 + a1 or initial)",
				    e.x[12], ref.x[12]);
			expect_same(sc, mode, "guest sp", e.x[2], ref.x[2]);
			expect_same(sc, mode, "guest s1 (vsscratch)", e.x[9],
				    ref.x[9]);
			expect_same(sc, mode, "guest s2 (vscause)", e.x[18],
				    ref.x[18]);
			expect_same(sc, mode, "guest s11", e.x[27], ref.x[27]);
		}
	}
	/* Absolute values the hardware reference must show */
	expect_direct_runs("hart");

	/* Not a check: instructions per guest round trip (ecall exit) */
	puts("[fwtest] instructions per guest ecall round trip:");
	for (mode = RUN_DIRECT; mode <= RUN_NACL_AUTOSWAP; mode++) {
		ulong sum = 0, i;

		if (mode == RUN_NACL_AUTOSWAP && !has(FEAT_AUTOSWAP))
			continue;
		for (i = 0; i < 16; i++) {
			run_scenario(S_ECALL, mode, &e);
			sum += e.instret;
			if (!i || e.instret < round_trip_least[mode])
				round_trip_least[mode] = e.instret;
		}
		if (mode != RUN_DIRECT)
			nacl_runs += 16;
		putc(' ');
		puts(mode_names[mode]);
		putc(' ');
		putdec(sum / 16);
	}
	putc('\n');

	expect("guest_exits counter", stat(STAT_GUEST_EXITS) - exits,
	       nacl_runs);
	if (FWTEST_NESTED) {
		/* The nested L0 takes every L2 trap itself: no interception */
		expect("guest_traps counter (nested: none)",
		       stat(STAT_GUEST_TRAPS) - traps, 0);
		expect("direct_traps counter (nested: none)",
		       stat(STAT_DIRECT_TRAPS) - direct, 0);
		csr_write(CSR_HGATP, 0);
		return;
	}
	/* ebreak runs take their first trap in VS-mode, not in M-mode */
	expect("guest_traps counter", stat(STAT_GUEST_TRAPS) - traps,
	       nacl_runs);
	/*
	 * Direct runs end in M-mode when the exit is an exception only a
	 * guest raises: 4 of the 6 scenarios, 3 more checks, 16 ecalls.
	 */
	expect("direct_traps counter (exits of guests run by SRET)",
	       stat(STAT_DIRECT_TRAPS) - direct, 4 + 3 + 16);
	csr_write(CSR_HGATP, 0);
}

static void test_stats(void)
{
	struct sbiret r;

	r = sbi_call(SBI_EXT_NACL_STATS, SBI_EXT_NACL_STATS_READ, STAT_MAX,
		     0, 0);
	expect("stats read of an unknown counter", r.error,
	       SBI_ERR_INVALID_PARAM);
	r = sbi_call(SBI_EXT_NACL_STATS, 7, 0, 0, 0);
	expect("stats unknown function", r.error, SBI_ERR_NOT_SUPPORTED);
	expect("set_shmem counted", stat(STAT_SET_SHMEM) >= 12, 1);
	/* After a reset the counters of the next calls are exact */
	sbi_call(SBI_EXT_NACL_STATS, SBI_EXT_NACL_STATS_RESET, 0, 0, 0);
	nacl(SBI_EXT_NACL_PROBE_FEATURE, 0, 0, 0);
	nacl(SBI_EXT_NACL_PROBE_FEATURE, 1, 0, 0);
	expect("probe_feature counter after reset",
	       stat(STAT_PROBE_FEATURE), 2);
	expect("sync_sret counter after reset", stat(STAT_SYNC_SRET), 0);
}

static ulong fdt_ram_size(ulong fdt)
{
	(void)fdt;
	/* QEMU -m as passed by tests/firmware/run */
	return 256UL << 20;
}

/*
 * Nested L0 mode (built with -DFWTEST_NESTED=1): the payload runs in VS-mode as an L1 hypervisor would.
 * Its H-CSR and VS-CSR accesses trap to the firmware, which emulates
 * them against a virtual H-state; its own S-CSRs are the real VS-CSRs.
 */
#define CSR_SSCRATCH			0x140
#define CSR_VSIE			0x204
#define CSR_VSEPC			0x241
#define CSR_VSTVAL			0x243
#define CSR_VSIP			0x244
#define CSR_HIE				0x604
#define CSR_HTIMEDELTA			0x605
#define CSR_HCOUNTEREN			0x606
#define CSR_HGEIE			0x607
#define CSR_HENVCFG			0x60a
#define CSR_HIP				0x644
#define CSR_HVIP			0x645

#define NSTAT(n)			(0x100 + (n))
enum { N_VIRT_INSN, N_HCSR_READ, N_HCSR_WRITE, N_VSCSR_READ, N_VSCSR_WRITE,
       N_ILLEGAL_INSN, N_SBI_CALL, N_IRQ_EXT, N_IPI, N_PLIC_ACCESS, N_HFENCE,
       N_SRET, N_L2_EXIT, N_L1_IRQ, N_HLV, N_HSV, N_SBI_BASE, N_SBI_TIME,
       N_SBI_IPI, N_SBI_RFENCE, N_SBI_HSM, N_SBI_SRST, N_SBI_DBCN, N_SBI_NACL,
       N_SBI_OTHER, N_MAX };

#define HSTATUS_VSXL64			(2UL << 32)
#define HSTATUS_WRITABLE		0x7003c0UL
#define HEDELEG_WRITABLE		0xb1ffUL
#define VS_IRQS				0x444UL
#define MODE(m)				((ulong)(m) << 60)

/* Run one instruction; the scause it raised, or -1 if none */
#define TRY(insn, ...) ({						\
	trap_catch.cause = -1UL;					\
	__asm__ volatile("la t1, trap_catch\n\tla t0, 1f\n\t"		\
			 "sd t0, 0(t1)\n\t" insn "\n\t"			\
			 "sd zero, 0(t1)\n1:"				\
			 : : __VA_ARGS__ : "t0", "t1", "memory");	\
	trap_catch.cause; })

#define csr_swap(c, v) ({ ulong __o; __asm__ volatile("csrrw %0, "	\
	XSTR(c) ", %1" : "=r"(__o) : "r"((ulong)(v)) : "memory"); __o; })
#define csr_rs(c, v) ({ ulong __o; __asm__ volatile("csrrs %0, "	\
	XSTR(c) ", %1" : "=r"(__o) : "r"((ulong)(v)) : "memory"); __o; })
#define csr_rc(c, v) ({ ulong __o; __asm__ volatile("csrrc %0, "	\
	XSTR(c) ", %1" : "=r"(__o) : "r"((ulong)(v)) : "memory"); __o; })

/* Write v, return what reads back */
#define wr(c, v) ({ csr_write(c, v); csr_read(c); })

static void nested_counts(void)
{
	sbi_call(SBI_EXT_NACL_STATS, SBI_EXT_NACL_STATS_RESET, 0, 0, 0);
	/*
	 * 3 H reads, 2 H writes, 1 VS read, 1 VS write; a write to the
	 * read-only hgeip is illegal in HS-mode too, so the hart raises an
	 * illegal instruction (not a virtual one), redirected by OpenSBI;
	 * an HLV is a virtual instruction the L0 emulates.
	 */
	(void)csr_read(CSR_HSTATUS);
	(void)csr_read(CSR_HEDELEG);
	(void)csr_read(CSR_HGATP);
	csr_write(CSR_HVIP, 0);
	csr_write(CSR_HTVAL, 0);
	(void)csr_read(CSR_VSSCRATCH);
	csr_write(CSR_VSEPC, 0);
	(void)TRY("csrw " XSTR(CSR_HGEIP) ", zero");
	(void)TRY(".4byte 0x6c0142f3 /* hlv.d t0, (sp) */");
	/* Real S-CSRs of the VS-mode payload: no trap */
	csr_write(CSR_SSCRATCH, 1);
	(void)csr_read(CSR_SSCRATCH);

	expect("counter sbi_call (this read is the first call)",
	       stat(NSTAT(N_SBI_CALL)), 1);
	expect("counter virt_insn", stat(NSTAT(N_VIRT_INSN)), 8);
	expect("counter hcsr_read", stat(NSTAT(N_HCSR_READ)), 3);
	expect("counter hcsr_write", stat(NSTAT(N_HCSR_WRITE)), 2);
	expect("counter vscsr_read", stat(NSTAT(N_VSCSR_READ)), 1);
	expect("counter vscsr_write", stat(NSTAT(N_VSCSR_WRITE)), 1);
	expect("counter illegal_insn (hgeip is not the L0's)",
	       stat(NSTAT(N_ILLEGAL_INSN)), 0);
	expect("counter hlv", stat(NSTAT(N_HLV)), 1);
	expect("counter sbi_call after 8 reads", stat(NSTAT(N_SBI_CALL)), 9);
	expect("unknown nested counter", sbi_call(SBI_EXT_NACL_STATS,
	       SBI_EXT_NACL_STATS_READ, NSTAT(N_MAX), 0, 0).error,
	       SBI_ERR_INVALID_PARAM);

	/* SBI calls by extension: a counter read is a firmware extension's */
	ulong base = stat(NSTAT(N_SBI_BASE)), other = stat(NSTAT(N_SBI_OTHER));

	sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_PROBE_EXT, SBI_EXT_NACL, 0, 0);
	expect("counter sbi_base", stat(NSTAT(N_SBI_BASE)) - base, 1);
	expect("counter sbi_other (2 counter reads)",
	       stat(NSTAT(N_SBI_OTHER)) - other, 2);
	other = stat(NSTAT(N_SBI_NACL));
	(void)nacl_err(SBI_EXT_NACL_PROBE_FEATURE, 0, 0, 0);
	expect("counter sbi_nacl", stat(NSTAT(N_SBI_NACL)) - other, 1);

	/* HFENCE.GVMA and HFENCE.VVMA are performed by the L0: no trap */
	ulong hf = stat(NSTAT(N_HFENCE));

	expect("hfence.gvma emulated", TRY(".insn r 0x73, 0, 0x31, x0, x0, x0"),
	       -1UL);
	expect("hfence.vvma emulated", TRY(".insn r 0x73, 0, 0x11, x0, x0, x0"),
	       -1UL);
	expect("counter hfence", stat(NSTAT(N_HFENCE)) - hf, 2);
}

static void nested_hcsrs(void)
{
	ulong v;

	expect("hstatus at entry (VSXL = 64)", csr_read(CSR_HSTATUS),
	       HSTATUS_VSXL64);
	expect("hstatus <- ~0 keeps reserved, VGEIN, VSBE, VSXL",
	       wr(CSR_HSTATUS, -1UL), HSTATUS_WRITABLE | HSTATUS_VSXL64);
	expect("hstatus <- 0 keeps VSXL", wr(CSR_HSTATUS, 0), HSTATUS_VSXL64);
	expect("csrrs hstatus.SPV returns the old value",
	       csr_rs(CSR_HSTATUS, HSTATUS_SPV), HSTATUS_VSXL64);
	expect("csrrc hstatus.SPV returns the old value",
	       csr_rc(CSR_HSTATUS, HSTATUS_SPV), HSTATUS_VSXL64 | HSTATUS_SPV);
	expect("hstatus after csrrc", csr_read(CSR_HSTATUS), HSTATUS_VSXL64);
	expect("hedeleg <- ~0 (causes 9-11, 14, 16+ read-only 0)",
	       wr(CSR_HEDELEG, -1UL), HEDELEG_WRITABLE);
	expect("hedeleg <- 0", wr(CSR_HEDELEG, 0), 0);
	expect("hideleg <- ~0", wr(CSR_HIDELEG, -1UL), VS_IRQS);
	expect("hie <- ~0 (SGEIE 0, GEILEN 0)", wr(CSR_HIE, -1UL), VS_IRQS);
	expect("hgeie <- ~0", wr(CSR_HGEIE, -1UL), 0);
	expect("hvip <- ~0", wr(CSR_HVIP, -1UL), VS_IRQS);
	expect("hip shows hvip", csr_read(CSR_HIP), VS_IRQS);
	expect("vsip aliases delegated hip, shifted", csr_read(CSR_VSIP),
	       VS_IRQS >> 1);
	expect("vsie aliases delegated hie, shifted", csr_read(CSR_VSIE),
	       VS_IRQS >> 1);
	expect("hip <- 0 clears only VSSIP", wr(CSR_HIP, 0), VS_IRQS & ~4UL);
	expect("hvip after hip write", csr_read(CSR_HVIP), VS_IRQS & ~4UL);
	expect("vsip.SSIP write sets hvip.VSSIP", wr(CSR_VSIP, 2),
	       VS_IRQS >> 1);
	csr_write(CSR_HIDELEG, 0);
	expect("vsip with hideleg 0", csr_read(CSR_VSIP), 0);
	expect("vsie <- ~0 with hideleg 0", wr(CSR_VSIE, -1UL), 0);
	expect("hie untouched by vsie", csr_read(CSR_HIE), VS_IRQS);
	csr_write(CSR_HIE, 0);
	csr_write(CSR_HVIP, 0);
	expect("hgeip reads 0", csr_read(CSR_HGEIP), 0);
	expect("hgeip write raises illegal instruction",
	       TRY("csrw " XSTR(CSR_HGEIP) ", zero"), 2);
	expect("illegal instruction stval is the instruction",
	       trap_catch.tval, 0xe1201073);
	expect("hcounteren <- ~0", wr(CSR_HCOUNTEREN, -1UL), 0xffffffffUL);
	expect("htimedelta <- ~0", wr(CSR_HTIMEDELTA, -1UL), -1UL);
	expect("htval <- ~0", wr(CSR_HTVAL, -1UL), -1UL);
	expect("htinst <- 0x12345", wr(CSR_HTINST, 0x12345), 0x12345);
	expect("henvcfg <- 0", wr(CSR_HENVCFG, 0), 0);
	v = wr(CSR_HENVCFG, -1UL);
	expect("henvcfg <- ~0 keeps reserved bits 0", v & 0x0fffffffffffff00UL,
	       0);
	csr_write(CSR_HENVCFG, 0);

	/* hgatp: Sv39x4 root pointing into firmware memory is only stored */
	v = wr(CSR_HGATP, MODE(8) | (0x3fffUL << 44) | 0xfffffffffffUL);
	expect("hgatp mode Sv39x4", v >> 60, 8);
	expect("hgatp PPN[1:0] read 0", v & 0xfffffffffffUL, 0xffffffffffcUL);
	expect("hgatp VMID nonzero", !!((v >> 44) & 0x3fff), 1);
	expect("hgatp <- reserved mode 5 has no effect",
	       wr(CSR_HGATP, MODE(5) | 1), v);
	expect("hgatp <- Sv39x4 root in firmware memory",
	       wr(CSR_HGATP, MODE(8) | (0x80000000UL >> 12)),
	       MODE(8) | (0x80000000UL >> 12));
	expect("payload memory still reached directly", passed > 0, 1);
	expect("hgatp <- 0", wr(CSR_HGATP, 0), 0);
}

static void nested_vscsrs(void)
{
	ulong v;

	expect("vsstatus <- ~0 (UXL 64, SD from FS)",
	       wr(CSR_VSSTATUS, -1UL), 0x80000002000c6722UL);
	expect("vsstatus <- 0", wr(CSR_VSSTATUS, 0), 2UL << 32);
	expect("vstvec <- vectored", wr(CSR_VSTVEC, 0x1001), 0x1001);
	expect("vstvec <- reserved mode 2 has no effect",
	       wr(CSR_VSTVEC, 0x2002), 0x1001);
	expect("vsepc <- ~0 (bit 0 reads 0)", wr(CSR_VSEPC, -1UL), ~1UL);
	expect("vscause <- 0x8000000000000005",
	       wr(CSR_VSCAUSE, 0x8000000000000005UL), 0x8000000000000005UL);
	expect("vstval <- ~0", wr(CSR_VSTVAL, -1UL), -1UL);
	v = wr(CSR_VSATP, MODE(8) | 0x12345);
	expect("vsatp <- Sv39", v, MODE(8) | 0x12345);
	expect("vsatp <- reserved mode 2 has no effect",
	       wr(CSR_VSATP, MODE(2) | 1), v);
	expect("vsatp <- 0", wr(CSR_VSATP, 0), 0);
	/* The virtual vsscratch and the payload's own sscratch differ */
	csr_write(CSR_VSSCRATCH, 0x1234);
	csr_write(CSR_SSCRATCH, 0x5678);
	expect("virtual vsscratch", csr_read(CSR_VSSCRATCH), 0x1234);
	expect("real sscratch (the payload's own)", csr_read(CSR_SSCRATCH),
	       0x5678);
}

/*
 * HLV, HLVX and HSV with a trap catcher: funct7 selects the width (and
 * HSV), rs2 = 1 is the unsigned load, 3 HLVX. Returns the scause of a
 * trap or -1.
 */
#define HLV(f7, r2, addr, out) ({					\
	ulong __v = 0;							\
	trap_catch.cause = -1UL;					\
	__asm__ volatile("la t1, trap_catch\n\tla t0, 1f\n\t"		\
			 "sd t0, 0(t1)\n\t"				\
			 ".insn r 0x73, 4, " #f7 ", %0, %1, x" #r2 "\n\t" \
			 "sd zero, 0(t1)\n1:"				\
			 : "+r"(__v) : "r"(addr) : "t0", "t1", "memory");	\
	*(out) = __v; trap_catch.cause; })
#define HSV(f7, addr, val) ({						\
	trap_catch.cause = -1UL;					\
	__asm__ volatile("la t1, trap_catch\n\tla t0, 1f\n\t"		\
			 "sd t0, 0(t1)\n\t"				\
			 ".insn r 0x73, 4, " #f7 ", x0, %0, %1\n\t"	\
			 "sd zero, 0(t1)\n1:"				\
			 : : "r"(addr), "r"(val) : "t0", "t1", "memory");	\
	trap_catch.cause; })

static volatile ulong hlsv_word = 0x8123456789abcdefUL;

/* HLV/HSV through the guest's G-stage (identity over RAM), VS-stage Bare */
static void nested_hlsv(void)
{
	ulong v, c, hlv0 = stat(NSTAT(N_HLV)), hsv0 = stat(NSTAT(N_HSV));
	ulong a = (ulong)&hlsv_word;

	csr_write(CSR_HSTATUS, host_hstatus | HSTATUS_SPVP);
	expect("hlv.d of guest memory", HLV(0x36, 0, a, &v), -1UL);
	expect("hlv.d value", v, 0x8123456789abcdefUL);
	expect("hlv.w sign-extends", (HLV(0x34, 0, a + 4, &v), v),
	       0xffffffff81234567UL);
	expect("hlv.wu zero-extends", (HLV(0x34, 1, a + 4, &v), v),
	       0x81234567UL);
	expect("hlv.b", (HLV(0x30, 0, a, &v), v), 0xffffffffffffffefUL);
	expect("hlvx.hu of guest code", (HLV(0x32, 3, (ulong)guest_pf, &v),
	       v), *(volatile unsigned short *)guest_pf);
	expect("hsv.w to guest memory", HSV(0x35, a, 0x11223344UL), -1UL);
	expect("hsv.w stored", hlsv_word, 0x8123456711223344UL);
	expect("hsv.b", (HSV(0x31, a + 7, 0x55), hlsv_word),
	       0x5523456711223344UL);
	expect("counters hlv, hsv",
	       (stat(NSTAT(N_HLV)) - hlv0) * 100 + stat(NSTAT(N_HSV)) - hsv0,
	       502);

	/* An unmapped GPA: a guest-page fault of HS-mode (SPV 0, GVA 1) */
	c = HLV(0x36, 0, 0x40000000UL, &v);
	expect("hlv.d of an unmapped GPA: load guest-page fault", c, 21);
	expect("its stval is the guest address", trap_catch.tval, 0x40000000);
	expect("its htval is GPA >> 2", csr_read(CSR_HTVAL), 0x40000000 >> 2);
	expect("its hstatus: GVA, not SPV",
	       csr_read(CSR_HSTATUS) & (HSTATUS_SPV | HSTATUS_GVA),
	       HSTATUS_GVA);
	expect("hsv.d to an unmapped GPA: store guest-page fault",
	       HSV(0x37, 0x40000000UL, 0), 23);

	/* Firmware memory, mapped by the guest's G-stage: PMP says no */
	c = HLV(0x36, 0, RAM_BASE, &v);
	expect("hlv.d of firmware memory faults (access or guest-page)",
	       c == 5 || c == 21, 1);
	expect("and returns nothing", v, 0);
	c = HSV(0x37, RAM_BASE, 0x5a5a5a5a5a5a5a5aUL);
	expect("hsv.d to firmware memory faults (access or guest-page)",
	       c == 7 || c == 23, 1);

	/* HLV from the L1's user mode without hstatus.HU is illegal: n/a */
	csr_write(CSR_HSTATUS, host_hstatus);
}

/*
 * The L1 runs a tiny L2: the same scenarios as the NACL harness's
 * direct runs, now with the payload's own SRET trapped (hstatus.SPV set
 * makes the L0 set VTSR), the L2 entered by the L0 and its traps taken
 * back into the payload's HS-mode.
 */
static void nested_l2(void)
{
	struct exit_info e;
	enum scenario sc;
	ulong sret0 = stat(NSTAT(N_SRET)), exit0 = stat(NSTAT(N_L2_EXIT));
	ulong irq0 = stat(NSTAT(N_L1_IRQ));

	guest_space_setup();

	for (sc = 0; sc < S_MAX; sc++) {
		run_scenario(sc, RUN_DIRECT, &e);
		expect_same(sc, RUN_DIRECT, "L2 exit", e.rc, 1);
		expect_same(sc, RUN_DIRECT, "scause", e.scause,
			    (ulong[]){ 21, 22, 10, 10, (1UL << 63) | 5, 2 }[sc]);
		expect_same(sc, RUN_DIRECT, "sstatus.SPP (from VS)", e.spp, 1);
		expect_same(sc, RUN_DIRECT, "hstatus SPV SPVP",
			    e.hstatus & (HSTATUS_SPV | HSTATUS_SPVP),
			    HSTATUS_SPV | HSTATUS_SPVP);
		expect_same(sc, RUN_DIRECT, "guest sp", e.x[2],
			    (ulong)&guest_stack[512]);
	}
	expect("L2 runs: one SRET each", stat(NSTAT(N_SRET)) - sret0, S_MAX);
	expect("L2 exceptions taken into the L1",
	       stat(NSTAT(N_L2_EXIT)) - exit0, S_MAX - 1);
	expect("L1 timer interrupt ended one L2 run",
	       stat(NSTAT(N_L1_IRQ)) - irq0, 1);

	expect_direct_runs("L2 of the nested L0");
	expect("L2's vscause (ebreak) kept in the virtual H-state",
	       csr_read(CSR_VSCAUSE), 3);
	run_scenario(S_VIRT, RUN_DIRECT, &e);
	expect("L2 virtual instruction: sepc in the guest",
	       e.sepc >= (ulong)guest_virt && e.sepc < (ulong)guest_virt + 64,
	       1);

	/*
	 * An interrupt L1 injects (hvip.VSSIP, delegated in hideleg, enabled
	 * in the L2's sie and sstatus.SIE): the spinning L2 takes it in its
	 * own handler, which reports vscause with an ecall.
	 */
	guest_prepare(guest_spin);
	csr_write(CSR_HEDELEG, 0);
	csr_write(CSR_VSTVEC, (ulong)guest_vs_handler);
	csr_write(CSR_HIDELEG, 1UL << 2);
	csr_write(CSR_HIE, 1UL << 2);
	csr_write(CSR_VSSTATUS, csr_read(CSR_VSSTATUS) | SSTATUS_SIE);
	csr_write(CSR_HVIP, 1UL << 2);
	csr_write(CSR_HSTATUS, host_hstatus | HSTATUS_SPV);
	e.rc = guest_run_direct(&ctx, shm(0));
	csr_write(CSR_HSTATUS, host_hstatus);
	expect("L2 with hvip.VSSIP: exits to the L1", e.rc, 1);
	expect("L2 with hvip.VSSIP: by its ecall", csr_read(CSR_SCAUSE), 10);
	expect("L2 took the injected VSSIP in VS-mode (vscause)", ctx.x[18],
	       (1UL << 63) | 1);
	csr_write(CSR_HVIP, 0);
	csr_write(CSR_HIE, 0);
	csr_write(CSR_HIDELEG, 0);
	csr_write(CSR_VSSTATUS, csr_read(CSR_VSSTATUS) & ~SSTATUS_SIE);

	nested_hlsv();

	/* Hostile: a G-stage root in firmware memory; the walk is denied */
	csr_write(CSR_HGATP, (8UL << 60) | (1UL << 44) | (RAM_BASE >> 12));
	run_scenario(S_ECALL, RUN_DIRECT, &e);
	expect("L2 with a G-stage root in firmware memory exits",
	       e.rc, 1);
	expect("with an access or guest-page fault on its first fetch",
	       e.scause == 1 || e.scause == 20, 1);
	csr_write(CSR_HGATP, 0);
}

/* A figure, not a test: instructions retired per emulated H-CSR read */
static void nested_cost(void)
{
	ulong i, t0, t1, t2;

	t0 = csr_read(CSR_INSTRET);
	for (i = 0; i < 1000; i++)
		(void)csr_read(CSR_SSCRATCH);
	t1 = csr_read(CSR_INSTRET);
	for (i = 0; i < 1000; i++)
		(void)csr_read(CSR_HSTATUS);
	t2 = csr_read(CSR_INSTRET);
	puts("nested: instructions per sscratch read (native) ");
	putdec((t1 - t0) / 1000);
	puts(", per hstatus read (emulated) ");
	putdec((t2 - t1) / 1000);
	putc('\n');
}

/*
 * Exact figures for the L0 cost model (firmware patch 0010): the least
 * instructions, over 8 tries, of one emulated hstatus read and one NACL
 * call (probe_feature), and of the guest ecall round trips measured by
 * test_sync_sret(): entered by the payload's own SRET (one emulated
 * trap) and by sync_sret (one NACL call). tests/firmware/run --trap-cost
 * and --nacl-cost compare them with the build without costs.
 */
static void nested_cost_exact(void)
{
	ulong i, t, read = -1UL, call = -1UL;

	for (i = 0; i < 8; i++) {
		t = csr_read(CSR_INSTRET);
		(void)csr_read(CSR_HSTATUS);
		t = csr_read(CSR_INSTRET) - t;
		read = t < read ? t : read;
		t = csr_read(CSR_INSTRET);
		nacl(SBI_EXT_NACL_PROBE_FEATURE, FEAT_SYNC_CSR, 0, 0);
		t = csr_read(CSR_INSTRET) - t;
		call = t < call ? t : call;
	}
	puts("nested: least instructions: hstatus_read=");
	putdec(read);
	puts(" nacl_call=");
	putdec(call);
	if (round_trip_least[RUN_DIRECT]) {
		puts(" sret_round_trip=");
		putdec(round_trip_least[RUN_DIRECT]);
		puts(" sync_sret_round_trip=");
		putdec(round_trip_least[RUN_NACL]);
	}
	putc('\n');
}

static void test_nested(void)
{
	puts("[fwtest] nested L0 mode: payload runs as L1 in VS-mode\n");
	test_probe();
	nested_counts();
	nested_hcsrs();
	nested_vscsrs();
	nested_l2();
	nested_cost();
	/*
	 * NACL served from the virtual H-state: the harness's protocol
	 * tests, its sync_sret runs compared field by field with the
	 * payload's own SRET into the same L2.
	 */
	if (features) {
		test_no_shmem();
		test_set_shmem();
		test_sync_csr();
		test_sync_hfence();
		test_sync_sret();
	}
	nested_cost_exact();
	puts("nested: virt_insn ");
	putdec(stat(NSTAT(N_VIRT_INSN)));
	puts(" illegal_insn ");
	putdec(stat(NSTAT(N_ILLEGAL_INSN)));
	putc('\n');
}

void main(ulong hartid, ulong fdt)
{
	struct sbiret r;
	ulong t0;
	static char byte;

	ram_size = fdt_ram_size(fdt);
	puts("[fwtest] NACL firmware test payload on hart ");
	putdec(hartid);
	putc('\n');

	r = sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_PROBE_EXT, SBI_EXT_NACL, 0, 0);
	if (FWTEST_NESTED) {
		expect("NACL extension present in nested mode",
		       !r.error && r.value, 1);
		test_nested();
	} else if (r.error || !r.value) {
		puts("nacl: absent\n");
		expect("probe_extension(NACL) error", r.error, SBI_SUCCESS);
		expect("probe_extension(NACL) value", r.value, 0);
		expect("NACL probe_feature answers not supported",
		       nacl_err(SBI_EXT_NACL_PROBE_FEATURE, 0, 0, 0),
		       SBI_ERR_NOT_SUPPORTED);
		expect("NACL set_shmem answers not supported",
		       nacl_err(SBI_EXT_NACL_SET_SHMEM, (ulong)shmem, 0, 0),
		       SBI_ERR_NOT_SUPPORTED);
		expect("NACL sync_sret answers not supported", guest_run(&ctx),
		       SBI_ERR_NOT_SUPPORTED);
	} else {
		test_probe();
		test_unknown_functions();
		test_no_shmem();
		test_set_shmem();
		test_sync_csr();
		test_sync_hfence();
		test_sync_sret();
		test_stats();
	}

	putdec(passed);
	puts(" passed, ");
	putdec(failed);
	puts(" failed\n");
	/*
	 * The host reads the firmware's memory back now and then sends a
	 * byte on the console; give up after a while without one.
	 */
	for (t0 = 0; t0 < 200000; t0++) {
		r = sbi_call(SBI_EXT_DBCN, SBI_EXT_DBCN_READ, 1,
			     (ulong)&byte, 0);
		if (!r.error && r.value)
			break;
	}
	shutdown();
}
