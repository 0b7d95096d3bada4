// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * naclscope top: the BPF session (session.c) read every interval, one row
 * per VM and vCPU with the interval's exits, path and mode mix and switch
 * cycles, and the L0-trap equivalents from KVM's counters.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>
#include "cli.h"
#include "naclscope.skel.h"

#include "session.h"

/* ---- top ---------------------------------------------------------------- */

static struct ns_refresh tenv = { .interval = 1 };

static const char top_doc[] =
"Live per-VM/vCPU exit table: exits/s, path and mode mix, switch cycles.\n"
"\n"
"USAGE: naclscope top [-i SECONDS] [-c COUNT] [-p PID] [-v] [interval] [count]\n"
"\n"
"EXAMPLES:\n"
"    naclscope top              # refresh every second until Ctrl-C\n"
"    naclscope top -i 2 -c 2    # two refreshes, two seconds apart\n"
"    naclscope top 5 3          # three refreshes, five seconds apart\n";

static const struct argp_option top_opts[] = {
	{ "interval", 'i', "SECONDS", 0, "Refresh interval (default 1)", 0 },
	{ "count", 'c', "COUNT", 0, "Number of refreshes (default: until Ctrl-C)", 0 },
	{ "pid", 'p', "PID", 0, "Only the VMs of this process", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf debug output", 0 },
	{},
};

static error_t top_parse(int key, char *arg, struct argp_state *state)
{
	if (key == 'v') {
		ns_verbose = 1;
		return 0;
	}
	return ns_parse_refresh(key, arg, state, &tenv);
}

struct vrow {
	uint32_t pid, vm, vcpu;
	uint64_t exits, sret, mode[NS_MODE_SLOTS];
	struct ns_span sw;
};

static void top_print(const struct ns_recording *cur, const struct ns_recording *prev, double secs,
		      int degraded, double l0)
{
	struct vrow *rows = calloc(cur->n ? cur->n : 1, sizeof(*rows));
	uint64_t total = 0;
	size_t n = 0, i, k;
	unsigned int b;

	if (!rows)
		return;
	for (i = 0; i < cur->n; i++) {
		const struct ns_entry *e = &cur->e[i], *p = ns_rec_find(prev, &e->key);
		const struct ns_span *s = &e->span[ns_rec_count_span(cur)];
		const struct ns_span *ps = p ? &p->span[ns_rec_count_span(cur)] : NULL;
		uint64_t d = s->count - (ps ? ps->count : 0);

		for (k = 0; k < n; k++)
			if (rows[k].pid == e->key.pid && rows[k].vm == e->key.vm && rows[k].vcpu == e->key.vcpu)
				break;
		if (k == n) {
			rows[n].pid = e->key.pid;
			rows[n].vm = e->key.vm;
			rows[n].vcpu = e->key.vcpu;
			ns_span_init(&rows[n].sw);
			n++;
		}
		rows[k].exits += d;
		if (e->key.path == NS_PATH_SYNC_SRET)
			rows[k].sret += d;
		rows[k].mode[ns_mode_slot(e->key.hstatus_mode)] += d;
		/* interval histogram: this snapshot minus the last */
		rows[k].sw.count += d;
		rows[k].sw.sum += s->sum - (ps ? ps->sum : 0);
		for (b = 0; b < NS_HIST_BUCKETS; b++)
			rows[k].sw.hist[b] += s->hist[b] - (ps ? ps->hist[b] : 0);
		rows[k].sw.min = 0;
		rows[k].sw.max = UINT64_MAX;
		total += d;
	}
	if (isatty(STDOUT_FILENO))
		printf("\033[H\033[2J");
	char l0s[16] = "n/a";

	if (l0 >= 0)
		snprintf(l0s, sizeof(l0s), "%.2f", l0);
	printf("naclscope top: %.0f exits/s, L0-trap equivalents/exit %s, drops %llu%s\n",
	       (double)total / secs, l0s,
	       (unsigned long long)cur->drops, degraded ? "  [DEGRADED: kvm_entry/kvm_exit only]" : "");
	printf("%-7s %4s %5s %10s %7s %7s %7s %7s %9s %9s %9s\n", "PID", "VM", "VCPU", "EXITS/s",
	       "%SRET", "%DIRECT", "%SYNC", "%ASWAP", degraded ? "GUEST_NS" : "CYC_MEAN",
	       "P50", "P99");
	for (k = 0; k < n; k++) {
		double ex = (double)rows[k].exits;

		printf("%-7u %4u %5u %10.0f %7.1f %7.1f %7.1f %7.1f %9.0f %9.0f %9.0f\n", rows[k].pid,
		       rows[k].vm, rows[k].vcpu, ex / secs,
		       ex ? 100.0 * (double)rows[k].sret / ex : 0.0,
		       ex ? 100.0 * (double)rows[k].mode[0] / ex : 0.0,
		       ex ? 100.0 * (double)rows[k].mode[1] / ex : 0.0,
		       ex ? 100.0 * (double)rows[k].mode[2] / ex : 0.0,
		       ns_span_mean(&rows[k].sw), ns_span_percentile(&rows[k].sw, 50),
		       ns_span_percentile(&rows[k].sw, 99));
	}
	if (!n)
		printf("(no exits yet)\n");
	fflush(stdout);
	free(rows);
}

int cmd_top(int argc, char **argv)
{
	const struct argp argp = { top_opts, top_parse, "[interval] [count]", top_doc, NULL, NULL, NULL };
	struct ns_recording cur, prev;
	struct ns_l0 l0now, l0prev;
	struct naclscope_bpf *skel;
	json_t *ks;
	int have_l0;
	double l0;
	int degraded = 0, ret = 1;
	unsigned int hz;
	long n = 0;
	double t, tp;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (ns_session_check_env(tenv.pid))
		return 1;
	skel = ns_session_open((unsigned int)tenv.pid, 0, 0, &degraded, &hz);
	if (!skel)
		return 1;
	ns_session_signals();
	ns_rec_init(&prev);
	ks = ns_kvm_stats_read(NS_KVM_DEBUGFS, (int)tenv.pid);
	have_l0 = !ns_kvm_l0(ks, &l0prev);
	json_decref(ks);
	tp = ns_now_s();
	while (!ns_exiting) {
		sleep((unsigned int)tenv.interval);
		ns_rec_init(&cur);
		cur.degraded = degraded;
		if (ns_session_collect(skel, &cur)) {
			ns_err("cannot read the BPF maps: %s", strerror(errno));
			ns_rec_free(&cur);
			goto out;
		}
		t = ns_now_s();
		ks = ns_kvm_stats_read(NS_KVM_DEBUGFS, (int)tenv.pid);
		l0 = -1;
		if (!ns_kvm_l0(ks, &l0now)) {
			if (have_l0 && l0now.entries > l0prev.entries && l0now.total >= l0prev.total)
				l0 = (double)(l0now.total - l0prev.total) /
				     (double)(l0now.entries - l0prev.entries);
			l0prev = l0now;
			have_l0 = 1;
		}
		json_decref(ks);
		top_print(&cur, &prev, t - tp, degraded, l0);
		tp = t;
		ns_rec_free(&prev);
		prev = cur;
		if (++n == tenv.count)
			break;
	}
	ret = 0;
out:
	ns_rec_free(&prev);
	naclscope_bpf__destroy(skel);
	return ret;
}
