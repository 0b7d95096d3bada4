// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench: KVM-API microbenchmark whose L2 guest (guest.S) makes exactly
 * N exits of one kind per vCPU. The guest counts its iterations in guest
 * memory, the host counts what it sees and reads the vCPU's KVM stats at
 * the start and at the end of the measured window; all three must agree.
 * Several kinds run one after the other, each under a watchdog: a kind
 * whose vCPUs are still in KVM_RUN at its deadline is kicked out with a
 * signal and reported failed, and the next kind runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "exitbench.h"
#include "vm.h"

extern const char eb_guest_code[], eb_guest_code_end[];

/* a vCPU thread still in KVM_RUN this long after its kick is given up on */
#define EB_KICK_GRACE_S	10
/* the main thread looks at SIGINT/SIGTERM this often while it waits */
#define EB_POLL_NS	100000000ULL

static volatile sig_atomic_t exiting;	/* SIGINT or SIGTERM */

enum stop_reason { STOP_NONE, STOP_TIMEOUT, STOP_INTERRUPT, STOP_ABORT };

struct vcpu_job {
	const struct eb_opts *o;
	int kind;
	struct eb_vcpu *v;
	struct eb_vcpu_result *r;
	struct kind_ctx *ctx;
	pthread_t thread;
	bool started;
	atomic_int stop;	/* enum stop_reason, set by the main thread */
	atomic_bool done;
};

/* what the vCPU threads of one kind share with the main thread */
struct kind_ctx {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a thread is done */
	size_t ndone;
};

static void on_stop(int sig)
{
	(void)sig;
	exiting = 1;
}

/* SIGUSR1, the kick: no SA_RESTART, so KVM_RUN returns -EINTR */
static void on_kick(int sig)
{
	(void)sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const char *exit_reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
	case KVM_EXIT_INTR: return "KVM_EXIT_INTR";
	case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_DEBUG: return "KVM_EXIT_DEBUG";
	case KVM_EXIT_SYSTEM_EVENT: return "KVM_EXIT_SYSTEM_EVENT";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_RISCV_SBI: return "KVM_EXIT_RISCV_SBI";
	case KVM_EXIT_RISCV_CSR: return "KVM_EXIT_RISCV_CSR";
	default: return "?";
	}
}

enum phase { SETUP, MEASURE, DONE };

static void stopped(struct vcpu_job *job, enum phase phase, uint64_t total)
{
	switch (atomic_load(&job->stop)) {
	case STOP_TIMEOUT:
		eb_timeout_error(job->r, job->o->timeout_s, phase == SETUP, total, job->o->n);
		break;
	case STOP_INTERRUPT:
		eb_vcpu_fail(job->r, "interrupted at iteration %" PRIu64 " of %ld", total, job->o->n);
		break;
	default:
		eb_vcpu_fail(job->r, "stopped at iteration %" PRIu64 " of %ld: another vCPU thread could not start",
			     total, job->o->n);
	}
}

