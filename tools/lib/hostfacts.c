// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Host facts for naclscope and exitbench: see hostfacts.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/utsname.h>

#include "hostfacts.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define NACL_PARAM	"/sys/module/kvm/parameters/nacl_features"

/* The SBI specification's table of implementation ids, in id order. */
static const char *const sbi_impl_names[] = {
	[HF_SBI_IMPL_BBL] = "Berkeley Boot Loader (BBL)",
	[HF_SBI_IMPL_OPENSBI] = "OpenSBI",
	[HF_SBI_IMPL_XVISOR] = "Xvisor",
	[HF_SBI_IMPL_KVM] = "KVM",
	[HF_SBI_IMPL_RUSTSBI] = "RustSBI",
	[HF_SBI_IMPL_DIOSIX] = "Diosix",
	[HF_SBI_IMPL_COFFER] = "Coffer",
	[HF_SBI_IMPL_XEN] = "Xen Project",
	[HF_SBI_IMPL_POLARFIRE_HSS] = "PolarFire Hart Software Services",
	[HF_SBI_IMPL_COREBOOT] = "coreboot",
	[HF_SBI_IMPL_OREBOOT] = "oreboot",
	[HF_SBI_IMPL_BHYVE] = "bhyve",
};

const char *hf_sbi_impl_name(unsigned long id)
{
	return id < ARRAY_SIZE(sbi_impl_names) ? sbi_impl_names[id] : NULL;
}

void hf_sbi_impl_describe(unsigned long id, char *buf, size_t len)
{
	const char *n = hf_sbi_impl_name(id);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "unknown (id 0x%lx)", id);
}

bool hf_sbi_impl_version(unsigned long id, unsigned long version, char *buf, size_t len)
{
	switch (id) {
	case HF_SBI_IMPL_OPENSBI:
		/* include/sbi/sbi_version.h: OPENSBI_VERSION_MAJOR << 16 | MINOR */
		snprintf(buf, len, "%lu.%lu", version >> 16, version & 0xffff);
		return true;
	case HF_SBI_IMPL_KVM:
		/*
		 * arch/riscv/kvm/vcpu_sbi_base.c answers LINUX_VERSION_CODE:
		 * major << 16 | minor << 8 | min(patch, 255).
		 */
		snprintf(buf, len, "%lu.%lu.%lu", version >> 16, (version >> 8) & 0xff, version & 0xff);
		return true;
	default:
		snprintf(buf, len, "0x%lx", version);
		return false;
	}
}

void hf_init(struct hf_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->sbi_impl_id = -1;
	f->sbi_impl_version = -1;
	f->nacl_offered = -1;
	f->nacl_enabled = -1;
}

/* the last occurrence of @needle in @hay, or NULL */
static const char *last_of(const char *hay, const char *needle)
{
	const char *p, *last = NULL;

	for (p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		last = p;
	return last;
}

void hf_parse_klog(struct hf_facts *f, const char *log)
{
	static const char offers[] = "SBI nested acceleration offers ";
	static const char none[] = "SBI nested acceleration not available";
	unsigned long maj, min, id, ver, off, en;
	const char *p, *q;

	p = last_of(log, "SBI specification v");
	if (p && sscanf(p, "SBI specification v%lu.%lu", &maj, &min) == 2)
		snprintf(f->sbi_spec, sizeof(f->sbi_spec), "%lu.%lu", maj, min);

	p = last_of(log, "SBI implementation ID=");
	if (p && sscanf(p, "SBI implementation ID=0x%lx Version=0x%lx", &id, &ver) == 2) {
		f->sbi_impl_id = (long)id;
		f->sbi_impl_version = (long long)ver;
		hf_sbi_impl_describe(id, f->sbi_impl, sizeof(f->sbi_impl));
		hf_sbi_impl_version(id, ver, f->sbi_version, sizeof(f->sbi_version));
	}

	/*
	 * The last kvm.ko load's line: "offers X, enabled Y" or "not
	 * available"; with NACL on, "using SBI nested acceleration with ..."
	 * follows it and tells nothing of the masks.
	 */
	p = last_of(log, offers);
	q = last_of(log, none);
	if (q && (!p || q > p)) {
		f->nacl_offered = 0;
		f->nacl_enabled = 0;
	} else if (p && sscanf(p + sizeof(offers) - 1, "0x%lx, enabled 0x%lx", &off, &en) == 2) {
		f->nacl_offered = (long)off;
		f->nacl_enabled = (long)en;
	}
}

static void read_line(const char *path, char *buf, size_t len, bool *present)
{
	FILE *fp = fopen(path, "r");

	buf[0] = '\0';
	*present = fp != NULL;
	if (!fp)
		return;
	if (fgets(buf, (int)len, fp))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(fp);
}

void hf_gather(struct hf_facts *f)
{
	struct utsname u;
	char *log;
	int len;

	hf_init(f);
	if (!uname(&u)) {
		snprintf(f->kernel, sizeof(f->kernel), "%s", u.release);
		snprintf(f->machine, sizeof(f->machine), "%s", u.machine);
	}
	read_line(NACL_PARAM, f->nacl_param, sizeof(f->nacl_param), &f->nacl_param_present);

	len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (len <= 0)
		return;
	log = malloc((size_t)len + 1);
	if (!log)
		return;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	if (len > 0) {
		log[len] = '\0';
		hf_parse_klog(f, log);
	}
	free(log);
}
