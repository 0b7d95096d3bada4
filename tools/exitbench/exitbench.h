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
#define EB_MAX_STATS	64
#define EB_STAT_NAME	48
#define EB_JSON_SCHEMA	1

struct eb_opts {
	int kind;		/* EB_KIND_* */
	long n;			/* measured exits per vCPU */
	int vms;
	int vcpus;		/* per VM */
	long batch;		/* in-kernel exits per timed KVM_RUN */
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
	char error[160];
	/* what the guest counted, total and per basic kind */
	uint64_t guest_total;
	uint64_t guest_kind[EB_NR_BASIC_KINDS];
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
	uint64_t window_ctl_exits;
	uint64_t teardown_user_exits;
	/* KVM binary stats of the vCPU, delta over the measured window */
	struct eb_stat stats[EB_MAX_STATS];
	unsigned int nstats;
};

/* kinds */
const char *eb_kind_name(int kind);
int eb_kind_from_name(const char *name);
bool eb_kind_is_user(int kind);
/* measured exits of basic kind @k for a run of @n exits of @kind */
uint64_t eb_expected(int kind, long n, int k);
/* KVM stat that counts basic kind @k exactly, or NULL */
const char *eb_kind_stat(int k);

/*
 * Parse the command line. Returns 0 to run, 1 if --help/--usage/--version
 * printed something (exit 0), 2 on bad input with a one-line message in
 * @err.
 */
int eb_parse_args(int argc, char **argv, struct eb_opts *o, char *err, size_t errlen);

/* report */
uint64_t eb_stat_get(const struct eb_vcpu_result *r, const char *name, bool *found);
json_t *eb_report_json(const struct eb_opts *o, const struct hf_facts *f,
		       const struct eb_vcpu_result *r, size_t nr);
void eb_report_table(FILE *out, const struct eb_opts *o, const struct hf_facts *f,
		     const struct eb_vcpu_result *r, size_t nr);

#endif
