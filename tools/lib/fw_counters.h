/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The per-hart counters of the naclscope OpenSBI series, by name in the
 * firmware's id order: the NACL set (enum sbi_nacl_stat_id, ids from 0)
 * and the nested L0's (enum sbi_nested_stat_id, ids from 0x100, printed
 * with a "nested_" prefix). naclscope_fw.ko names what it reads with these
 * lists, and scripts/build-firmware checks them against the enums of the
 * patched tree it builds: a counter added, removed or moved in
 * firmware/patches fails the firmware build until this file follows.
 */
#ifndef NACLSCOPE_FW_COUNTERS_H
#define NACLSCOPE_FW_COUNTERS_H

#define NS_FW_NACL_COUNTERS \
	"probe_feature", "set_shmem", "sync_csr", "sync_hfence", "sync_sret", \
	"unknown_func", "guest_traps", "guest_exits", "csr_writes", \
	"hfence_entries", "hfence_malformed", "direct_traps"

#define NS_FW_NESTED_COUNTERS \
	"virt_insn", "hcsr_read", "hcsr_write", "vscsr_read", "vscsr_write", \
	"illegal_insn", "sbi_call", "irq_ext", "ipi", "plic_access", "hfence", \
	"sret", "l2_exit", "l1_irq", "hlv", "hsv", \
	"sbi_base", "sbi_time", "sbi_ipi", "sbi_rfence", "sbi_hsm", "sbi_srst", \
	"sbi_dbcn", "sbi_nacl", "sbi_other"

#endif /* NACLSCOPE_FW_COUNTERS_H */
