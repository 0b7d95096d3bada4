// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench report: JSON (jansson) and the human table. No KVM or
 * architecture headers: unit-tested on the build host.
 */
#include <inttypes.h>
#include <string.h>

#include "exitbench.h"

uint64_t eb_stat_get(const struct eb_vcpu_result *r, const char *name, bool *found)
{
	unsigned int i;

	for (i = 0; i < r->nstats; i++) {
		if (!strcmp(r->stats[i].name, name)) {
			if (found)
				*found = true;
			return r->stats[i].value;
		}
	}
	if (found)
		*found = false;
	return 0;
}

static uint64_t measured(const struct eb_vcpu_result *r)
{
	uint64_t sum = 0;
	int k;

	for (k = 0; k < EB_NR_BASIC_KINDS; k++)
		sum += r->guest_kind[k];
	return sum;
}

static uint64_t mean_ns(const struct eb_vcpu_result *r)
{
	uint64_t n = measured(r);

	return n ? r->total_ns / n : 0;
}

/*
 * The L1's facts (tools/lib/hostfacts.c, as in naclscope's recordings).
 * sbi_impl_version is the number as reported; sbi_impl_version_text is
 * decoded where the implementation's encoding is known ("1.8" for
 * OpenSBI, "7.3.4" for KVM) and raw hex otherwise ("0x3002").
 */
static json_t *facts_json(const struct hf_facts *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "kernel_release", json_string(f->kernel));
	json_object_set_new(o, "sbi_spec_version", json_string(f->sbi_spec[0] ? f->sbi_spec : "unknown"));
	json_object_set_new(o, "sbi_impl_id", f->sbi_impl_id >= 0 ? json_integer(f->sbi_impl_id) : json_null());
	json_object_set_new(o, "sbi_impl_name", json_string(f->sbi_impl[0] ? f->sbi_impl : "unknown"));
	json_object_set_new(o, "sbi_impl_version",
			    f->sbi_impl_version >= 0 ? json_integer(f->sbi_impl_version) : json_null());
	json_object_set_new(o, "sbi_impl_version_text",
			    f->sbi_version[0] ? json_string(f->sbi_version) : json_null());
	json_object_set_new(o, "nacl_features", f->nacl_param_present ? json_string(f->nacl_param) : json_null());
	json_object_set_new(o, "nacl_offered", f->nacl_offered >= 0 ? json_integer(f->nacl_offered) : json_null());
	json_object_set_new(o, "nacl_enabled", f->nacl_enabled >= 0 ? json_integer(f->nacl_enabled) : json_null());
	return o;
}

static bool has_csr(int kind, const struct eb_vcpu_result *r)
{
	return kind == EB_KIND_CSR || kind == EB_KIND_MIX || r->guest_kind[EB_KIND_CSR] || r->csr_illegal;
}

static json_t *vcpu_json(int kind, const struct eb_vcpu_result *r)
{
	json_t *o = json_object(), *exits = json_object(), *host = json_object();
	json_t *rt = json_object(), *stats = json_object(), *setup = json_object();
	json_t *teardown = json_object();
	unsigned int i;
	int k;

	json_object_set_new(o, "vm", json_integer(r->vm));
	json_object_set_new(o, "vcpu", json_integer(r->vcpu));
	json_object_set_new(o, "ok", json_boolean(r->ok));
	if (!r->ok)
		json_object_set_new(o, "error", json_string(r->error));
	for (k = 0; k < EB_NR_BASIC_KINDS; k++) {
		if (r->guest_kind[k])
			json_object_set_new(exits, eb_kind_name(k), json_integer((json_int_t)r->guest_kind[k]));
		if (eb_kind_is_user(k))
			json_object_set_new(host, eb_kind_name(k), json_integer((json_int_t)r->host_kind[k]));
	}
	json_object_set_new(o, "exits", exits);
	json_object_set_new(o, "guest_count", json_integer((json_int_t)r->guest_total));
	/* csr accesses that came back as illegal-instruction exceptions (of exits.csr) */
	if (has_csr(kind, r))
		json_object_set_new(o, "csr_redirected_illegal", json_integer((json_int_t)r->csr_illegal));
	json_object_set_new(o, "host_user_exits", host);
	json_object_set_new(rt, "runs", json_integer((json_int_t)r->runs));
	json_object_set_new(rt, "total", json_integer((json_int_t)r->total_ns));
	json_object_set_new(rt, "mean", json_integer((json_int_t)mean_ns(r)));
	json_object_set_new(rt, "min", json_integer((json_int_t)r->min_ns));
	json_object_set_new(rt, "max", json_integer((json_int_t)r->max_ns));
	json_object_set_new(o, "rt_ns", rt);
	json_object_set_new(setup, "user_exits", json_integer((json_int_t)r->setup_user_exits));
	json_object_set_new(setup, "kvm_exits", json_integer((json_int_t)r->setup_kvm_exits));
	json_object_set_new(setup, "sbi_kernel_calls", json_integer((json_int_t)r->setup_sbi_kernel_calls));
	json_object_set_new(o, "setup", setup);
	json_object_set_new(teardown, "user_exits", json_integer((json_int_t)r->teardown_user_exits));
	json_object_set_new(o, "teardown", teardown);
	json_object_set_new(o, "window_control_exits", json_integer((json_int_t)r->window_ctl_exits));
	for (i = 0; i < r->nstats; i++)
		json_object_set_new(stats, r->stats[i].name, json_integer((json_int_t)r->stats[i].value));
	json_object_set_new(o, "kvm_stats", stats);
	return o;
}

