// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * naclscope record: the BPF session (session.c) around a duration, a PID
 * or a command it starts, KVM's counters sampled beside it, written as one
 * recording (recording.c, docs/recording.md).
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

/* record samples the kernel's BPF run-time stats one 50 ms poll in this many */
#define NS_STATS_EVERY	20

/* ---- record ------------------------------------------------------------- */

static struct {
	long duration;
	long pid;
	int all;
	int no_stats;
	int switch_only;
	int guest_span;
	const char *out;
	char **cmd;
} renv = { .out = "naclscope.json" };

static const char record_doc[] =
"Record per-VM/vCPU exit costs into a JSON recording.\n"
"\n"
"USAGE: naclscope record [-d SECONDS] [-p PID] [-a] [-s | -g] [-S] [-o FILE] [-v] [-- COMMAND ...]\n"
"\n"
"EXAMPLES:\n"
"    naclscope record -d 10                    # every VM for 10 s into naclscope.json\n"
"    naclscope record -p 181 -o vm.json        # VMs of process 181 until Ctrl-C\n"
"    naclscope record -o r.json -- exitbench   # around a command (its VMs only)\n"
"    naclscope record -g -d 5                  # guest and host spans too (a second program per exit)\n";

static const struct argp_option record_opts[] = {
	{ "duration", 'd', "SECONDS", 0, "Record for this long (default: command or Ctrl-C)", 0 },
	{ "pid", 'p', "PID", 0, "Only the VMs of this process", 0 },
	{ "all", 'a', NULL, 0, "With a COMMAND: every VM, not only the command's", 0 },
	{ "output", 'o', "FILE", 0, "Recording file (default naclscope.json, - for stdout)", 0 },
	{ "switch-only", 's', NULL, 0, "Switch cycles only: no clock read, no exit span (cheapest)", 0 },
	{ "guest-span", 'g', NULL, 0, "Also the guest and host spans: a second program, on kvm_entry (dearer)", 0 },
	{ "no-bpf-stats", 'S', NULL, 0, "Never sample kernel BPF run-time stats (own cost unknown)", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf debug output", 0 },
	{},
};

static error_t record_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'd':
		if (ns_parse_long(arg, 1, 86400, &renv.duration))
			argp_error(state, "invalid duration: %s (seconds, 1..86400)", arg);
		break;
	case 'p':
		if (ns_parse_long(arg, 1, 0x7fffffff, &renv.pid))
			argp_error(state, "invalid PID: %s", arg);
		break;
	case 'a':
		renv.all = 1;
		break;
	case 'o':
		renv.out = arg;
		break;
	case 'S':
		renv.no_stats = 1;
		break;
	case 's':
		renv.switch_only = 1;
		break;
	case 'g':
		renv.guest_span = 1;
		break;
	case 'v':
		ns_verbose = 1;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected '%s': put the command after --", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static pid_t spawn_held(char **cmd, int *release_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(127);	/* naclscope gave up before starting it */
		execvp(cmd[0], cmd);
		fprintf(stderr, NS_PROG ": %s: cannot run: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*release_fd = p[1];
	return pid;
}

/* execvp would fail: say so before anything is loaded or written */
static int runnable(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[4096];
	const char *p, *e;

	if (strchr(cmd, '/'))
		return !access(cmd, X_OK);
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - p), e == p ? "." : p, cmd);
		if (!access(buf, X_OK))
			return 1;
	}
	return 0;
}

static char *join_cmd(char **cmd)
{
	size_t len = 1, i;
	char *s;

	for (i = 0; cmd[i]; i++)
		len += strlen(cmd[i]) + 1;
	s = calloc(1, len);
	for (i = 0; s && cmd[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, cmd[i]);
	}
	return s;
}

/* One debugfs sample of the VMs of targ (0: all) folded into last. */
static void kvm_sample(json_t *last, unsigned int targ)
{
	json_t *snap = ns_kvm_stats_read(NS_KVM_DEBUGFS, (int)targ);

	ns_kvm_stats_merge(last, snap);
	json_decref(snap);
}