/* One thread per vCPU: KVM_RUN until the guest's done call. */
static void run_vcpu(struct vcpu_job *job)
{
	const struct eb_opts *o = job->o;
	struct eb_vcpu *v = job->v;
	struct eb_vcpu_result *r = job->r;
	struct kvm_run *run = v->run;
	volatile uint64_t *slot = eb_vcpu_slot(v);
	uint64_t s_create[EB_MAX_STATS], s_start[EB_MAX_STATS], s_end[EB_MAX_STATS];
	uint64_t t0, dt, prev_total = 0, total = 0, per;
	enum phase phase = SETUP;
	unsigned int i;
	int rc, k;

	r->ok = true;
	r->min_ns = UINT64_MAX;
	if (eb_stats_read(&v->stats, s_create)) {
		eb_vcpu_fail(r, "reading KVM stats: %s", strerror(errno));
		return;
	}
	while (phase != DONE) {
		if (atomic_load(&job->stop) != STOP_NONE) {
			stopped(job, phase, slot[EB_SLOT_TOTAL / 8]);
			break;
		}
		t0 = now_ns();
		rc = ioctl(v->fd, KVM_RUN, NULL);
		dt = now_ns() - t0;
		if (rc < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			eb_vcpu_fail(r, "KVM_RUN: %s", strerror(errno));
			break;
		}
		total = slot[EB_SLOT_TOTAL / 8];
		if (phase == MEASURE && total > prev_total) {
			/* a timed run: its exits are the guest's new iterations */
			per = dt / (total - prev_total);
			r->runs++;
			r->total_ns += dt;
			if (per < r->min_ns)
				r->min_ns = per;
			if (per > r->max_ns)
				r->max_ns = per;
		}
		prev_total = total;

		switch (run->exit_reason) {
		case KVM_EXIT_RISCV_SBI:
			run->riscv_sbi.ret[0] = 0;
			run->riscv_sbi.ret[1] = 0;
			if (run->riscv_sbi.extension_id == EB_SBI_EID_BENCH && phase == MEASURE) {
				r->host_kind[EB_KIND_SBI_USER]++;
				if (run->riscv_sbi.args[0] != total)
					eb_vcpu_fail(r, "sbi-user exit carried iteration %llu, guest counted %" PRIu64,
						     (unsigned long long)run->riscv_sbi.args[0], total);
				break;
			}
			if (run->riscv_sbi.extension_id != EB_SBI_EID_CTL) {
				eb_vcpu_fail(r, "unexpected SBI call to user space: EID 0x%llx FID %llu",
					     (unsigned long long)run->riscv_sbi.extension_id,
					     (unsigned long long)run->riscv_sbi.function_id);
				phase = DONE;
				break;
			}
			switch (run->riscv_sbi.function_id) {
			case EB_CTL_START:
				r->setup_user_exits++;
				r->setup_sbi_kernel_calls = eb_setup_sbi_kernel_calls(job->kind);
				if (eb_stats_read(&v->stats, s_start)) {
					eb_vcpu_fail(r, "reading KVM stats: %s", strerror(errno));
					phase = DONE;
					break;
				}
				phase = MEASURE;
				break;
			case EB_CTL_BATCH:
				r->window_ctl_exits++;
				break;
			case EB_CTL_DONE:
				r->window_ctl_exits++;
				r->teardown_user_exits++;
				if (eb_stats_read(&v->stats, s_end))
					eb_vcpu_fail(r, "reading KVM stats: %s", strerror(errno));
				phase = DONE;
				break;
			case EB_CTL_FAIL:
				eb_vcpu_fail(r, "guest trapped: scause 0x%llx stval 0x%llx sepc 0x%llx",
					     (unsigned long long)run->riscv_sbi.args[0],
					     (unsigned long long)run->riscv_sbi.args[1],
					     (unsigned long long)run->riscv_sbi.args[2]);
				phase = DONE;
				break;
			case EB_CTL_SETUP_FAIL:
				if (run->riscv_sbi.args[0] == EB_SETUP_TIMER)
					eb_vcpu_fail(r, "guest set-up: SBI TIME set_timer(0) returned error %lld",
						     (long long)run->riscv_sbi.args[1]);
				else
					eb_vcpu_fail(r, "guest set-up step %llu failed: %lld",
						     (unsigned long long)run->riscv_sbi.args[0],
						     (long long)run->riscv_sbi.args[1]);
				phase = DONE;
				break;
			default:
				eb_vcpu_fail(r, "unknown control call %llu",
					     (unsigned long long)run->riscv_sbi.function_id);
				phase = DONE;
			}
			break;
		case KVM_EXIT_MMIO:
			if (phase == MEASURE && run->mmio.phys_addr == EB_MMIO_ADDR &&
			    run->mmio.is_write && run->mmio.len == 8) {
				uint64_t val;

				memcpy(&val, run->mmio.data, sizeof(val));
				r->host_kind[EB_KIND_MMIO_USER]++;
				if (val != total)
					eb_vcpu_fail(r, "mmio store carried iteration %" PRIu64 ", guest counted %" PRIu64,
						     val, total);
				break;
			}
			eb_vcpu_fail(r, "unexpected MMIO %s of %u bytes at 0x%llx",
				     run->mmio.is_write ? "store" : "load", run->mmio.len,
				     (unsigned long long)run->mmio.phys_addr);
			phase = DONE;
			break;
		case KVM_EXIT_INTR:
			break;		/* a signal: no guest exit, run again */
		default:
			eb_vcpu_fail(r, "unexpected exit reason %u (%s)", run->exit_reason,
				     exit_reason_name(run->exit_reason));
			phase = DONE;
		}
		if (phase == SETUP && o->verbose)
			fprintf(stderr, "naclscope: exitbench: %s: VM %d vCPU %d: set-up exit %s\n",
				eb_kind_name(job->kind), v->vm->index, v->id, exit_reason_name(run->exit_reason));
	}

	r->guest_total = slot[EB_SLOT_TOTAL / 8];
	for (k = 0; k < EB_NR_BASIC_KINDS; k++)
		r->guest_kind[k] = slot[EB_SLOT_KIND / 8 + k];
	r->csr_illegal = slot[EB_SLOT_CSR_ILLEGAL / 8];
	if (r->min_ns == UINT64_MAX)
		r->min_ns = 0;
	if (r->ok) {
		for (i = 0; i < v->stats.n; i++) {
			snprintf(r->stats[i].name, EB_STAT_NAME, "%s", v->stats.names[i]);
			r->stats[i].value = s_end[i] - s_start[i];
			if (!strcmp(v->stats.names[i], "exits"))
				r->setup_kvm_exits = s_start[i] - s_create[i];
		}
		r->nstats = v->stats.n;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_job *job = arg;

	run_vcpu(job);
	pthread_mutex_lock(&job->ctx->lock);
	atomic_store(&job->done, true);
	job->ctx->ndone++;
	pthread_cond_signal(&job->ctx->cond);
	pthread_mutex_unlock(&job->ctx->lock);
	return NULL;
}

/*
 * Wait until @nthreads threads are done or @deadline passes, or, with
 * @watch_signals, SIGINT or SIGTERM arrives.
 */
static bool wait_threads(struct kind_ctx *ctx, size_t nthreads, uint64_t deadline, bool watch_signals)
{
	struct timespec ts;
	uint64_t now, until;
	bool all;

	pthread_mutex_lock(&ctx->lock);
	while (ctx->ndone < nthreads && !(watch_signals && exiting)) {
		now = now_ns();
		if (now >= deadline)
			break;
		until = deadline - now < EB_POLL_NS ? deadline : now + EB_POLL_NS;
		ts.tv_sec = (time_t)(until / 1000000000ULL);
		ts.tv_nsec = (long)(until % 1000000000ULL);
		pthread_cond_timedwait(&ctx->cond, &ctx->lock, &ts);
	}
	all = ctx->ndone >= nthreads;
	pthread_mutex_unlock(&ctx->lock);
	return all;
}

/* Stop the threads still running: the flag, then immediate_exit, then the signal. */
static void kick(struct vcpu_job *jobs, size_t n, enum stop_reason why)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!jobs[i].started || atomic_load(&jobs[i].done))
			continue;
		atomic_store(&jobs[i].stop, why);
		jobs[i].v->run->immediate_exit = 1;
		pthread_kill(jobs[i].thread, SIGUSR1);
	}
}

