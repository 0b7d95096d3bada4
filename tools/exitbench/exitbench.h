/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * exitbench: types shared by the CLI, the run loop and the report. Nothing
 * here depends on the architecture or on KVM headers, so option parsing
 * and the report build and are unit-tested on the host.
 */
#ifndef EXITBENCH_H
#define EXITBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "guest_abi.h"
#include "hostfacts.h"

#define EB_MAX_N	100000000L
#define EB_MAX_VCPUS	64
#define EB_MAX_VMS	16
#define EB_MAX_BATCH	1000000L
#define EB_DEF_BATCH	100
#define EB_DEF_TIMEOUT	120L		/* seconds per kind */
#define EB_MAX_TIMEOUT	86400L
#define EB_MAX_STATS	64
#define EB_STAT_NAME	48
#define EB_ERR_LEN	256
#define EB_JSON_SCHEMA	1

struct eb_opts {
	int kinds[EB_NR_KINDS];	/* EB_KIND_*, run in this order, each once */
	int nkinds;
	long n;			/* measured exits per vCPU */
	int vms;
	int vcpus;		/* per VM */
	long batch;		/* in-kernel exits per timed KVM_RUN */
	long timeout_s;		/* watchdog: seconds each kind may take */
	bool json;
	bool verbose;
};

struct eb_stat {
	char name[EB_STAT_NAME];
	uint64_t value;
};

struct eb_vcpu_result {
	int vm;
	int vcpu;
	bool ok;
	char error[EB_ERR_LEN];
	/* what the guest counted, total and per basic kind */
	uint64_t guest_total;
	uint64_t guest_kind[EB_NR_BASIC_KINDS];
	/* csr accesses completed by the guest's trap handler (EB_SLOT_CSR_ILLEGAL) */
	uint64_t csr_illegal;
	/* user exits the host saw in the measured window, per basic kind */
	uint64_t host_kind[EB_NR_BASIC_KINDS];
	/* KVM_RUN round trips in the measured window that carried exits */
	uint64_t runs;
	uint64_t total_ns;
	uint64_t min_ns;	/* smallest per-exit time of one run */
	uint64_t max_ns;	/* largest per-exit time of one run */
	/* control exits: set-up (before start, incl. the start call),
	 * in-window (batch + done calls) and teardown (the done call) */
	uint64_t setup_user_exits;
	uint64_t setup_kvm_exits;	/* KVM "exits" stat, creation..start */
	uint64_t setup_sbi_kernel_calls; /* SBI calls KVM answered in set-up */
	uint64_t window_ctl_exits;
	uint64_t teardown_user_exits;
	/* KVM binary stats of the vCPU, delta over the measured window */
	struct eb_stat stats[EB_MAX_STATS];
	unsigned int nstats;
};

/* One kind's run: its vCPUs' results, or why it could not run. */
struct eb_run {
	int kind;
	bool ok;
	char error[EB_ERR_LEN + 32];	/* why it failed: set-up, watchdog, first vCPU's error */
	struct eb_vcpu_result *r;
	size_t nr;
};

/* kinds */
const char *eb_kind_name(int kind);
int eb_kind_from_name(const char *name);
bool eb_kind_is_user(int kind);
/* measured exits of basic kind @k for a run of @n exits of @kind */
uint64_t eb_expected(int kind, long n, int k);
/* KVM stat that counts basic kind @k exactly, or NULL */
const char *eb_kind_stat(int k);
/* in-kernel SBI calls the guest of @kind makes in its set-up (SBI TIME for wfi, mix) */
unsigned int eb_setup_sbi_kernel_calls(int kind);
/* the batch size the guest of @kind gets: 0 (no batch calls) for user-exit kinds and mix */
long eb_kind_batch(int kind, long batch);

/*
 * Parse the command line. Returns 0 to run, 1 if --help/--usage/--version
 * printed something (exit 0), 2 on bad input with a one-line message in
 * @err.
 */
int eb_parse_args(int argc, char **argv, struct eb_opts *o, char *err, size_t errlen);

/* checks and watchdog */
/*
 * The checks of one vCPU's run of @kind: the guest's counts, the host's
 * and KVM's stats must agree. The first disagreement fails @r.
 */
void eb_verify(int kind, long n, struct eb_vcpu_result *r);
/* fail @r (keeps the first error) */
void eb_vcpu_fail(struct eb_vcpu_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* the watchdog's message for a vCPU still in KVM_RUN at the deadline */
void eb_timeout_error(struct eb_vcpu_result *r, long timeout_s, bool setup, uint64_t iteration, long n);
/* the run's verdict from its vCPUs (keeps an error already set) */
void eb_run_finish(struct eb_run *run);
/* 0 when every run passed, 1 otherwise */
int eb_exit_status(const struct eb_run *runs, size_t nruns);

/* report */
uint64_t eb_stat_get(const struct eb_vcpu_result *r, const char *name, bool *found);
/*
 * One kind: the schema-1 document (kind, results, total, ok, and error
 * when it failed). Several: {kinds, runs: [one per kind, as above without
 * the facts], failed: {kind: reason}, ok}.
 */
json_t *eb_report_json(const struct eb_opts *o, const struct hf_facts *f,
		       const struct eb_run *runs, size_t nruns);
void eb_report_table(FILE *out, const struct eb_opts *o, const struct hf_facts *f,
		     const struct eb_run *runs, size_t nruns);

#endif
