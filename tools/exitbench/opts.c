// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench command line and exit kinds. Free of KVM and architecture
 * headers: tests/unit/test_exitbench.c runs it on the build host.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exitbench.h"

const char *argp_program_version = "exitbench 0.1 (naclscope)";
const char *argp_program_bug_address = "<https://github.com/naclscope/naclscope/issues>";

static const char doc[] =
"Run guest code that makes exactly N exits of one kind per vCPU and time them.\n"
"\n"
"USAGE: exitbench [--kind KIND[,KIND...]] [-n N] [--vms V] [--vcpus C] [--timeout S] [--json] [-v]\n"
"\n"
"Kinds:\n"
"  sbi-kernel  SBI Base get_spec_version, answered by KVM in the kernel\n"
"  sbi-user    SBI call to EID 0x084e5301 (experimental range), KVM_EXIT_RISCV_SBI\n"
"  mmio-user   8-byte store to unbacked GPA 0x10000000, KVM_EXIT_MMIO\n"
"  csr         read of the cycle CSR: a virtual-instruction exit KVM answers\n"
"              (csr_exit_kernel) or, where the L0 raises it or KVM's PMU\n"
"              refuses the read, an illegal-instruction exception KVM\n"
"              redirects to the guest, which completes the access (reported\n"
"              as redirected; naclscope then files the L0's ones under\n"
"              exc:illegal_insn)\n"
"  wfi         WFI with a supervisor software interrupt pending but masked\n"
"              and the SBI timer set to 0 in the set-up, so KVM emulates it\n"
"              and resumes at once (wfi_exit_stat)\n"
"  mix         exit i (from 0) is of kind i mod 5 in the order above, so\n"
"              each kind gets N/5 exits and the first N mod 5 kinds one more\n"
"  all         every kind above, one after the other\n"
"\n"
"Several kinds run one after the other, each on new VMs. Each kind has\n"
"--timeout seconds (set-up included); a kind that fails or overruns\n"
"(its vCPUs are kicked out of KVM_RUN) is reported with the reason, the\n"
"others still run, and the exit status is 1.\n"
"\n"
"In-kernel exits are timed per KVM_RUN: the guest makes a control call to\n"
"user space after every --batch of them (counted apart, as are the start\n"
"and done calls).\n"
"\n"
"EXAMPLES:\n"
"    exitbench --kind sbi-user -n 1000          # 1000 SBI exits to user space\n"
"    exitbench --kind wfi -n 100000 --vcpus 2   # two vCPUs, 100000 WFI each\n"
"    exitbench --kind csr,wfi,mix --timeout 30  # three kinds, 30 s each at most\n"
"    exitbench --kind mix -n 1000 --vms 2 --json";

enum {
	OPT_KIND = 'k',
	OPT_N = 'n',
	OPT_VMS = 0x100,
	OPT_VCPUS,
	OPT_BATCH,
	OPT_TIMEOUT,
	OPT_JSON = 'j',
	OPT_VERBOSE = 'v',
	OPT_HELP = 'h',
	OPT_USAGE,
	OPT_VERSION = 'V',
};

static const struct argp_option options[] = {
	{ "kind", OPT_KIND, "KIND", 0, "sbi-kernel, sbi-user, mmio-user, csr, wfi, mix or all; several comma-separated or repeated (default sbi-user)", 0 },
	{ "count", OPT_N, "N", 0, "measured exits per vCPU, 1..100000000 (default 1000)", 0 },
	{ "vms", OPT_VMS, "V", 0, "VMs, 1..16 (default 1)", 0 },
	{ "vcpus", OPT_VCPUS, "C", 0, "vCPUs per VM, one thread each, 1..64 (default 1)", 0 },
	{ "batch", OPT_BATCH, "B", 0, "in-kernel exits per timed KVM_RUN (default 100)", 0 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0, "watchdog: each kind fails after 1..86400 s (default 120)", 0 },
	{ "json", OPT_JSON, NULL, 0, "JSON report on stdout instead of the table", 0 },
	{ "verbose", OPT_VERBOSE, NULL, 0, "progress and unexpected exits on stderr", 0 },
	{ "help", OPT_HELP, NULL, 0, "show this help", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "show a short usage message", -1 },
	{ "version", OPT_VERSION, NULL, 0, "show the version", -1 },
	{},
};

static const char *const kind_names[EB_NR_KINDS] = {
	[EB_KIND_SBI_KERNEL] = "sbi-kernel",
	[EB_KIND_SBI_USER] = "sbi-user",
	[EB_KIND_MMIO_USER] = "mmio-user",
	[EB_KIND_CSR] = "csr",
	[EB_KIND_WFI] = "wfi",
	[EB_KIND_MIX] = "mix",
};

/* The KVM vCPU stat that counts each basic kind one for one. */
static const char *const kind_stats[EB_NR_BASIC_KINDS] = {
	[EB_KIND_SBI_KERNEL] = NULL,	/* no upstream counter for in-kernel SBI */
	[EB_KIND_SBI_USER] = "ecall_exit_stat",
	[EB_KIND_MMIO_USER] = "mmio_exit_user",
	[EB_KIND_CSR] = "csr_exit_kernel",
	[EB_KIND_WFI] = "wfi_exit_stat",
};

const char *eb_kind_name(int kind)
{
	if (kind < 0 || kind >= EB_NR_KINDS)
		return "unknown";
	return kind_names[kind];
}

