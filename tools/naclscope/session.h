/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* The BPF session shared by record and top (session.c). */
#ifndef NACLSCOPE_SESSION_H
#define NACLSCOPE_SESSION_H

#include <signal.h>
#include <jansson.h>
#include "recording.h"

struct naclscope_bpf;

extern volatile sig_atomic_t ns_exiting;	/* set by SIGINT/SIGTERM */
extern int ns_verbose;				/* -v: libbpf debug output */

void ns_session_signals(void);
double ns_now_s(void);
/* Root, riscv64, /dev/kvm, and pid (0: any) alive; else one line on stderr and -1. */
int ns_session_check_env(long pid);
/*
 * Open, set the filters, load and attach; *degraded says which program set
 * runs, *hz the timebase read from the device tree (0: unknown). NULL
 * after one line on stderr.
 */
struct naclscope_bpf *ns_session_open(unsigned int targ_pid, int switch_only, int guest,
				      int *degraded, unsigned int *hz);
/* One map span into a recording span (merging CPUs and keys). */
void ns_bspan_to_span(const struct ns_bspan *b, struct ns_span *s);
/* Every CPU's slots merged by key into r, the counters summed; -1 on failure. */
int ns_session_collect(struct naclscope_bpf *skel, struct ns_recording *r);
/* The final counters of the vCPUs destroyed while recording, into r->kvm_stats. */
int ns_session_collect_finals(struct naclscope_bpf *skel, json_t *first, struct ns_recording *r);
/* Run counts and times of the programs (kernel BPF stats) into r. */
void ns_session_prog_costs(struct naclscope_bpf *skel, struct ns_recording *r);

#endif /* NACLSCOPE_SESSION_H */
