// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * naclscope record and top: load bpf/naclscope.bpf.c, attach it to the
 * series' tracepoints (or, on kernels without the series, to kvm_entry and
 * kvm_exit: degraded mode), and read the per-CPU maps.
 * Lifecycle as in libbpf-bootstrap: open -> set rodata -> load -> attach ->
 * poll loop; SIGINT/SIGTERM end the loop and what was gathered is kept.
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
#include "names.h"
#include "naclscope.skel.h"

/* record samples the kernel's BPF run-time stats one 50 ms poll in this many */
#define NS_STATS_EVERY	20

static volatile sig_atomic_t exiting;
static int verbose;

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (!verbose)
		return 0;	/* failures are reported as one line by the caller */
	return vfprintf(stderr, fmt, args);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int check_env(long pid)
{
	struct utsname u;
	struct stat st;

	if (geteuid() != 0) {
		ns_err("needs root: loading BPF programs and reading KVM debugfs need CAP_SYS_ADMIN");
		return -1;
	}
	/* kvm_entry/kvm_exit exist elsewhere too, with other arguments */
	if (!uname(&u) && strcmp(u.machine, "riscv64") && !getenv("NACLSCOPE_ANY_ARCH")) {
		ns_err("record and top measure RISC-V KVM: run them on a riscv64 kernel (this is %s)",
		       u.machine);
		return -1;
	}
	if (stat("/dev/kvm", &st)) {
		ns_err("no /dev/kvm: load kvm.ko first (modprobe kvm, or insmod kvm.ko)");
		return -1;
	}
	if (pid && kill((pid_t)pid, 0) && errno == ESRCH) {
		ns_err("no process with PID %ld", pid);
		return -1;
	}
	return 0;
}

/*
 * ns = cycles * mult >> 8 for the time CSR's rate, from the device tree's
 * timebase-frequency (big-endian u32); *hz = 0 and QEMU virt's 10 MHz when
 * it cannot be read.
 */
static __u64 cycles_mult(unsigned int *hz)
{
	unsigned char b[4];
	FILE *f = fopen("/proc/device-tree/cpus/timebase-frequency", "rb");

	*hz = 0;
	if (f) {
		if (fread(b, 1, 4, f) == 4)
			*hz = (unsigned int)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
		fclose(f);
	}
	return ((1000000000ULL << 8) + (*hz ? *hz : 10000000U) / 2) / (*hz ? *hz : 10000000U);
}

/* open, set the filter, load, attach; *degraded says which program set runs */
static struct naclscope_bpf *ns_open_attach(unsigned int targ_pid, int switch_only, int guest,
					    int *degraded, unsigned int *hz)
{
	struct naclscope_bpf *skel;
	int err;

	libbpf_set_print(libbpf_print_fn);
	skel = naclscope_bpf__open();
	if (!skel) {
		ns_err("cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	skel->rodata->targ_pid = targ_pid;
	skel->rodata->switch_only = switch_only;
	skel->rodata->guest_span = guest;
	skel->rodata->cyc_mult = cycles_mult(hz);
	bpf_program__set_autoload(skel->progs.ns_kvm_exit, true);
	err = naclscope_bpf__load(skel);
	if (err) {
		ns_err("cannot load the BPF programs: %s%s", strerror(-err),
		       err == -EPERM ? " (run as root)" : " (-v shows the verifier log)");
		goto fail;
	}
	skel->links.ns_world_switch = bpf_program__attach(skel->progs.ns_world_switch);
	*degraded = !skel->links.ns_world_switch;
	if (*degraded && switch_only) {
		ns_err("switch-only mode needs kvm:kvm_riscv_world_switch (a kernel with the naclscope series)");
		goto fail;
	}
	/* with the series, kvm_entry runs only for the guest span: one program per exit otherwise */
	if (*degraded || guest) {
		struct bpf_program *p = *degraded ? skel->progs.ns_kvm_entry : skel->progs.ns_guest_entry;
		struct bpf_link *l = bpf_program__attach(p);

		if (!l) {
			ns_err("cannot attach to kvm:kvm_entry: %s (is kvm.ko loaded?)", strerror(errno));
			goto fail;
		}
		if (*degraded)
			skel->links.ns_kvm_entry = l;
		else
			skel->links.ns_guest_entry = l;
	}
	if (*degraded) {
		skel->links.ns_kvm_exit = bpf_program__attach(skel->progs.ns_kvm_exit);
		if (!skel->links.ns_kvm_exit) {
			ns_err("cannot attach to kvm:kvm_exit: %s", strerror(errno));
			goto fail;
		}
		fprintf(stderr, NS_PROG ": kernel without kvm:kvm_riscv_world_switch: DEGRADED mode "
			"(kvm_entry/kvm_exit only: no path, hstatus mode, VM id, SBI function or switch cycles)\n");
	} else {
		skel->links.ns_nacl_sync = bpf_program__attach(skel->progs.ns_nacl_sync);
		skel->links.ns_hfence = bpf_program__attach(skel->progs.ns_hfence);
		if (verbose && (!skel->links.ns_nacl_sync || !skel->links.ns_hfence))
			fprintf(stderr, NS_PROG ": kvm_riscv_nacl_sync/kvm_riscv_hfence not attached\n");
	}
	/* the final counters of vCPUs destroyed while recording (kernel series 0007) */
	skel->links.ns_vcpu_stats = bpf_program__attach(skel->progs.ns_vcpu_stats);
	if (verbose && !skel->links.ns_vcpu_stats)
		fprintf(stderr, NS_PROG ": kvm_riscv_vcpu_stats not attached: "
			"counters of VMs that end between two polls are lost\n");
	skel->links.ns_sbi_call = bpf_program__attach(skel->progs.ns_sbi_call);
	skel->links.ns_sbi_return = bpf_program__attach(skel->progs.ns_sbi_return);
	if (verbose && (!skel->links.ns_sbi_call || !skel->links.ns_sbi_return))
		fprintf(stderr, NS_PROG ": riscv:sbi_call/sbi_return not attached: NACL calls not timed\n");
	return skel;
fail:
	naclscope_bpf__destroy(skel);
	return NULL;
}

static void bspan_to_span(const struct ns_bspan *b, struct ns_span *s)
{
	unsigned int i;

	if (!b->count)
		return;
	if (b->min < s->min)
		s->min = b->min;
	if (b->max > s->max)
		s->max = b->max;
	s->count += b->count;
	s->sum += b->sum;
	s->sum_sq += (double)b->sum_sq_hi * 18446744073709551616.0 + (double)b->sum_sq_lo;
	for (i = 0; i < NS_HIST_BUCKETS; i++)
		s->hist[i] += b->hist[i];
}

static struct ns_entry *find_or_add(struct ns_recording *r, const struct ns_key *k)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!memcmp(&r->e[i].key, k, sizeof(*k)))
			return &r->e[i];
	return ns_rec_add(r, k);
}

