/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* naclscope CLI: subcommands and what they share. */
#ifndef NACLSCOPE_CLI_H
#define NACLSCOPE_CLI_H

#include <stdint.h>
#include "recording.h"

#define NS_PROG "naclscope"

/* one line "naclscope: ..." on stderr */
void ns_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* strtol/strtod with errno and range checks; 0 or -1 */
int ns_parse_long(const char *s, long min, long max, long *out);
int ns_parse_double(const char *s, double min, double max, double *out);

/* top's and stat's -i SECONDS, -c COUNT, -p PID and positional [interval] [count] */
struct ns_refresh {
	long interval;	/* seconds, 1..3600 */
	long count;	/* refreshes, 0: until Ctrl-C */
	long pid;	/* 0: every VMM */
};
struct argp_state;
/* 0 when key was one of them (bad values end in argp_error), else ARGP_ERR_UNKNOWN */
int ns_parse_refresh(int key, char *arg, struct argp_state *state, struct ns_refresh *r);

int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_stat(int argc, char **argv);

/* facts.c: host facts for a recording */
void ns_host_facts(struct ns_recording *r);

/* kvmstats.c: KVM debugfs statistics */
#define NS_KVM_DEBUGFS "/sys/kernel/debug/kvm"
/* {"<vm dir>": {"vm": {stat: value}, "vcpuN": {stat: value}}} of every VM now; NULL if unreadable */
json_t *ns_kvm_stats_read(const char *root, int only_pid);
/* Fold a newer snapshot into last (VMs keep their last values after they are gone). */
void ns_kvm_stats_merge(json_t *last, json_t *now);
/* last - first for every counter (first missing, or another VM's: 0) */
json_t *ns_kvm_stats_delta(json_t *first, json_t *last);
/*
 * Put the final counters of vCPUs destroyed during the recording (the
 * kvm_riscv_vcpu_stats event) into delta, summed per VM, less what first
 * had counted: they replace the last sample, which may be up to a poll
 * old or missing for a VM shorter than a poll. 0, or -1 on failure.
 */
int ns_kvm_stats_add_finals(json_t *first, json_t *delta, const struct ns_final_key *keys,
			    const struct ns_final *vals, size_t n);

/*
 * L0-trap equivalents from the series' vCPU counters: what would trap to a
 * real L0 hypervisor when L1 runs as its guest: H-CSR instructions, local
 * HFENCEs, SRETs on the switch_to path, and NACL ecalls (sync calls and
 * sync_sret entries). Summed over every vCPU of stats; -1 when the
 * counters are absent (kernel without the series).
 */
struct ns_l0 {
	long long hcsr_insn, hfence_local, sret, nacl_calls, entries;
	long long total;
};
int ns_kvm_l0(json_t *stats, struct ns_l0 *out);

/* report.c helpers shared with compare */
const char *ns_reason_str(const struct ns_key *k, char *buf, size_t len);

#endif /* NACLSCOPE_CLI_H */