int cmd_record(int argc, char **argv)
{
	const struct argp argp = { record_opts, record_parse, "[-- COMMAND ...]", record_doc, NULL, NULL, NULL };
	struct naclscope_bpf *skel = NULL;
	json_t *first = NULL, *last = NULL;
	int degraded = 0, stats_fd = -1, release_fd = -1, status = 0, ret = 1, i;
	struct ns_recording r;
	pid_t child = -1;
	unsigned int targ, hz = 0;
	double t0, t1, ton = 0;
	long tick = 0;
	char err[512];

	ns_rec_init(&r);
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			renv.cmd = &argv[i + 1];
			argv[i] = NULL;
			argc = i;
			break;
		}
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (renv.cmd && !renv.cmd[0]) {
		ns_err("record: nothing after --");
		return 2;
	}
	if (ns_session_check_env(renv.pid))
		return 1;
	if (strcmp(renv.out, "-")) {
		char *d = strdup(renv.out), *slash = d ? strrchr(d, '/') : NULL;
		int ok;

		if (slash)
			*slash = 0;
		ok = d && !access(slash ? (*d ? d : "/") : ".", W_OK);
		free(d);
		if (!ok) {
			ns_err("%s: cannot write there: %s", renv.out, strerror(errno));
			return 1;
		}
	}
	if (renv.cmd && !runnable(renv.cmd[0])) {
		ns_err("%s: command not found or not executable", renv.cmd[0]);
		return 127;
	}
	if (renv.cmd) {
		child = spawn_held(renv.cmd, &release_fd);
		if (child < 0) {
			ns_err("cannot start %s: %s", renv.cmd[0], strerror(errno));
			return 1;
		}
	}
	targ = renv.pid ? (unsigned int)renv.pid : (child > 0 && !renv.all ? (unsigned int)child : 0);
	if (renv.switch_only && renv.guest_span) {
		ns_err("record: -s (switch cycles only) and -g (guest span too) exclude each other");
		ret = 2;
		goto cleanup;
	}
	skel = ns_session_open(targ, renv.switch_only, renv.guest_span, &degraded, &hz);
	if (!skel)
		goto cleanup;
	/* the first sampling window of the kernel's BPF stats opens with the recording */
	stats_fd = renv.no_stats ? -1 : bpf_enable_stats(BPF_STATS_RUN_TIME);
	ns_host_facts(&r);
	r.degraded = degraded;
	r.measured = degraded ? NS_MEASURED_DEGRADED :
		     renv.switch_only ? NS_MEASURED(NS_SPAN_SWITCH) :
		     renv.guest_span ? NS_MEASURED_ALL : NS_MEASURED_DEFAULT;
	r.timebase_hz = hz;
	r.pid = targ;
	r.bpf_stats = stats_fd >= 0;
	if (renv.cmd)
		r.command = join_cmd(renv.cmd);
	first = ns_kvm_stats_read(NS_KVM_DEBUGFS, (int)targ);
	last = first ? json_deep_copy(first) : NULL;

	ns_session_signals();
	t0 = ton = ns_now_s();
	if (release_fd >= 0) {
		if (write(release_fd, "x", 1) != 1) {
			ns_err("cannot start the command: %s", strerror(errno));
			goto cleanup;
		}
		close(release_fd);
		release_fd = -1;
	}
	fprintf(stderr, NS_PROG ": recording%s%s...%s\n", renv.cmd ? " around " : "",
		renv.cmd ? renv.cmd[0] : "", renv.cmd || renv.duration ? "" : " Ctrl-C to stop");
	while (!ns_exiting) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		/* BPF stats cost as much as a program: on for one poll in NS_STATS_EVERY */
		if (stats_fd >= 0) {
			close(stats_fd);
			stats_fd = -1;
			r.bpf_stats_s += ns_now_s() - ton;
		} else if (!renv.no_stats && ++tick % NS_STATS_EVERY == 0) {
			ton = ns_now_s();
			stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		}
		kvm_sample(last, targ);
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child = -1;
			break;
		}
		if (renv.duration && ns_now_s() - t0 >= (double)renv.duration)
			break;
	}
	t1 = ns_now_s();
	naclscope_bpf__detach(skel);
	kvm_sample(last, targ);	/* VMs still alive: their counters as of the end */
	if (stats_fd >= 0) {
		close(stats_fd);
		stats_fd = -1;
		r.bpf_stats_s += t1 - ton;
	}
	r.duration_s = t1 - t0;
	if (ns_session_collect(skel, &r)) {
		ns_err("cannot read the BPF maps: %s", strerror(errno));
		goto cleanup;
	}
	ns_session_prog_costs(skel, &r);
	r.kvm_stats = last ? ns_kvm_stats_delta(first, last) : NULL;
	if (r.kvm_stats && ns_session_collect_finals(skel, first, &r))
		fprintf(stderr, NS_PROG ": warning: cannot read the final counters of destroyed vCPUs\n");
	if (ns_rec_save(&r, renv.out, err, sizeof(err))) {
		ns_err("%s", err);
		goto cleanup;
	}
	fprintf(stderr, NS_PROG ": %llu exits in %zu keys over %.2f s%s%s, drops %llu\n",
		(unsigned long long)ns_rec_total_exits(&r), r.n, r.duration_s,
		strcmp(renv.out, "-") ? " -> " : "", strcmp(renv.out, "-") ? renv.out : "",
		(unsigned long long)r.drops);
	ret = 0;
	if (renv.cmd && child < 0 && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		ns_err("%s exited with %s %d (recording kept)", renv.cmd[0],
		       WIFEXITED(status) ? "status" : "signal",
		       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
cleanup:
	if (release_fd >= 0)
		close(release_fd);	/* the held child reads EOF and exits */
	if (child > 0) {
		if (ret)
			kill(child, SIGTERM);
		waitpid(child, &status, 0);
	}
	if (stats_fd >= 0)
		close(stats_fd);
	json_decref(first);
	json_decref(last);
	naclscope_bpf__destroy(skel);
	ns_rec_free(&r);
	return ret;
}

