// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * naclscope stat: the KVM counters of every VM and vCPU, kvm_stat style
 * (kvm_stat itself does not start on riscv64): per VM one row per counter
 * with the total, the rate over the last interval and the per-vCPU values.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

static struct {
	struct ns_refresh r;
	int skip_zero;
	const char *debugfs;
} env = { .r = { .interval = 1 }, .debugfs = NS_KVM_DEBUGFS };

static volatile sig_atomic_t exiting;

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

static const char doc[] =
"Show the KVM counters of every VM and vCPU, refreshed in place.\n"
"\n"
"USAGE: naclscope stat [-p PID] [-i SECONDS] [-c COUNT] [-z] [interval] [count]\n"
"\n"
"EXAMPLES:\n"
"    naclscope stat             # every VM, refresh each second until Ctrl-C\n"
"    naclscope stat -p 181 -c 2 # VMs of process 181, two refreshes\n";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Only the VMs of this process", 0 },
	{ "interval", 'i', "SECONDS", 0, "Refresh interval (default 1)", 0 },
	{ "count", 'c', "COUNT", 0, "Number of refreshes (default: until Ctrl-C)", 0 },
	{ "skip-zero", 'z', NULL, 0, "Omit counters that are zero", 0 },
	{ "debugfs", 'D', "DIR", OPTION_HIDDEN, "KVM debugfs directory", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'z':
		env.skip_zero = 1;
		return 0;
	case 'D':
		env.debugfs = arg;
		return 0;
	default:
		return ns_parse_refresh(key, arg, state, &env.r);
	}
}

static long long stat_of(json_t *grp, const char *name)
{
	return json_integer_value(json_object_get(grp, name));
}

static void print_vm(const char *vmk, json_t *vm, json_t *prev_vm, double secs)
{
	json_t *vmgrp = json_object_get(vm, "vm"), *vc0, *v, *pv;
	const char *sk, *gk;
	long long total;
	json_t *g;

	printf("VM %s\n", vmk);
	printf("  %-32s %14s %10s", "counter", "total", "/s");
	json_object_foreach(vm, gk, g)
		if (strcmp(gk, "vm"))
			printf(" %10s", gk);
	printf("\n");
	/* VM-wide counters */
	json_object_foreach(vmgrp, sk, v) {
		total = json_integer_value(v);
		if (env.skip_zero && !total)
			continue;
		pv = prev_vm ? json_object_get(json_object_get(prev_vm, "vm"), sk) : NULL;
		printf("  %-32s %14lld %10.0f\n", sk, total,
		       pv ? (double)(total - json_integer_value(pv)) / secs : 0.0);
	}
	/* vCPU counters: the names of vcpu0 (all vCPUs have the same) */
	vc0 = NULL;
	json_object_foreach(vm, gk, g)
		if (strcmp(gk, "vm")) {
			vc0 = g;
			break;
		}
	if (!vc0)
		return;
	json_object_foreach(vc0, sk, v) {
		long long prev = 0;
		int have_prev = 0;

		total = 0;
		json_object_foreach(vm, gk, g) {
			if (!strcmp(gk, "vm"))
				continue;
			total += stat_of(g, sk);
			if (prev_vm && json_object_get(prev_vm, gk)) {
				prev += stat_of(json_object_get(prev_vm, gk), sk);
				have_prev = 1;
			}
		}
		if (env.skip_zero && !total)
			continue;
		printf("  %-32s %14lld %10.0f", sk, total, have_prev ? (double)(total - prev) / secs : 0.0);
		json_object_foreach(vm, gk, g)
			if (strcmp(gk, "vm"))
				printf(" %10lld", stat_of(g, sk));
		printf("\n");
	}
}

int cmd_stat(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "[interval] [count]", doc, NULL, NULL, NULL };
	json_t *now, *prev = NULL, *vm;
	const char *vmk;
	struct stat st;
	long n = 0;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (stat("/dev/kvm", &st)) {
		ns_err("no /dev/kvm: load kvm.ko first (modprobe kvm)");
		return 1;
	}
	if (env.r.pid && kill((pid_t)env.r.pid, 0) && errno == ESRCH) {
		ns_err("no process with PID %ld", env.r.pid);
		return 1;
	}
	now = ns_kvm_stats_read(env.debugfs, (int)env.r.pid);
	if (!now) {
		ns_err("cannot read %s: %s (mount debugfs: mount -t debugfs none /sys/kernel/debug; needs root)",
		       env.debugfs, strerror(errno));
		return 1;
	}
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	for (;;) {
		if (isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		printf("naclscope stat: %zu VM%s, interval %ld s%s\n", json_object_size(now),
		       json_object_size(now) == 1 ? "" : "s", env.r.interval,
		       prev ? "" : " (first sample: rates follow)");
		if (!json_object_size(now))
			printf("  no VMs%s\n", env.r.pid ? " of that process" : "");
		json_object_foreach(now, vmk, vm)
			print_vm(vmk, vm, prev ? json_object_get(prev, vmk) : NULL, (double)env.r.interval);
		fflush(stdout);
		if (++n == env.r.count || exiting)
			break;
		sleep((unsigned int)env.r.interval);
		if (exiting)
			break;
		json_decref(prev);
		prev = now;
		now = ns_kvm_stats_read(env.debugfs, (int)env.r.pid);
		if (!now) {
			ns_err("cannot read %s: %s", env.debugfs, strerror(errno));
			json_decref(prev);
			return 1;
		}
	}
	json_decref(prev);
	json_decref(now);
	return 0;
}