/* one kind's fields, into @root: kind, batch, results, total, ok, error */
static void run_json(json_t *root, const struct eb_opts *o, const struct eb_run *run, bool facts_before,
		     const struct hf_facts *f)
{
	json_t *arr = json_array(), *tot = json_object();
	uint64_t exits = 0, ns = 0;
	long batch = eb_kind_batch(run->kind, o->batch);
	size_t i;

	json_object_set_new(root, "kind", json_string(eb_kind_name(run->kind)));
	if (facts_before) {
		json_object_set_new(root, "n", json_integer(o->n));
		json_object_set_new(root, "vms", json_integer(o->vms));
		json_object_set_new(root, "vcpus", json_integer(o->vcpus));
	}
	json_object_set_new(root, "batch", batch ? json_integer(batch) : json_null());
	if (facts_before) {
		json_object_set_new(root, "timeout_s", json_integer(o->timeout_s));
		json_object_set_new(root, "facts", facts_json(f));
	}
	for (i = 0; i < run->nr; i++) {
		json_array_append_new(arr, vcpu_json(run->kind, &run->r[i]));
		exits += measured(&run->r[i]);
		ns += run->r[i].total_ns;
	}
	json_object_set_new(root, "results", arr);
	json_object_set_new(tot, "exits", json_integer((json_int_t)exits));
	json_object_set_new(tot, "total_ns", json_integer((json_int_t)ns));
	json_object_set_new(tot, "mean_ns", json_integer((json_int_t)(exits ? ns / exits : 0)));
	json_object_set_new(root, "total", tot);
	json_object_set_new(root, "ok", json_boolean(run->ok));
	if (!run->ok)
		json_object_set_new(root, "error", json_string(run->error));
}

json_t *eb_report_json(const struct eb_opts *o, const struct hf_facts *f,
		       const struct eb_run *runs, size_t nruns)
{
	json_t *root = json_object(), *kinds, *arr, *failed, *one;
	bool ok = true;
	size_t i;

	json_object_set_new(root, "schema", json_integer(EB_JSON_SCHEMA));
	json_object_set_new(root, "tool", json_string("exitbench"));
	if (nruns == 1) {
		run_json(root, o, &runs[0], true, f);
		return root;
	}
	kinds = json_array();
	arr = json_array();
	failed = json_object();
	for (i = 0; i < nruns; i++) {
		json_array_append_new(kinds, json_string(eb_kind_name(runs[i].kind)));
		one = json_object();
		run_json(one, o, &runs[i], false, f);
		json_array_append_new(arr, one);
		if (!runs[i].ok)
			json_object_set_new(failed, eb_kind_name(runs[i].kind), json_string(runs[i].error));
		ok = ok && runs[i].ok;
	}
	json_object_set_new(root, "kinds", kinds);
	json_object_set_new(root, "n", json_integer(o->n));
	json_object_set_new(root, "vms", json_integer(o->vms));
	json_object_set_new(root, "vcpus", json_integer(o->vcpus));
	json_object_set_new(root, "timeout_s", json_integer(o->timeout_s));
	json_object_set_new(root, "facts", facts_json(f));
	json_object_set_new(root, "runs", arr);
	json_object_set_new(root, "failed", failed);
	json_object_set_new(root, "ok", json_boolean(ok && nruns));
	return root;
}

static void row(FILE *out, const struct eb_vcpu_result *r, const char *kind, uint64_t exits,
		bool times, const char *stat)
{
	fprintf(out, "%-3d %-4d %-10s %10" PRIu64, r->vm, r->vcpu, kind, exits);
	if (times)
		fprintf(out, " %14" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64,
			r->total_ns, mean_ns(r), r->min_ns, r->max_ns);
	else
		fprintf(out, " %14s %9s %9s %9s", "-", "-", "-", "-");
	fprintf(out, " %6" PRIu64 " %5" PRIu64 " %-22s %s\n", r->setup_user_exits,
		r->window_ctl_exits, stat, r->ok ? "ok" : r->error);
}

