/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The KVM vCPU statistics of the naclscope kernel series (kernel/patches
 * 0004, docs/tracepoints.md), by name as KVM_GET_STATS_FD and debugfs
 * report them: the one place the tools spell them. Arrays are indexed by
 * the path and hstatus mode values of bpf/naclscope.h.
 */
#ifndef NACLSCOPE_KVM_STATS_NAMES_H
#define NACLSCOPE_KVM_STATS_NAMES_H

#define NS_STAT_EXITS			"exits"		/* upstream: every exit, so every entry */
#define NS_STAT_SWITCH_TO_ENTRIES	"switch_to_entries"
#define NS_STAT_NACL_SRET_ENTRIES	"nacl_sret_entries"
#define NS_STAT_HSTATUS_DIRECT		"hstatus_direct"
#define NS_STAT_HSTATUS_SYNC_CSR	"hstatus_sync_csr"
#define NS_STAT_HSTATUS_AUTOSWAP	"hstatus_autoswap"
#define NS_STAT_HCSR_SHMEM_ACCESSES	"hcsr_shmem_accesses"
#define NS_STAT_HCSR_INSN_ACCESSES	"hcsr_insn_accesses"
#define NS_STAT_HFENCE_LOCAL		"hfence_local"
#define NS_STAT_NACL_SYNC_CALLS		"nacl_sync_calls"

/* entries per world-switch path: index NS_PATH_SWITCH_TO, NS_PATH_SYNC_SRET */
#define NS_STAT_PATH_ENTRIES		{ NS_STAT_SWITCH_TO_ENTRIES, NS_STAT_NACL_SRET_ENTRIES }
/* entries per hstatus mode: index NS_MODE_DIRECT, NS_MODE_SYNC_CSR, NS_MODE_AUTOSWAP */
#define NS_STAT_MODE_ENTRIES		{ NS_STAT_HSTATUS_DIRECT, NS_STAT_HSTATUS_SYNC_CSR, \
					  NS_STAT_HSTATUS_AUTOSWAP }

#endif /* NACLSCOPE_KVM_STATS_NAMES_H */
