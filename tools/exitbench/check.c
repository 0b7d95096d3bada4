// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench checks: the guest's counts, the host's and KVM's must agree;
 * the watchdog's and each run's verdict. No KVM or architecture headers:
 * unit-tested on the build host.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "exitbench.h"

void eb_vcpu_fail(struct eb_vcpu_result *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->ok)
		return;
	r->ok = false;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/*
 * csr: every access is one exit, answered in one of two ways. KVM answers
 * the virtual-instruction exit (csr_exit_kernel), or the access comes back
 * to the guest as an illegal-instruction exception that its trap handler
 * completes (r->csr_illegal): the L0 raised it (KVM counts
 * instr_illegal_exits and redirects it) or KVM's PMU refused the read
 * (redirected from the virtual-instruction exit, counted by neither).
 */
static void verify_csr(uint64_t want, struct eb_vcpu_result *r)
{
	uint64_t stat;
	bool found;

	if (r->csr_illegal > want) {
		eb_vcpu_fail(r, "guest completed %" PRIu64 " csr accesses as illegal instructions, made %" PRIu64,
			     r->csr_illegal, want);
		return;
	}
	stat = eb_stat_get(r, "csr_exit_kernel", &found);
	if (found && stat != want - r->csr_illegal) {
		eb_vcpu_fail(r, "KVM stat csr_exit_kernel counted %" PRIu64 ", expected %" PRIu64 " (%" PRIu64
			     " csr less %" PRIu64 " redirected as illegal instruction)",
			     stat, want - r->csr_illegal, want, r->csr_illegal);
		return;
	}
	stat = eb_stat_get(r, "instr_illegal_exits", &found);
	if (found && stat > r->csr_illegal)
		eb_vcpu_fail(r, "KVM stat instr_illegal_exits counted %" PRIu64 ", more than the %" PRIu64
			     " csr accesses the guest completed as illegal instructions", stat, r->csr_illegal);
}

void eb_verify(int kind, long n, struct eb_vcpu_result *r)
{
	uint64_t want, stat, extra;
	const char *name;
	bool found;
	int k;

	if (!r->ok)
		return;
	if (r->guest_total != (uint64_t)n) {
		eb_vcpu_fail(r, "guest counted %" PRIu64 " exits, expected %ld", r->guest_total, n);
		return;
	}
	for (k = 0; k < EB_NR_BASIC_KINDS && r->ok; k++) {
		want = eb_expected(kind, n, k);
		if (r->guest_kind[k] != want) {
			eb_vcpu_fail(r, "guest counted %" PRIu64 " %s exits, expected %" PRIu64,
				     r->guest_kind[k], eb_kind_name(k), want);
			return;
		}
		if (eb_kind_is_user(k) && r->host_kind[k] != want) {
			eb_vcpu_fail(r, "host saw %" PRIu64 " %s exits, guest made %" PRIu64,
				     r->host_kind[k], eb_kind_name(k), want);
			return;
		}
		if (k == EB_KIND_CSR) {
			verify_csr(want, r);
			continue;
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
			eb_vcpu_fail(r, "KVM stat %s counted %" PRIu64 ", expected %" PRIu64 " (%" PRIu64
				     " %s + %" PRIu64 " control calls)", name, stat, want + extra, want,
				     eb_kind_name(k), extra);
			return;
		}
	}
}

void eb_timeout_error(struct eb_vcpu_result *r, long timeout_s, bool setup, uint64_t iteration, long n)
{
	if (setup)
		eb_vcpu_fail(r, "timed out after %ld s (--timeout) in the set-up, before the start call",
			     timeout_s);
	else
		eb_vcpu_fail(r, "timed out after %ld s (--timeout) at iteration %" PRIu64 " of %ld",
			     timeout_s, iteration, n);
}

void eb_run_finish(struct eb_run *run)
{
	size_t i;

	for (i = 0; i < run->nr; i++) {
		if (run->r[i].ok)
			continue;
		if (run->ok)
			snprintf(run->error, sizeof(run->error), "VM %d vCPU %d: %s", run->r[i].vm,
				 run->r[i].vcpu, run->r[i].error);
		run->ok = false;
	}
	if (!run->ok && !run->error[0])
		snprintf(run->error, sizeof(run->error), "failed");
}

int eb_exit_status(const struct eb_run *runs, size_t nruns)
{
	size_t i;

	for (i = 0; i < nruns; i++)
		if (!runs[i].ok)
			return 1;
	return nruns ? 0 : 1;
}
