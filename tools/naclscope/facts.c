// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Host facts recorded with every recording: kernel, SBI implementation, NACL features. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include "cli.h"

#define NACL_PARAM "/sys/module/kvm/parameters/nacl_features"

static char *read_line(const char *path)
{
	char buf[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return strdup(buf);
}

static const char *sbi_impl_name(unsigned long id)
{
	switch (id) {
	case 0: return "BBL";
	case 1: return "OpenSBI";
	case 2: return "Xvisor";
	case 3: return "KVM";
	case 4: return "RustSBI";
	case 5: return "Diosix";
	case 6: return "Coffer";
	case 7: return "Xen";
	case 8: return "PolarFire HSS";
	}
	return NULL;
}

/* "SBI implementation ID=0x1 Version=0x10008" from the kernel log (root only). */
static void sbi_from_klog(struct ns_recording *r)
{
	unsigned long id, ver;
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p;
	const char *n;

	if (len <= 0)
		return;
	buf = malloc(len + 1);
	if (!buf)
		return;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len > 0) {
		buf[len] = 0;
		p = strstr(buf, "SBI implementation ID=");
		if (p && sscanf(p, "SBI implementation ID=%lx Version=%lx", &id, &ver) == 2) {
			n = sbi_impl_name(id);
			r->sbi_impl = n ? strdup(n) : NULL;
			if (!n && asprintf(&r->sbi_impl, "id %#lx", id) < 0)
				r->sbi_impl = NULL;
			if (asprintf(&r->sbi_version, "%lu.%lu", ver >> 16, ver & 0xffff) < 0)
				r->sbi_version = NULL;
		}
	}
	free(buf);
}

void ns_host_facts(struct ns_recording *r)
{
	struct utsname u;
	char *end;
	long long v;

	r->tool = strdup(NS_PROG " " NS_VERSION);
	if (!uname(&u)) {
		r->kernel = strdup(u.release);
		r->machine = strdup(u.machine);
	}
	sbi_from_klog(r);
	r->nacl_param = read_line(NACL_PARAM);
	if (r->nacl_param) {
		v = strtoll(r->nacl_param, &end, 0);
		if (end != r->nacl_param && !*end && v >= 0)
			r->nacl_enabled = v;
	}
}
