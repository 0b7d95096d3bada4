/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * exitbench VM set-up through the KVM API: VM, one memslot holding the
 * guest code and the per-vCPU counters, vCPUs with their registers set by
 * KVM_SET_ONE_REG, and the vCPU binary stats (KVM_GET_STATS_FD).
 */
#ifndef EXITBENCH_VM_H
#define EXITBENCH_VM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "exitbench.h"

struct eb_stats_fd {
	int fd;
	uint32_t data_offset;
	unsigned int n;				/* counters kept */
	char names[EB_MAX_STATS][EB_STAT_NAME];
	uint32_t offsets[EB_MAX_STATS];		/* byte offset in the data block */
	size_t data_size;
	uint8_t *buf;				/* data_size bytes */
};

struct eb_vcpu {
	struct eb_vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	struct eb_stats_fd stats;
};

struct eb_vm {
	int index;
	int fd;
	uint8_t *mem;		/* host mapping of the memslot */
	int nr_vcpus;
	struct eb_vcpu vcpus[EB_MAX_VCPUS];
};

/* open /dev/kvm; on failure a one-line reason in @err and -1 */
int eb_kvm_open(char *err, size_t errlen);
int eb_vm_create(struct eb_vm *vm, int kvm_fd, int index, int nr_vcpus,
		 const void *code, size_t code_size, char *err, size_t errlen);
/* registers: pc at the guest entry, a0..a5 as guest.S expects them */
int eb_vcpu_setup(struct eb_vcpu *v, int kind, long n, long batch, char *err, size_t errlen);
void eb_vm_destroy(struct eb_vm *vm);

/* this vCPU's counter slot in host memory */
volatile uint64_t *eb_vcpu_slot(struct eb_vcpu *v);

int eb_stats_open(struct eb_stats_fd *s, int vcpu_fd, char *err, size_t errlen);
int eb_stats_read(struct eb_stats_fd *s, uint64_t *values);
void eb_stats_close(struct eb_stats_fd *s);

#endif