int eb_kind_from_name(const char *name)
{
	int k;

	for (k = 0; k < EB_NR_KINDS; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}

bool eb_kind_is_user(int kind)
{
	return kind == EB_KIND_SBI_USER || kind == EB_KIND_MMIO_USER;
}

unsigned int eb_setup_sbi_kernel_calls(int kind)
{
	return kind == EB_KIND_WFI || kind == EB_KIND_MIX;
}

long eb_kind_batch(int kind, long batch)
{
	return eb_kind_is_user(kind) || kind == EB_KIND_MIX ? 0 : batch;
}

const char *eb_kind_stat(int k)
{
	if (k < 0 || k >= EB_NR_BASIC_KINDS)
		return NULL;
	return kind_stats[k];
}

uint64_t eb_expected(int kind, long n, int k)
{
	if (n <= 0 || k < 0 || k >= EB_NR_BASIC_KINDS)
		return 0;
	if (kind == EB_KIND_MIX)
		return (uint64_t)(n / EB_NR_BASIC_KINDS + (k < n % EB_NR_BASIC_KINDS));
	return kind == k ? (uint64_t)n : 0;
}

struct parse_state {
	struct eb_opts *o;
	char *err;
	size_t errlen;
	int printed;
};

static int fail(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err[0])		/* keep the first, most specific message */
		return EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return EINVAL;
}

/* strtol with errno and full-string checks; range [lo, hi] */
static int parse_long(struct parse_state *ps, const char *what, const char *arg,
		      long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno == ERANGE || (errno == 0 && *end == '\0' && end != arg && (v < lo || v > hi)))
		return fail(ps, "%s must be %ld..%ld, got '%s'", what, lo, hi, arg);
	if (errno || end == arg || *end != '\0')
		return fail(ps, "%s must be a number, got '%s'", what, arg);
	*out = v;
	return 0;
}

static int add_kind(struct parse_state *ps, int kind)
{
	struct eb_opts *o = ps->o;
	int i;

	for (i = 0; i < o->nkinds; i++)
		if (o->kinds[i] == kind)
			return fail(ps, "kind '%s' given twice", eb_kind_name(kind));
	o->kinds[o->nkinds++] = kind;	/* at most EB_NR_KINDS distinct kinds */
	return 0;
}

/* "csr", "csr,wfi,mix" or "all" */
static int parse_kinds(struct parse_state *ps, const char *arg)
{
	const char *p = arg, *end;
	char name[16];
	size_t len;
	int kind, err = 0;

	do {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		kind = -1;
		if (len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			kind = eb_kind_from_name(name);
		}
		if (len == 3 && !strncmp(p, "all", 3)) {
			for (kind = 0; kind < EB_NR_KINDS && !err; kind++)
				err = add_kind(ps, kind);
		} else if (kind >= 0) {
			err = add_kind(ps, kind);
		} else {
			return fail(ps, "unknown kind '%.*s' (known: sbi-kernel, sbi-user, mmio-user, csr, wfi, mix, all)",
				    (int)len, p);
		}
		p = end + 1;
	} while (end && !err);
	return err;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct eb_opts *o = ps->o;
	long v;
	int err;

	switch (key) {
	case OPT_KIND:
		err = parse_kinds(ps, arg);
		if (err)
			return err;
		break;
	case OPT_N:
		err = parse_long(ps, "-n", arg, 1, EB_MAX_N, &o->n);
		if (err)
			return err;
		break;
	case OPT_VMS:
		err = parse_long(ps, "--vms", arg, 1, EB_MAX_VMS, &v);
		if (err)
			return err;
		o->vms = (int)v;
		break;
	case OPT_VCPUS:
		err = parse_long(ps, "--vcpus", arg, 1, EB_MAX_VCPUS, &v);
		if (err)
			return err;
		o->vcpus = (int)v;
		break;
	case OPT_BATCH:
		err = parse_long(ps, "--batch", arg, 1, EB_MAX_BATCH, &o->batch);
		if (err)
			return err;
		break;
	case OPT_TIMEOUT:
		err = parse_long(ps, "--timeout", arg, 1, EB_MAX_TIMEOUT, &o->timeout_s);
		if (err)
			return err;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_VERBOSE:
		o->verbose = true;
		break;
	case OPT_HELP:
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP & ~ARGP_HELP_EXIT_OK);
		ps->printed = 1;
		break;
	case OPT_USAGE:
		argp_state_help(state, stdout, ARGP_HELP_USAGE);
		ps->printed = 1;
		break;
	case OPT_VERSION:
		printf("%s\n", argp_program_version);
		ps->printed = 1;
		break;
	case ARGP_KEY_ARG:
		return fail(ps, "unexpected argument '%s'", arg);
	case ARGP_KEY_ERROR:
		if (state->next > 0 && state->next <= state->argc)
			return fail(ps, "unknown option or missing value: '%s' (try --help)",
				    state->argv[state->next - 1]);
		return fail(ps, "bad command line (try --help)");
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int eb_parse_args(int argc, char **argv, struct eb_opts *o, char *err, size_t errlen)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.doc = doc,
	};
	struct parse_state ps = { .o = o, .err = err, .errlen = errlen };
	error_t rc;

	*o = (struct eb_opts){
		.n = 1000,
		.vms = 1,
		.vcpus = 1,
		.batch = EB_DEF_BATCH,
		.timeout_s = EB_DEF_TIMEOUT,
	};
	if (errlen)
		err[0] = '\0';
	rc = argp_parse(&argp, argc, argv, ARGP_NO_EXIT | ARGP_NO_ERRS | ARGP_NO_HELP, NULL, &ps);
	if (rc || err[0]) {
		if (!err[0])
			fail(&ps, "bad command line (try --help)");
		return 2;
	}
	if (!o->nkinds)
		o->kinds[o->nkinds++] = EB_KIND_SBI_USER;
	return ps.printed ? 1 : 0;
}
