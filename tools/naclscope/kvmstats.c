// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * KVM statistics from debugfs: /sys/kernel/debug/kvm/<pid>-<fd>/ holds one
 * file per VM counter and vcpuN/ directories with the vCPU counters (the
 * series' NACL counters among them). A VM's directory goes away with the
 * VM, so record keeps the last values it saw.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "kvm_stats_names.h"

static int read_u64(int dirfd, const char *name, long long *out)
{
	char buf[64], *end;
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	errno = 0;
	*out = strtoll(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || *out < 0)
		return -1;
	return 0;
}

/* {stat: value} for the regular files of one directory; subdirectories go to sub. */
static json_t *read_dir(int dirfd, json_t *parent)
{
	json_t *o = json_object();
	struct dirent *de;
	long long v;
	DIR *d;
	int fd;

	fd = dup(dirfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return o;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_DIR && parent && !strncmp(de->d_name, "vcpu", 4)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY);

			if (sub >= 0) {
				json_object_set_new(parent, de->d_name, read_dir(sub, NULL));
				close(sub);
			}
			continue;
		}
		if (de->d_type != DT_REG)
			continue;
		if (!read_u64(dirfd, de->d_name, &v))
			json_object_set_new(o, de->d_name, json_integer(v));
	}
	closedir(d);
	return o;
}

json_t *ns_kvm_stats_read(const char *root, int only_pid)
{
	json_t *all, *vm;
	struct dirent *de;
	char prefix[32];
	DIR *d = opendir(root);
	int fd;

	if (!d)
		return NULL;
	all = json_object();
	snprintf(prefix, sizeof(prefix), "%d-", only_pid);
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.' || !strchr(de->d_name, '-'))
			continue;
		if (only_pid && strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			continue;
		vm = json_object();
		json_object_set_new(vm, "vm", read_dir(fd, vm));
		close(fd);
		json_object_set_new(all, de->d_name, vm);
	}
	closedir(d);
	return all;
}

/* The series' vm_id of one VM's stats ("vm": {"vm_id": N}), -1 without the series. */
static long long vm_id_of(json_t *vm)
{
	json_t *v = json_object_get(json_object_get(vm, "vm"), "vm_id");

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/*
 * Keep the newest sample of every VM. A directory name (<pid>-<fd>) that
 * now belongs to another VM (the VMM closed one VM and its next took the
 * same fd) keeps the earlier VM's last sample under <pid>-<fd>@vm<id>.
 */
void ns_kvm_stats_merge(json_t *last, json_t *now)
{
	char moved[96];
	const char *k;
	json_t *v, *old;

	if (!last || !now)
		return;
	json_object_foreach(now, k, v) {
		old = json_object_get(last, k);
		if (old && vm_id_of(old) >= 0 && vm_id_of(old) != vm_id_of(v)) {
			snprintf(moved, sizeof(moved), "%s@vm%lld", k, vm_id_of(old));
			json_object_set(last, moved, old);
		}
		json_object_set(last, k, v);
	}
}

/* The key of VM (pid, vm_id) in stats: its sampled directory, else NULL. */
static const char *find_vm(json_t *stats, unsigned int pid, unsigned int vm_id)
{
	char prefix[32];
	const char *k;
	json_t *v;

	snprintf(prefix, sizeof(prefix), "%u-", pid);
	json_object_foreach(stats, k, v)
		if (!strncmp(k, prefix, strlen(prefix)) && vm_id_of(v) == (long long)vm_id)
			return k;
	return NULL;
}

/*
 * What VM vm (sampled under key) had counted at the start: the same VM
 * (by vm_id with the series, else by directory name) in first, or NULL.
 */
static json_t *first_of(json_t *first, const char *key, json_t *vm)
{
	long long id = vm_id_of(vm);
	unsigned int pid;
	const char *k;

	if (!first)
		return NULL;
	if (id < 0)
		return json_object_get(first, key);
	if (sscanf(key, "%u-", &pid) != 1)
		return NULL;
	k = find_vm(first, pid, (unsigned int)id);
	return k ? json_object_get(first, k) : NULL;
}

json_t *ns_kvm_stats_delta(json_t *first, json_t *last)
{
	json_t *out = json_object(), *vm, *grp, *v, *fvm, *fgrp, *ovm, *ogrp;
	const char *vmk, *gk, *sk;
	long long d;

	if (!last)
		return out;
	json_object_foreach(last, vmk, vm) {
		fvm = first_of(first, vmk, vm);
		ovm = json_object();
		json_object_foreach(vm, gk, grp) {
			fgrp = fvm ? json_object_get(fvm, gk) : NULL;
			ogrp = json_object();
			json_object_foreach(grp, sk, v) {
				d = json_integer_value(v);
				if (fgrp && strcmp(sk, "vm_id") && json_is_integer(json_object_get(fgrp, sk)))
					d -= json_integer_value(json_object_get(fgrp, sk));
				json_object_set_new(ogrp, sk, json_integer(d));
			}
			json_object_set_new(ovm, gk, ogrp);
		}
		json_object_set_new(out, vmk, ovm);
	}
	return out;
}

/* The statistic names of struct ns_final's values, in enum ns_final_id order. */
static const char *const final_names[NS_FINALS] = {
	[NS_FINAL_EXITS] = NS_STAT_EXITS,
	[NS_FINAL_SWITCH_TO_ENTRIES] = NS_STAT_SWITCH_TO_ENTRIES,
	[NS_FINAL_NACL_SRET_ENTRIES] = NS_STAT_NACL_SRET_ENTRIES,
	[NS_FINAL_HCSR_INSN_ACCESSES] = NS_STAT_HCSR_INSN_ACCESSES,
	[NS_FINAL_HFENCE_LOCAL] = NS_STAT_HFENCE_LOCAL,
	[NS_FINAL_NACL_SYNC_CALLS] = NS_STAT_NACL_SYNC_CALLS,
};

int ns_kvm_stats_add_finals(json_t *first, json_t *delta, const struct ns_final_key *keys,
			    const struct ns_final *vals, size_t n)
{
	json_t *vm, *grp, *fgrp;
	unsigned int j;
	size_t i, m;
	char name[64];
	const char *k, *fk;

	if (!delta)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned long long sum[NS_FINALS] = { 0 };

		/* once per VM: its first vCPU in the list */
		for (m = 0; m < i; m++)
			if (keys[m].pid == keys[i].pid && keys[m].vm == keys[i].vm)
				break;
		if (m < i)
			continue;
		for (m = i; m < n; m++)
			if (keys[m].pid == keys[i].pid && keys[m].vm == keys[i].vm)
				for (j = 0; j < NS_FINALS; j++)
					sum[j] += vals[m].v[j];
		k = find_vm(delta, keys[i].pid, keys[i].vm);
		if (!k) {
			snprintf(name, sizeof(name), "%u-vm%u", keys[i].pid, keys[i].vm);
			vm = json_pack("{s{sI}}", "vm", "vm_id", (json_int_t)keys[i].vm);
			if (!vm || json_object_set_new(delta, name, vm))
				return -1;
			k = name;
		}
		vm = json_object_get(delta, k);
		grp = json_object_get(vm, "vm");
		/* what the VM had counted when the recording started */
		fk = first ? find_vm(first, keys[i].pid, keys[i].vm) : NULL;
		fgrp = fk ? json_object_get(json_object_get(first, fk), "vm") : NULL;
		for (j = 0; j < NS_FINALS; j++) {
			long long start = json_integer_value(json_object_get(fgrp, final_names[j]));

			json_object_set_new(grp, final_names[j], json_integer((long long)sum[j] - start));
		}
		/* the per-vCPU groups, where a kernel has them, would be stale */
		{
			void *it = json_object_iter(vm);

			while (it) {
				const char *gk = json_object_iter_key(it);

				it = json_object_iter_next(vm, it);
				if (!strncmp(gk, "vcpu", 4))
					json_object_del(vm, gk);
			}
		}
	}
	return 0;
}