/* Read the maps into r: every CPU's slots merged by key, counters summed. */
static int ns_collect(struct naclscope_bpf *skel, struct ns_recording *r)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.exits), i, j;
	__u32 idx, nslots = bpf_map__max_entries(skel->maps.exits);
	struct ns_counter *cv;
	struct ns_slot *slots;
	struct ns_entry *e;

	if (ncpus <= 0)
		return -1;
	slots = calloc(ncpus, sizeof(*slots));
	cv = calloc(ncpus, sizeof(*cv));
	if (!slots || !cv)
		goto fail;
	for (idx = 0; idx < nslots; idx++) {
		if (bpf_map_lookup_elem(fd, &idx, slots))
			goto fail;
		for (i = 0; i < ncpus; i++) {
			if (!slots[i].used)
				continue;
			e = find_or_add(r, &slots[i].key);
			if (!e)
				goto fail;
			for (j = 0; j < NS_SPANS; j++)
				bspan_to_span(&slots[i].val.span[j], &e->span[j]);
		}
	}
	for (idx = 0; idx < NS_CNT_MAX; idx++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &idx, cv))
			continue;
		for (i = 0; i < ncpus; i++) {
			r->cnt[idx].count += cv[i].count;
			r->cnt[idx].sum += cv[i].sum;
			r->cnt[idx].errors += cv[i].errors;
		}
	}
	r->drops = r->cnt[NS_CNT_DROPS].count;
	r->vcpu_drops = r->cnt[NS_CNT_VCPU_DROPS].count;
	r->final_drops = r->cnt[NS_CNT_FINAL_DROPS].count;
	r->bad_cycles = r->cnt[NS_CNT_BAD_CYCLES].count;
	free(slots);
	free(cv);
	return 0;
fail:
	free(slots);
	free(cv);
	return -1;
}

/* The final counters of the vCPUs destroyed while recording, into r->kvm_stats. */
static int ns_collect_finals(struct naclscope_bpf *skel, json_t *first, struct ns_recording *r)
{
	int fd = bpf_map__fd(skel->maps.finals);
	struct ns_final_key *keys = NULL, k, *pk = NULL;
	struct ns_final *vals = NULL;
	size_t n = 0, cap = 0;
	int ret = -1;

	while (!bpf_map_get_next_key(fd, pk, &k)) {
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			void *nk = realloc(keys, nc * sizeof(*keys)), *nv;

			if (!nk)
				goto out;
			keys = nk;
			nv = realloc(vals, nc * sizeof(*vals));
			if (!nv)
				goto out;
			vals = nv;
			cap = nc;
		}
		if (bpf_map_lookup_elem(fd, &k, &vals[n]))
			goto out;
		keys[n] = k;
		pk = &keys[n++];
	}
	ret = n ? ns_kvm_stats_add_finals(first, r->kvm_stats, keys, vals, n) : 0;
out:
	free(keys);
	free(vals);
	return ret;
}

static void ns_prog_costs(struct naclscope_bpf *skel, struct ns_recording *r)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		struct ns_prog_cost *c;

		if (bpf_program__fd(p) < 0 || r->nprogs >= NS_MAX_PROGS)
			continue;
		memset(&info, 0, sizeof(info));
#if LIBBPF_MAJOR_VERSION > 1 || LIBBPF_MINOR_VERSION >= 2
		if (bpf_prog_get_info_by_fd(bpf_program__fd(p), &info, &len))
