// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Names for exit reasons. RISC-V keeps interrupts and exceptions in two
 * number spaces told apart by scause's top bit: cause 5 is a supervisor
 * timer interrupt or a load access fault depending on it, so both are
 * always part of the name ("irq:" or "exc:").
 */
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "naclscope.h"
#include "names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const path_names[] = { "switch_to", "sync_sret" };
static const char *const mode_names[] = { "direct", "sync_csr", "autoswap" };

const char *ns_path_name(unsigned int path)
{
	return path < ARRAY_SIZE(path_names) ? path_names[path] : "unknown";
}

const char *ns_mode_name(unsigned int mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "unknown";
}

int ns_path_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(path_names); i++)
		if (!strcmp(s, path_names[i]))
			return i;
	return strcmp(s, "unknown") ? -1 : NS_PATH_UNKNOWN;
}

int ns_mode_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(s, mode_names[i]))
			return i;
	return strcmp(s, "unknown") ? -1 : NS_MODE_UNKNOWN;
}

static const char *const irq_names[] = {
	[1] = "s_soft", [2] = "vs_soft", [3] = "m_soft",
	[5] = "s_timer", [6] = "vs_timer", [7] = "m_timer",
	[9] = "s_ext", [10] = "vs_ext", [11] = "m_ext",
	[12] = "s_guest_ext", [13] = "pmu_overflow",
};

static const char *const exc_names[] = {
	[0] = "insn_misaligned", [1] = "insn_access_fault", [2] = "illegal_insn",
	[3] = "breakpoint", [4] = "load_misaligned", [5] = "load_access_fault",
	[6] = "store_misaligned", [7] = "store_access_fault", [8] = "ecall_u",
	[9] = "ecall_hs", [10] = "ecall_vs", [11] = "ecall_m",
	[12] = "insn_page_fault", [13] = "load_page_fault", [15] = "store_page_fault",
	[18] = "software_check", [19] = "hardware_error",
	[20] = "insn_guest_page_fault", [21] = "load_guest_page_fault",
	[22] = "virtual_instruction", [23] = "store_guest_page_fault",
};

const char *ns_cause_name(int intr, unsigned int cause)
{
	if (intr)
		return cause < ARRAY_SIZE(irq_names) ? irq_names[cause] : NULL;
	return cause < ARRAY_SIZE(exc_names) ? exc_names[cause] : NULL;
}

struct sbi_ext {
	uint32_t id;
	const char *name;
	const char *const *fids;
	unsigned int nfids;
};

static const char *const base_fids[] = { "get_spec_version", "get_impl_id", "get_impl_version",
	"probe_extension", "get_mvendorid", "get_marchid", "get_mimpid" };
static const char *const time_fids[] = { "set_timer" };
static const char *const ipi_fids[] = { "send_ipi" };
static const char *const rfence_fids[] = { "remote_fence_i", "remote_sfence_vma",
	"remote_sfence_vma_asid", "remote_hfence_gvma_vmid", "remote_hfence_gvma",
	"remote_hfence_vvma_asid", "remote_hfence_vvma" };
static const char *const hsm_fids[] = { "hart_start", "hart_stop", "hart_get_status",
	"hart_suspend" };
static const char *const srst_fids[] = { "system_reset" };
static const char *const pmu_fids[] = { "num_counters", "counter_get_info",
	"counter_config_matching", "counter_start", "counter_stop", "counter_fw_read",
	"counter_fw_read_hi", "snapshot_set_shmem", "event_get_info" };
static const char *const dbcn_fids[] = { "console_write", "console_read",
	"console_write_byte" };
static const char *const susp_fids[] = { "system_suspend" };
static const char *const sta_fids[] = { "steal_time_set_shmem" };
static const char *const nacl_fids[] = { "probe_feature", "set_shmem", "sync_csr",
	"sync_hfence", "sync_sret" };
static const char *const legacy_fids[] = { "" };

#define EXT(id, name, f) { id, name, f, ARRAY_SIZE(f) }
static const struct sbi_ext sbi_exts[] = {
	EXT(0x10, "BASE", base_fids),
	EXT(0x54494D45, "TIME", time_fids),
	EXT(0x735049, "IPI", ipi_fids),
	EXT(0x52464E43, "RFENCE", rfence_fids),
	EXT(0x48534D, "HSM", hsm_fids),
	EXT(0x53525354, "SRST", srst_fids),
	EXT(0x504D55, "PMU", pmu_fids),
	EXT(0x4442434E, "DBCN", dbcn_fids),
	EXT(0x53555350, "SUSP", susp_fids),
	EXT(0x535441, "STA", sta_fids),
	EXT(NS_SBI_EXT_NACL, "NACL", nacl_fids),
	{ 0x46574654, "FWFT", NULL, 0 },
	{ 0x4D505859, "MPXY", NULL, 0 },
	{ 0x44425452, "DBTR", NULL, 0 },
	EXT(0x0, "legacy_set_timer", legacy_fids),
	EXT(0x1, "legacy_console_putchar", legacy_fids),
	EXT(0x2, "legacy_console_getchar", legacy_fids),
	EXT(0x3, "legacy_clear_ipi", legacy_fids),
	EXT(0x4, "legacy_send_ipi", legacy_fids),
	EXT(0x5, "legacy_remote_fence_i", legacy_fids),
	EXT(0x6, "legacy_remote_sfence_vma", legacy_fids),
	EXT(0x7, "legacy_remote_sfence_vma_asid", legacy_fids),
	EXT(0x8, "legacy_shutdown", legacy_fids),
};

static const struct sbi_ext *find_ext(uint32_t ext)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sbi_exts); i++)
		if (sbi_exts[i].id == ext)
			return &sbi_exts[i];
	return NULL;
}

