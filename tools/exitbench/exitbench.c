// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench: KVM-API microbenchmark whose L2 guest (guest.S) makes exactly
 * N exits of one kind per vCPU. The guest counts its iterations in guest
 * memory, the host counts what it sees and reads the vCPU's KVM stats at
 * the start and at the end of the measured window; all three must agree.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "exitbench.h"
#include "vm.h"

extern const char eb_guest_code[], eb_guest_code_end[];

static volatile sig_atomic_t exiting;
/* for the signal handler: stop every vCPU thread, even inside KVM_RUN */
static pthread_t *vcpu_threads;
static struct kvm_run **vcpu_runs;
static volatile size_t nr_started;

struct vcpu_job {
	const struct eb_opts *o;
	struct eb_vcpu *v;
	struct eb_vcpu_result *r;
};

static void sig_handler(int sig)
{
	size_t i;

	exiting = 1;
	if (sig == SIGUSR1)
		return;		/* the kick below: only interrupts KVM_RUN */
	for (i = 0; i < nr_started; i++) {
		vcpu_runs[i]->immediate_exit = 1;
		pthread_kill(vcpu_threads[i], SIGUSR1);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void vcpu_fail(struct eb_vcpu_result *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->ok)
		return;
	r->ok = false;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
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

/* One thread per vCPU: KVM_RUN until the guest's done call. */
static void *vcpu_thread(void *arg)
{
	struct vcpu_job *job = arg;
	const struct eb_opts *o = job->o;
	struct eb_vcpu *v = job->v;
	struct eb_vcpu_result *r = job->r;
	struct kvm_run *run = v->run;
	volatile uint64_t *slot = eb_vcpu_slot(v);
	uint64_t s_create[EB_MAX_STATS], s_start[EB_MAX_STATS], s_end[EB_MAX_STATS];
	uint64_t t0, dt, prev_total = 0, total, per;
	enum phase phase = SETUP;
	unsigned int i;
	int rc, k;

	r->ok = true;
	r->min_ns = UINT64_MAX;
	if (eb_stats_read(&v->stats, s_create)) {
		vcpu_fail(r, "reading KVM stats: %s", strerror(errno));
		return NULL;
	}
	while (phase != DONE) {
		if (exiting) {
			vcpu_fail(r, "interrupted");
			break;
		}
		t0 = now_ns();
		rc = ioctl(v->fd, KVM_RUN, NULL);
		dt = now_ns() - t0;
		if (rc < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vcpu_fail(r, "KVM_RUN: %s", strerror(errno));
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
					vcpu_fail(r, "sbi-user exit carried iteration %llu, guest counted %" PRIu64,
						  (unsigned long long)run->riscv_sbi.args[0], total);
				break;
			}
			if (run->riscv_sbi.extension_id != EB_SBI_EID_CTL) {
				vcpu_fail(r, "unexpected SBI call to user space: EID 0x%llx FID %llu",
					  (unsigned long long)run->riscv_sbi.extension_id,
					  (unsigned long long)run->riscv_sbi.function_id);
				phase = DONE;
				break;
			}
			switch (run->riscv_sbi.function_id) {
			case EB_CTL_START:
				r->setup_user_exits++;
				if (eb_stats_read(&v->stats, s_start)) {
					vcpu_fail(r, "reading KVM stats: %s", strerror(errno));
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
					vcpu_fail(r, "reading KVM stats: %s", strerror(errno));
				phase = DONE;
				break;
			case EB_CTL_FAIL:
				vcpu_fail(r, "guest trapped: scause 0x%llx stval 0x%llx sepc 0x%llx",
					  (unsigned long long)run->riscv_sbi.args[0],
					  (unsigned long long)run->riscv_sbi.args[1],
					  (unsigned long long)run->riscv_sbi.args[2]);
				phase = DONE;
				break;
			default:
				vcpu_fail(r, "unknown control call %llu",
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
					vcpu_fail(r, "mmio store carried iteration %" PRIu64 ", guest counted %" PRIu64,
						  val, total);
				break;
			}
			vcpu_fail(r, "unexpected MMIO %s of %u bytes at 0x%llx",
				  run->mmio.is_write ? "store" : "load", run->mmio.len,
				  (unsigned long long)run->mmio.phys_addr);
			phase = DONE;
			break;
		case KVM_EXIT_INTR:
			break;		/* a signal: no guest exit, run again */
		default:
			vcpu_fail(r, "unexpected exit reason %u (%s)", run->exit_reason,
				  exit_reason_name(run->exit_reason));
			phase = DONE;
		}
		if (phase == SETUP && o->verbose)
			fprintf(stderr, "naclscope: exitbench: VM %d vCPU %d: set-up exit %s\n",
				v->vm->index, v->id, exit_reason_name(run->exit_reason));
	}

	r->guest_total = slot[EB_SLOT_TOTAL / 8];
	for (k = 0; k < EB_NR_BASIC_KINDS; k++)
		r->guest_kind[k] = slot[EB_SLOT_KIND / 8 + k];
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
	return NULL;
}

/* The checks: the guest's count, the host's and KVM's must agree. */
static void verify(const struct eb_opts *o, struct eb_vcpu_result *r)
{
	uint64_t want, stat, extra;
	const char *name;
	bool found;
	int k;

	if (!r->ok)
		return;
	if (r->guest_total != (uint64_t)o->n) {
		vcpu_fail(r, "guest counted %" PRIu64 " exits, expected %ld", r->guest_total, o->n);
		return;
	}
	for (k = 0; k < EB_NR_BASIC_KINDS; k++) {
		want = eb_expected(o->kind, o->n, k);
		if (r->guest_kind[k] != want) {
			vcpu_fail(r, "guest counted %" PRIu64 " %s exits, expected %" PRIu64,
				  r->guest_kind[k], eb_kind_name(k), want);
			return;
		}
		if (eb_kind_is_user(k) && r->host_kind[k] != want) {
			vcpu_fail(r, "host saw %" PRIu64 " %s exits, guest made %" PRIu64,
				  r->host_kind[k], eb_kind_name(k), want);
			return;
		}
		name = eb_kind_stat(k);
		if (!name)
			continue;
		stat = eb_stat_get(r, name, &found);
		if (!found)
			continue;
		/* the batch and done calls are SBI exits to user space too */
		extra = k == EB_KIND_SBI_USER ? r->window_ctl_exits : 0;
		if (stat != want + extra) {
			vcpu_fail(r, "KVM stat %s counted %" PRIu64 ", expected %" PRIu64 " (%" PRIu64
				  " %s + %" PRIu64 " control calls)", name, stat, want + extra, want,
				  eb_kind_name(k), extra);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	struct eb_opts o;
	struct hf_facts facts;
	struct eb_vm *vms = NULL;
	struct eb_vcpu_result *res = NULL;
	struct vcpu_job *jobs = NULL;
	pthread_t *threads = NULL;
	struct sigaction sa = { .sa_handler = sig_handler };
	char err[256];
	size_t nr = 0, code_size, i;
	int kvm_fd = -1, rc, ret = 1, vm, c, nvms = 0;
	bool ok = true;
	json_t *j;

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
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	hf_gather(&facts);

	code_size = (size_t)(eb_guest_code_end - eb_guest_code);
	nr = (size_t)o.vms * (size_t)o.vcpus;
	vms = calloc((size_t)o.vms, sizeof(*vms));
	res = calloc(nr, sizeof(*res));
	jobs = calloc(nr, sizeof(*jobs));
	threads = calloc(nr, sizeof(*threads));
	vcpu_runs = calloc(nr, sizeof(*vcpu_runs));
	if (!vms || !res || !jobs || !threads || !vcpu_runs) {
		fprintf(stderr, "naclscope: exitbench: out of memory\n");
		goto cleanup;
	}
	for (vm = 0; vm < o.vms; vm++) {
		nvms = vm + 1;
		if (eb_vm_create(&vms[vm], kvm_fd, vm, o.vcpus, eb_guest_code, code_size, err, sizeof(err)))
			goto fail_setup;
		for (c = 0; c < o.vcpus; c++) {
			if (eb_vcpu_setup(&vms[vm].vcpus[c], o.kind, o.n,
					  eb_kind_is_user(o.kind) || o.kind == EB_KIND_MIX ? 0 : o.batch,
					  err, sizeof(err)))
				goto fail_setup;
			i = (size_t)vm * (size_t)o.vcpus + (size_t)c;
			res[i].vm = vm;
			res[i].vcpu = c;
			jobs[i] = (struct vcpu_job){ .o = &o, .v = &vms[vm].vcpus[c], .r = &res[i] };
			vcpu_runs[i] = vms[vm].vcpus[c].run;
		}
	}
	if (o.verbose)
		fprintf(stderr, "naclscope: exitbench: %zu vCPU thread(s), guest code %zu bytes\n", nr, code_size);
	vcpu_threads = threads;
	for (i = 0; i < nr; i++) {
		rc = pthread_create(&threads[i], NULL, vcpu_thread, &jobs[i]);
		if (rc) {
			fprintf(stderr, "naclscope: exitbench: pthread_create: %s\n", strerror(rc));
			raise(SIGTERM);
			nr = i;
			break;
		}
		nr_started = i + 1;
	}
	for (i = 0; i < nr; i++)
		pthread_join(threads[i], NULL);
	if (exiting)
		ok = false;
	for (i = 0; i < nr; i++) {
		verify(&o, &res[i]);
		if (!res[i].ok) {
			ok = false;
			fprintf(stderr, "naclscope: exitbench: VM %d vCPU %d: %s\n", res[i].vm,
				res[i].vcpu, res[i].error);
		}
	}
	if (o.json) {
		j = eb_report_json(&o, &facts, res, nr);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
	} else {
		eb_report_table(stdout, &o, &facts, res, nr);
	}
	ret = ok ? 0 : 1;
	goto cleanup;

fail_setup:
	fprintf(stderr, "naclscope: exitbench: %s\n", err);
cleanup:
	for (vm = 0; vm < nvms; vm++)
		eb_vm_destroy(&vms[vm]);
	nr_started = 0;
	free(vcpu_runs);
	free(threads);
	free(jobs);
	free(res);
	free(vms);
	if (kvm_fd >= 0)
		close(kvm_fd);
	return ret;
}