/*
 * One kind: create its VMs and vCPUs, run one thread per vCPU under the
 * watchdog, check the results into @run. Returns false if a vCPU thread
 * could not be stopped; its VM and results are then left alone (leaked).
 */
static bool run_kind(int kvm_fd, const struct eb_opts *o, int kind, struct eb_run *run)
{
	uint64_t deadline = now_ns() + (uint64_t)o->timeout_s * 1000000000ULL, grace;
	size_t code_size = (size_t)(eb_guest_code_end - eb_guest_code), nr, i, nstarted = 0;
	struct kind_ctx ctx = { .ndone = 0 };
	struct vcpu_job *jobs = NULL;
	struct eb_vm *vms = NULL;
	pthread_condattr_t ca;
	sigset_t block, old;
	bool all_done = true;
	enum stop_reason why;
	char err[256];
	int vm, c, nvms = 0, rc;

	run->kind = kind;
	run->ok = true;
	nr = (size_t)o->vms * (size_t)o->vcpus;
	run->r = calloc(nr, sizeof(*run->r));
	vms = calloc((size_t)o->vms, sizeof(*vms));
	jobs = calloc(nr, sizeof(*jobs));
	if (!run->r || !vms || !jobs) {
		run->ok = false;
		snprintf(run->error, sizeof(run->error), "out of memory");
		free(vms);
		free(jobs);
		return true;
	}
	pthread_mutex_init(&ctx.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ctx.cond, &ca);
	pthread_condattr_destroy(&ca);

	for (vm = 0; vm < o->vms; vm++) {
		nvms = vm + 1;
		if (eb_vm_create(&vms[vm], kvm_fd, vm, o->vcpus, eb_guest_code, code_size, err, sizeof(err)))
			goto setup_failed;
		for (c = 0; c < o->vcpus; c++) {
			if (eb_vcpu_setup(&vms[vm].vcpus[c], kind, o->n, eb_kind_batch(kind, o->batch),
					  err, sizeof(err)))
				goto setup_failed;
			i = (size_t)vm * (size_t)o->vcpus + (size_t)c;
			run->r[i].vm = vm;
			run->r[i].vcpu = c;
			jobs[i].o = o;
			jobs[i].kind = kind;
			jobs[i].v = &vms[vm].vcpus[c];
			jobs[i].r = &run->r[i];
			jobs[i].ctx = &ctx;
		}
	}
	run->nr = nr;
	if (o->verbose)
		fprintf(stderr, "naclscope: exitbench: %s: %zu vCPU thread(s), guest code %zu bytes, timeout %ld s\n",
			eb_kind_name(kind), nr, code_size, o->timeout_s);

	/* SIGINT and SIGTERM go to this thread only; the vCPU threads get the kick */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < nr; i++) {
		rc = pthread_create(&jobs[i].thread, NULL, vcpu_thread, &jobs[i]);
		if (rc) {
			snprintf(run->error, sizeof(run->error), "pthread_create: %s", strerror(rc));
			run->ok = false;
			break;
		}
		jobs[i].started = true;
		nstarted++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (nstarted == nr)
		wait_threads(&ctx, nr, deadline, true);
	why = nstarted < nr ? STOP_ABORT : exiting ? STOP_INTERRUPT : STOP_TIMEOUT;
	kick(jobs, nr, why);
	/* the kicked threads leave KVM_RUN at once; re-kick in case one slipped past */
	for (grace = now_ns() + EB_KICK_GRACE_S * 1000000000ULL; now_ns() < grace;) {
		if (wait_threads(&ctx, nstarted, now_ns() + EB_POLL_NS, false))
			break;
		kick(jobs, nr, why);
	}
	for (i = 0; i < nr; i++) {
		if (!jobs[i].started) {
			run->r[i].ok = true;
			eb_vcpu_fail(&run->r[i], "not started: %s", run->error);
			continue;
		}
		if (atomic_load(&jobs[i].done)) {
			pthread_join(jobs[i].thread, NULL);
			eb_verify(kind, o->n, &run->r[i]);
			continue;
		}
		/* still in the kernel: its memory stays with it, the report gets a copy */
		all_done = false;
		pthread_detach(jobs[i].thread);
	}
	if (!all_done) {
		struct eb_vcpu_result *copy = calloc(nr, sizeof(*copy));

		for (i = 0; copy && i < nr; i++) {
			copy[i].vm = run->r[i].vm;
			copy[i].vcpu = run->r[i].vcpu;
			if (atomic_load(&jobs[i].done)) {
				copy[i] = run->r[i];
				continue;
			}
			copy[i].ok = true;
			eb_vcpu_fail(&copy[i], "did not leave KVM_RUN within %d s of the watchdog's kick",
				     EB_KICK_GRACE_S);
		}
		run->r = copy;
		run->nr = copy ? nr : 0;
		run->ok = false;
		if (!copy)
			snprintf(run->error, sizeof(run->error), "vCPU threads stuck in KVM_RUN");
		eb_run_finish(run);
		return false;	/* jobs, vms and ctx stay: the stuck threads use them */
	}
	eb_run_finish(run);
	goto cleanup;

setup_failed:
	run->ok = false;
	run->nr = 0;
	snprintf(run->error, sizeof(run->error), "set-up: %s", err);
cleanup:
	for (vm = 0; vm < nvms; vm++)
		eb_vm_destroy(&vms[vm]);
	pthread_cond_destroy(&ctx.cond);
	pthread_mutex_destroy(&ctx.lock);
	free(jobs);
	free(vms);
	return true;
}