/*
 * A vCPU counter summed over every vCPU of every VM: from vcpuN groups
 * where they hold it, else from the VM directory, where KVM's debugfs
 * shows each vCPU counter summed over the VM's vCPUs.
 */
static long long vcpu_sum(json_t *stats, const char *name, int *found)
{
	json_t *vm, *grp, *v;
	const char *vmk, *gk;
	long long sum = 0, vm_sum;
	int in_vcpus;

	json_object_foreach(stats, vmk, vm) {
		in_vcpus = 0;
		vm_sum = 0;
		json_object_foreach(vm, gk, grp) {
			v = json_object_get(grp, name);
			if (!json_is_integer(v))
				continue;
			if (!strncmp(gk, "vcpu", 4)) {
				sum += json_integer_value(v);
				in_vcpus = 1;
			} else if (!strcmp(gk, "vm")) {
				vm_sum = json_integer_value(v);
			}
			*found = 1;
		}
		if (!in_vcpus)
			sum += vm_sum;
	}
	return sum;
}

int ns_kvm_l0(json_t *stats, struct ns_l0 *out)
{
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (!stats)
		return -1;
	out->hcsr_insn = vcpu_sum(stats, NS_STAT_HCSR_INSN_ACCESSES, &found);
	if (!found)
		return -1;
	out->hfence_local = vcpu_sum(stats, NS_STAT_HFENCE_LOCAL, &found);
	out->sret = vcpu_sum(stats, NS_STAT_SWITCH_TO_ENTRIES, &found);
	out->nacl_calls = vcpu_sum(stats, NS_STAT_NACL_SYNC_CALLS, &found) +
			  vcpu_sum(stats, NS_STAT_NACL_SRET_ENTRIES, &found);
	out->entries = out->sret + vcpu_sum(stats, NS_STAT_NACL_SRET_ENTRIES, &found);
	out->total = out->hcsr_insn + out->hfence_local + out->sret + out->nacl_calls;
	return 0;
}