#else
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
#endif
			continue;
		if (!info.run_cnt)
			continue;
		c = &r->prog[r->nprogs++];
		snprintf(c->name, sizeof(c->name), "%s", bpf_program__name(p));
		c->run_cnt = info.run_cnt;
		c->run_time_ns = info.run_time_ns;
	}
}

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
		verbose = 1;
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

int cmd_record(int argc, char **argv)
{
	const struct argp argp = { record_opts, record_parse, "[-- COMMAND ...]", record_doc, NULL, NULL, NULL };
	struct naclscope_bpf *skel = NULL;
	json_t *first = NULL, *last = NULL, *snap;
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
	if (check_env(renv.pid))
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
	skel = ns_open_attach(targ, renv.switch_only, renv.guest_span, &degraded, &hz);
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

	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	t0 = ton = now_s();
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
	while (!exiting) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		/* BPF stats cost as much as a program: on for one poll in NS_STATS_EVERY */
		if (stats_fd >= 0) {
			close(stats_fd);
			stats_fd = -1;
			r.bpf_stats_s += now_s() - ton;
		} else if (!renv.no_stats && ++tick % NS_STATS_EVERY == 0) {
			ton = now_s();
			stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		}
		snap = ns_kvm_stats_read(NS_KVM_DEBUGFS, (int)targ);
		ns_kvm_stats_merge(last, snap);
		json_decref(snap);
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child = -1;
			break;
		}
		if (renv.duration && now_s() - t0 >= (double)renv.duration)
			break;
	}
	t1 = now_s();
	naclscope_bpf__detach(skel);
	/* VMs still alive: their counters as of the end */
	snap = ns_kvm_stats_read(NS_KVM_DEBUGFS, (int)targ);
	ns_kvm_stats_merge(last, snap);
	json_decref(snap);
	if (stats_fd >= 0) {
		close(stats_fd);
		stats_fd = -1;
		r.bpf_stats_s += t1 - ton;
	}
	r.duration_s = t1 - t0;
	if (ns_collect(skel, &r)) {
		ns_err("cannot read the BPF maps: %s", strerror(errno));
		goto cleanup;
	}
	ns_prog_costs(skel, &r);
	r.kvm_stats = last ? ns_kvm_stats_delta(first, last) : NULL;
	if (r.kvm_stats && ns_collect_finals(skel, first, &r))
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

/* ---- top ---------------------------------------------------------------- */

static struct {
	long interval;
	long count;
	long pid;
} tenv = { .interval = 1 };

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
	switch (key) {
	case 'i':
		if (ns_parse_long(arg, 1, 3600, &tenv.interval))
			argp_error(state, "invalid interval: %s", arg);
		break;
	case 'c':
		if (ns_parse_long(arg, 1, 1000000, &tenv.count))
			argp_error(state, "invalid count: %s", arg);
		break;
	case 'p':
		if (ns_parse_long(arg, 1, 0x7fffffff, &tenv.pid))
			argp_error(state, "invalid PID: %s", arg);
		break;
	case 'v':
		verbose = 1;
		break;
	case ARGP_KEY_ARG:
		/* positional [interval] [count], as the libbpf tools take them */
		if (state->arg_num == 0 && !ns_parse_long(arg, 1, 3600, &tenv.interval))
			break;
		if (state->arg_num == 1 && !ns_parse_long(arg, 1, 1000000, &tenv.count))
			break;
		argp_error(state, "unexpected argument '%s' (positional: [interval] [count])", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct vrow {
	uint32_t pid, vm, vcpu;
	uint64_t exits, sret, mode[4];
	struct ns_span sw;
};

static const struct ns_entry *find_entry(const struct ns_recording *r, const struct ns_key *k)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!memcmp(&r->e[i].key, k, sizeof(*k)))
			return &r->e[i];
	return NULL;
}

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
		const struct ns_entry *e = &cur->e[i], *p = find_entry(prev, &e->key);
		const struct ns_span *s = &e->span[degraded ? NS_SPAN_GUEST : NS_SPAN_SWITCH];
		const struct ns_span *ps = p ? &p->span[degraded ? NS_SPAN_GUEST : NS_SPAN_SWITCH] : NULL;
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
		rows[k].mode[e->key.hstatus_mode < 3 ? e->key.hstatus_mode : 3] += d;
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
	if (check_env(tenv.pid))
		return 1;
	skel = ns_open_attach((unsigned int)tenv.pid, 0, 0, &degraded, &hz);
	if (!skel)
		return 1;
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	ns_rec_init(&prev);
	ks = ns_kvm_stats_read(NS_KVM_DEBUGFS, (int)tenv.pid);
	have_l0 = !ns_kvm_l0(ks, &l0prev);
	json_decref(ks);
	tp = now_s();
	while (!exiting) {
		sleep((unsigned int)tenv.interval);
		ns_rec_init(&cur);
		if (ns_collect(skel, &cur)) {
			ns_err("cannot read the BPF maps: %s", strerror(errno));
			ns_rec_free(&cur);
			goto out;
		}
		t = now_s();
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