int main(int argc, char **argv)
{
	struct eb_opts o;
	struct hf_facts facts;
	struct eb_run runs[EB_NR_KINDS] = { 0 };
	struct sigaction stop = { .sa_handler = on_stop }, kick_sa = { .sa_handler = on_kick };
	char err[256];
	size_t nruns = 0, i, j;
	int kvm_fd, rc;
	bool clean = true;
	json_t *doc;

	rc = eb_parse_args(argc, argv, &o, err, sizeof(err));
	if (rc == 1)
		return 0;
	if (rc) {
		fprintf(stderr, "naclscope: exitbench: %s\n", err);
		return 2;
	}
	kvm_fd = eb_kvm_open(err, sizeof(err));
	if (kvm_fd < 0) {
		fprintf(stderr, "naclscope: exitbench: %s\n", err);
		return 2;
	}
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGUSR1, &kick_sa, NULL);
	hf_gather(&facts);

	for (i = 0; i < (size_t)o.nkinds; i++) {
		nruns = i + 1;
		if (exiting) {
			runs[i].kind = o.kinds[i];
			snprintf(runs[i].error, sizeof(runs[i].error), "not run: interrupted");
			continue;
		}
		clean = run_kind(kvm_fd, &o, o.kinds[i], &runs[i]) && clean;
		for (j = 0; j < runs[i].nr; j++)
			if (!runs[i].r[j].ok)
				fprintf(stderr, "naclscope: exitbench: %s: VM %d vCPU %d: %s\n",
					eb_kind_name(runs[i].kind), runs[i].r[j].vm, runs[i].r[j].vcpu,
					runs[i].r[j].error);
		if (!runs[i].ok && !runs[i].nr)
			fprintf(stderr, "naclscope: exitbench: %s: %s\n", eb_kind_name(runs[i].kind),
				runs[i].error);
		if (!clean)
			break;	/* a thread stuck in KVM_RUN: no new VMs beside it */
	}
	for (i = nruns; i < (size_t)o.nkinds; i++, nruns++) {
		runs[i].kind = o.kinds[i];
		snprintf(runs[i].error, sizeof(runs[i].error), "not run: an earlier kind's vCPU is stuck in KVM_RUN");
	}
	if (o.json) {
		doc = eb_report_json(&o, &facts, runs, nruns);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(doc);
	} else {
		eb_report_table(stdout, &o, &facts, runs, nruns);
	}
	fflush(stdout);
	rc = eb_exit_status(runs, nruns);
	if (!clean)
		_exit(rc);	/* the stuck threads would hold up exit() */
	for (i = 0; i < nruns; i++)
		free(runs[i].r);
	close(kvm_fd);
	return rc;
}