static void run_rows(FILE *out, const struct eb_run *run)
{
	const struct eb_vcpu_result *r;
	char stat[64];
	const char *sname;
	uint64_t val;
	size_t i;
	bool found;
	int k;

	if (!run->nr) {		/* failed before any vCPU ran */
		fprintf(out, "%-3s %-4s %-10s %10s %14s %9s %9s %9s %6s %5s %-22s %s\n", "-", "-",
			eb_kind_name(run->kind), "-", "-", "-", "-", "-", "-", "-", "-", run->error);
		return;
	}
	for (i = 0; i < run->nr; i++) {
		r = &run->r[i];
		if (run->kind == EB_KIND_MIX)
			row(out, r, "mix", measured(r), true, "-");
		for (k = 0; k < EB_NR_BASIC_KINDS; k++) {
			if (!r->guest_kind[k] && run->kind != k)
				continue;
			sname = eb_kind_stat(k);
			found = false;
			val = sname ? eb_stat_get(r, sname, &found) : 0;
			if (found && k == EB_KIND_CSR && r->csr_illegal)
				snprintf(stat, sizeof(stat), "%s=%" PRIu64 " +%" PRIu64 " illegal", sname, val,
					 r->csr_illegal);
			else if (found)
				snprintf(stat, sizeof(stat), "%s=%" PRIu64, sname, val);
			else
				snprintf(stat, sizeof(stat), "-");
			row(out, r, eb_kind_name(k), r->guest_kind[k], run->kind != EB_KIND_MIX, stat);
		}
	}
}

/*
 * Where csr accesses came back as illegal-instruction exceptions: how
 * many, and from where. KVM's PMU refused those of virtual-instruction
 * exits (naclscope's key stays exc:virtual_instruction/csr:cycle); the
 * L0 raised those KVM counts in instr_illegal_exits (key exc:illegal_insn).
 */
static void csr_notes(FILE *out, const struct eb_run *run)
{
	const struct eb_vcpu_result *r;
	uint64_t l0;
	size_t i;
	bool found;

	for (i = 0; i < run->nr; i++) {
		r = &run->r[i];
		if (!r->csr_illegal)
			continue;
		l0 = eb_stat_get(r, "instr_illegal_exits", &found);
		fprintf(out, "%s: VM %d vCPU %d: %" PRIu64 " of %" PRIu64 " csr accesses came back to the guest"
			" as illegal-instruction exceptions, completed by its trap handler",
			eb_kind_name(run->kind), r->vm, r->vcpu, r->csr_illegal, r->guest_kind[EB_KIND_CSR]);
		if (found)
			fprintf(out, ": %" PRIu64 " refused by KVM's PMU (virtual-instruction exits, naclscope key"
				" exc:virtual_instruction), %" PRIu64 " raised by the L0 (instr_illegal_exits,"
				" naclscope key exc:illegal_insn)", r->csr_illegal - l0, l0);
		fputc('\n', out);
	}
}

void eb_report_table(FILE *out, const struct eb_opts *o, const struct hf_facts *f,
		     const struct eb_run *runs, size_t nruns)
{
	char impl[128], nacl[64], kinds[96];
	size_t i, len = 0;
	bool mix = false;

	if (f->sbi_impl_id >= 0)
		snprintf(impl, sizeof(impl), "%s (id %ld) version %s (0x%llx)", f->sbi_impl,
			 f->sbi_impl_id, f->sbi_version, f->sbi_impl_version);
	else
		snprintf(impl, sizeof(impl), "unknown");
	if (f->nacl_offered >= 0)
		snprintf(nacl, sizeof(nacl), "offered 0x%lx, enabled 0x%lx", f->nacl_offered, f->nacl_enabled);
	else
		snprintf(nacl, sizeof(nacl), "unknown");
	kinds[0] = '\0';
	for (i = 0; i < nruns; i++) {
		len += (size_t)snprintf(kinds + len, sizeof(kinds) - len, "%s%s", i ? ", " : "",
					eb_kind_name(runs[i].kind));
		if (len >= sizeof(kinds))
			len = sizeof(kinds) - 1;
		mix = mix || runs[i].kind == EB_KIND_MIX;
	}
	fprintf(out, "exitbench: kind%s %s, %ld exits per vCPU, %d VM(s) x %d vCPU(s), timeout %ld s per kind\n",
		nruns > 1 ? "s" : "", kinds, o->n, o->vms, o->vcpus, o->timeout_s);
	fprintf(out, "kernel %s, SBI %s, implementation %s, NACL %s (kvm.nacl_features %s)\n\n",
		f->kernel, f->sbi_spec[0] ? f->sbi_spec : "unknown", impl, nacl,
		f->nacl_param_present ? f->nacl_param : "n/a");
	fprintf(out, "%-3s %-4s %-10s %10s %14s %9s %9s %9s %6s %5s %-22s %s\n",
		"VM", "VCPU", "KIND", "EXITS", "TOTAL_NS", "MEAN_NS", "MIN_NS", "MAX_NS",
		"SETUP", "CTL", "KVM_STAT", "RESULT");
	for (i = 0; i < nruns; i++)
		run_rows(out, &runs[i]);
	if (mix)
		fprintf(out, "\n(mix: exit i is of kind i mod 5; times are over all kinds, on the mix rows)\n");
	for (i = 0; i < nruns; i++)
		csr_notes(out, &runs[i]);
	for (i = 0; i < nruns; i++)
		if (!runs[i].ok)
			fprintf(out, "%s FAILED: %s\n", eb_kind_name(runs[i].kind), runs[i].error);
}