const char *ns_sbi_ext_name(uint32_t ext)
{
	const struct sbi_ext *e = find_ext(ext);

	return e ? e->name : NULL;
}

const char *ns_sbi_fid_name(uint32_t ext, uint32_t fid)
{
	const struct sbi_ext *e = find_ext(ext);

	if (!e || fid >= e->nfids)
		return NULL;
	return e->fids[fid];
}

const char *ns_nacl_fid_name(unsigned int fid)
{
	return fid < ARRAY_SIZE(nacl_fids) ? nacl_fids[fid] : NULL;
}

struct csr_name {
	unsigned int csr;
	const char *name;
};

/* CSRs a guest's virtual-instruction faults name: hypervisor and VS CSRs, counters, seed */
static const struct csr_name csr_names[] = {
	{ 0x015, "seed" }, { 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" },
	{ 0x106, "scounteren" }, { 0x10a, "senvcfg" }, { 0x140, "sscratch" }, { 0x141, "sepc" },
	{ 0x142, "scause" }, { 0x143, "stval" }, { 0x144, "sip" }, { 0x14d, "stimecmp" },
	{ 0x180, "satp" }, { 0x200, "vsstatus" }, { 0x204, "vsie" }, { 0x205, "vstvec" },
	{ 0x240, "vsscratch" }, { 0x241, "vsepc" }, { 0x242, "vscause" }, { 0x243, "vstval" },
	{ 0x244, "vsip" }, { 0x24d, "vstimecmp" }, { 0x280, "vsatp" }, { 0x600, "hstatus" },
	{ 0x602, "hedeleg" }, { 0x603, "hideleg" }, { 0x604, "hie" }, { 0x605, "htimedelta" },
	{ 0x606, "hcounteren" }, { 0x607, "hgeie" }, { 0x60a, "henvcfg" }, { 0x643, "htval" },
	{ 0x644, "hip" }, { 0x645, "hvip" }, { 0x64a, "htinst" }, { 0x680, "hgatp" },
	{ 0xc00, "cycle" }, { 0xc01, "time" }, { 0xc02, "instret" }, { 0xe12, "hgeip" },
};

const char *ns_csr_name(unsigned int csr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(csr_names); i++)
		if (csr_names[i].csr == csr)
			return csr_names[i].name;
	if (csr >= 0xc03 && csr <= 0xc1f)
		return "hpmcounter";
	return NULL;
}

static const char *system_insn_name(unsigned int funct12)
{
	switch (funct12) {
	case 0x000: return "ecall";
	case 0x001: return "ebreak";
	case 0x102: return "sret";
	case 0x105: return "wfi";
	case 0x302: return "mret";
	}
	switch (funct12 >> 5) {		/* funct7 */
	case 0x09: return "sfence.vma";
	case 0x11: return "hfence.vvma";
	case 0x31: return "hfence.gvma";
	case 0x0b: return "sinval.vma";
	case 0x13: return "hinval.vvma";
	case 0x33: return "hinval.gvma";
	case 0x30: case 0x32: case 0x34: case 0x35: case 0x36: case 0x37:
		return "hlv/hsv";
	}
	return NULL;
}

void ns_reason_name(int intr, uint32_t cause, uint32_t ext, uint32_t sub, char *buf, size_t len)
{
	const char *c = ns_cause_name(intr, cause), *e, *f;
	char cbuf[24];
	int n;

	if (!c) {
		if (cause == 0xffffffff && !intr)
			c = "unknown";
		else {
			snprintf(cbuf, sizeof(cbuf), "%u", cause);
			c = cbuf;
		}
	}
	n = snprintf(buf, len, "%s:%s", intr ? "irq" : "exc", c);
	if (n < 0 || (size_t)n >= len || intr)
		return;
	buf += n;
	len -= n;
	if (cause == NS_CAUSE_VS_ECALL && (ext || sub)) {
		e = ns_sbi_ext_name(ext);
		f = ns_sbi_fid_name(ext, sub);
		if (e && f && *f)
			snprintf(buf, len, "/%s.%s", e, f);
		else if (e && f)
			snprintf(buf, len, "/%s", e);
		else if (e)
			snprintf(buf, len, "/%s.fid%u", e, sub);
		else
			snprintf(buf, len, "/ext%#x.fid%u", ext, sub);
	} else if (cause == NS_CAUSE_VIRT_INSN && sub) {
		unsigned int x = sub & NS_SUB_INSN_MASK;

		if (sub & NS_SUB_CSR) {
			f = ns_csr_name(x);
			if (f)
				snprintf(buf, len, "/csr:%s", f);
			else
				snprintf(buf, len, "/csr:%#x", x);
		} else if (sub & NS_SUB_SYSTEM) {
			f = system_insn_name(x);
			if (f)
				snprintf(buf, len, "/%s", f);
			else
				snprintf(buf, len, "/system:%#x", x);
		} else {
			snprintf(buf, len, "/opcode:%#x", sub);
		}
	}
}

static const char *const hfence_types[] = { "unknown", "gvma_vmid_gpa", "gvma_vmid_all",
	"vvma_asid_gva", "vvma_asid_all", "vvma_gva", "vvma_all", "gvma_all" };
static const char *const hfence_vias[] = { "local", "nacl", "remote" };

const char *ns_hfence_type_name(unsigned int type)
{
	return type < ARRAY_SIZE(hfence_types) ? hfence_types[type] : "unknown";
}

const char *ns_hfence_via_name(unsigned int via)
{
	return via < ARRAY_SIZE(hfence_vias) ? hfence_vias[via] : "unknown";
}
