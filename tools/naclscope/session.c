// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The BPF session of record and top: load bpf/naclscope.bpf.c, attach it to
 * the series' tracepoints (or, on kernels without the series, to kvm_entry
 * and kvm_exit: degraded mode), and collect the per-CPU maps into the
 * recording model (recording.h). Lifecycle as in libbpf-bootstrap: open ->
 * set rodata -> load -> attach -> poll loop; SIGINT/SIGTERM set ns_exiting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>
#include "cli.h"
#include "naclscope.skel.h"

#include "session.h"

volatile sig_atomic_t ns_exiting;
int ns_verbose;

static void sig_handler(int sig)
{
	(void)sig;
	ns_exiting = 1;
}

void ns_session_signals(void)
{
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !ns_verbose)
		return 0;
	if (!ns_verbose)
		return 0;	/* failures are reported as one line by the caller */
	return vfprintf(stderr, fmt, args);
}

double ns_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ns_session_check_env(long pid)
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
struct naclscope_bpf *ns_session_open(unsigned int targ_pid, int switch_only, int guest,
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
		if (ns_verbose && (!skel->links.ns_nacl_sync || !skel->links.ns_hfence))
			fprintf(stderr, NS_PROG ": kvm_riscv_nacl_sync/kvm_riscv_hfence not attached\n");
	}
	/* the final counters of vCPUs destroyed while recording (kernel series 0007) */
	skel->links.ns_vcpu_stats = bpf_program__attach(skel->progs.ns_vcpu_stats);
	if (ns_verbose && !skel->links.ns_vcpu_stats)
		fprintf(stderr, NS_PROG ": kvm_riscv_vcpu_stats not attached: "
			"counters of VMs that end between two polls are lost\n");
	skel->links.ns_sbi_call = bpf_program__attach(skel->progs.ns_sbi_call);
	skel->links.ns_sbi_return = bpf_program__attach(skel->progs.ns_sbi_return);
	if (ns_verbose && (!skel->links.ns_sbi_call || !skel->links.ns_sbi_return))
		fprintf(stderr, NS_PROG ": riscv:sbi_call/sbi_return not attached: NACL calls not timed\n");
	return skel;
fail:
	naclscope_bpf__destroy(skel);
	return NULL;
}

void ns_bspan_to_span(const struct ns_bspan *b, struct ns_span *s)
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

/* Read the maps into r: every CPU's slots merged by key, counters summed. */
int ns_session_collect(struct naclscope_bpf *skel, struct ns_recording *r)
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
			e = ns_rec_find_or_add(r, &slots[i].key);
			if (!e)
				goto fail;
			for (j = 0; j < NS_SPANS; j++)
				ns_bspan_to_span(&slots[i].val.span[j], &e->span[j]);
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
int ns_session_collect_finals(struct naclscope_bpf *skel, json_t *first, struct ns_recording *r)
{
	int fd = bpf_map__fd(skel->maps.finals);
	struct ns_final_key *keys = NULL, k;
	struct ns_final *vals = NULL;
	size_t n = 0, cap = 0;
	int ret = -1;

	/* the previous key by value: keys[] moves when it grows */
	while (!bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &k)) {
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
		keys[n++] = k;
	}
	ret = n ? ns_kvm_stats_add_finals(first, r->kvm_stats, keys, vals, n) : 0;
out:
	free(keys);
	free(vals);
	return ret;
}

void ns_session_prog_costs(struct naclscope_bpf *skel, struct ns_recording *r)
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

