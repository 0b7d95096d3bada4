// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Host facts recorded with every recording: kernel, SBI implementation and
 * version, NACL features. tools/lib/hostfacts.c gathers them, the same way
 * as for exitbench's report.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "hostfacts.h"

static char *dup_or_null(const char *s)
{
	return s[0] ? strdup(s) : NULL;
}

void ns_host_facts(struct ns_recording *r)
{
	struct hf_facts f;
	char *end;
	long long v;

	hf_gather(&f);
	r->tool = strdup(NS_PROG " " NS_VERSION);
	r->kernel = dup_or_null(f.kernel);
	r->machine = dup_or_null(f.machine);
	/* "OpenSBI" / "unknown (id 0x2a)"; "1.8", "7.3.4" (KVM) or raw "0x3002" */
	r->sbi_impl = dup_or_null(f.sbi_impl);
	r->sbi_version = dup_or_null(f.sbi_version);
	r->nacl_param = f.nacl_param_present ? strdup(f.nacl_param) : NULL;
	r->nacl_offered = f.nacl_offered;
	r->nacl_enabled = f.nacl_enabled;
	/* without kvm.ko's log line, what the parameter asks for */
	if (r->nacl_enabled < 0 && r->nacl_param) {
		v = strtoll(r->nacl_param, &end, 0);
		if (end != r->nacl_param && !*end && v >= 0)
			r->nacl_enabled = v;
	}
}
