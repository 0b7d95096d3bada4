/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * A naclscope recording in memory, and its JSON form (docs/recording.md).
 * report and compare read only this, so recordings made on the riscv64
 * guest are analysed anywhere.
 */
#ifndef NACLSCOPE_RECORDING_H
#define NACLSCOPE_RECORDING_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <linux/types.h>
#include "naclscope.h"
#include "stats.h"

#define NS_SCHEMA		3	/* written; schemas 1 and 2 are still read */
#define NS_VERSION		"0.1"
#define NS_MAX_PROGS		16

#define NS_MEASURED(span)	(1U << (span))
/* what schema 1 recordings measured: series all three, -s the switch, degraded host and guest */
#define NS_MEASURED_V1		(NS_MEASURED(NS_SPAN_SWITCH) | NS_MEASURED(NS_SPAN_HOST) | \
				 NS_MEASURED(NS_SPAN_GUEST))
/* every span (record -g) */
#define NS_MEASURED_ALL		(NS_MEASURED_V1 | NS_MEASURED(NS_SPAN_EXIT))
/* the default recording: the switch and the exit's whole cost */
#define NS_MEASURED_DEFAULT	(NS_MEASURED(NS_SPAN_SWITCH) | NS_MEASURED(NS_SPAN_EXIT))
/* a degraded recording (kvm_entry/kvm_exit): no switch cycles */
#define NS_MEASURED_DEGRADED	(NS_MEASURED(NS_SPAN_HOST) | NS_MEASURED(NS_SPAN_GUEST) | \
				 NS_MEASURED(NS_SPAN_EXIT))

/* "switch_cycles", "exit_ns", "host_ns", "guest_ns" */
extern const char *const ns_span_keys[NS_SPANS];

/* Tallies by path and by mode: the known ones, then one slot for unknown. */
#define NS_PATH_SLOTS		(NS_PATHS + 1)
#define NS_MODE_SLOTS		(NS_MODES + 1)
static inline unsigned int ns_path_slot(unsigned int path)
{
	return path < NS_PATHS ? path : NS_PATHS;
}

static inline unsigned int ns_mode_slot(unsigned int mode)
{
	return mode < NS_MODES ? mode : NS_MODES;
}

struct ns_entry {
	struct ns_key key;
	struct ns_span span[NS_SPANS];
};

struct ns_prog_cost {
	char name[32];
	uint64_t run_cnt;
	uint64_t run_time_ns;
};

struct ns_recording {
	int schema;
	char *tool;
	char *kernel;		/* uname release */
	char *machine;		/* uname machine */
	char *sbi_impl;		/* NULL when unknown */
	char *sbi_version;
	char *nacl_param;	/* /sys/module/kvm/parameters/nacl_features, NULL if absent */
	long long nacl_offered;	/* -1 unknown */
	long long nacl_enabled;
	int degraded;		/* 1: kvm_entry/kvm_exit only */
	unsigned int measured;	/* NS_MEASURED(span) bits: the spans this recording measured */
	unsigned int timebase_hz; /* rate of the cycles in switch_cycles; 0 unknown */
	char *command;		/* NULL: not around a command */
	long long pid;		/* the -p filter, 0 for all */
	double duration_s;
	uint64_t drops;
	uint64_t vcpu_drops;
	uint64_t final_drops;	/* destroyed vCPUs whose final counters found no room */
	uint64_t bad_cycles;	/* switches whose cycles argument was a negative delta */
	size_t n;
	struct ns_entry *e;
	struct ns_counter cnt[NS_CNT_MAX];
	json_t *kvm_stats;	/* object or NULL; owned */
	int bpf_stats;		/* kernel BPF run-time stats were on (sampled) */
	double bpf_stats_s;	/* seconds they were on */
	unsigned int nprogs;
	struct ns_prog_cost prog[NS_MAX_PROGS];
};

void ns_rec_init(struct ns_recording *r);
void ns_rec_free(struct ns_recording *r);
/* Room for one more entry; NULL on allocation failure. */
struct ns_entry *ns_rec_add(struct ns_recording *r, const struct ns_key *key);
/* The entry of key k, or NULL. */
const struct ns_entry *ns_rec_find(const struct ns_recording *r, const struct ns_key *k);
/* The entry of key k, added when new; NULL on allocation failure. */
struct ns_entry *ns_rec_find_or_add(struct ns_recording *r, const struct ns_key *k);
uint64_t ns_rec_total_exits(const struct ns_recording *r);
/*
 * The exits of one key: the count of the span every exit has (the switch,
 * or the guest span of a degraded recording).
 */
uint64_t ns_entry_exits(const struct ns_recording *r, const struct ns_entry *e);
/* The span whose count is the number of exits: NS_SPAN_SWITCH or, degraded, NS_SPAN_GUEST. */
int ns_rec_count_span(const struct ns_recording *r);
/* Cycles of the time CSR in ns at the recording's timebase (10 MHz when unknown). */
double ns_rec_cycles_ns(const struct ns_recording *r, double cycles);
/*
 * Mean ns of the switch and of the handling (exit to next entry) of a
 * span set: the handling from host_ns when it was measured, else exit_ns
 * less the switch. Each is -1 when the recording cannot tell.
 */
struct ns_split {
	double exit_ns;		/* the whole round trip */
	double switch_ns;	/* the world switch (guest run included) */
	double handling_ns;	/* KVM's and user space's handling */
};
void ns_rec_split(const struct ns_recording *r, const struct ns_span *span, struct ns_split *out);

json_t *ns_rec_to_json(const struct ns_recording *r);
/* 0 or -1 with a one-line reason (no trailing newline) in err. */
int ns_rec_from_json(json_t *root, struct ns_recording *r, char *err, size_t errlen);
int ns_rec_load(const char *path, struct ns_recording *r, char *err, size_t errlen);
/* Writes path.tmp and renames it over path; "-" writes to stdout. */
int ns_json_save(json_t *root, const char *path, char *err, size_t errlen);
int ns_rec_save(const struct ns_recording *r, const char *path, char *err, size_t errlen);

#endif /* NACLSCOPE_RECORDING_H */
