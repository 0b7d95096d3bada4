/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Facts about the L1 a tool runs on, shared by naclscope (recordings) and
 * exitbench (its report): kernel release, the SBI implementation Linux
 * found at boot, and the NACL features kvm.ko was offered and enabled.
 *
 * The SBI implementation version is an opaque number whose encoding each
 * implementation chooses; it is decoded only where the encoding is known
 * (OpenSBI, KVM) and shown as raw hex otherwise, never guessed.
 *
 * Parsing (hf_parse_klog) is apart from reading (hf_gather: uname,
 * klogctl, sysfs), so the parsers are unit-tested on the build host.
 */
#ifndef NACLSCOPE_HOSTFACTS_H
#define NACLSCOPE_HOSTFACTS_H

#include <stdbool.h>
#include <stddef.h>

/* SBI implementation ids (SBI specification, "SBI Implementation IDs") */
#define HF_SBI_IMPL_BBL		0
#define HF_SBI_IMPL_OPENSBI	1
#define HF_SBI_IMPL_XVISOR	2
#define HF_SBI_IMPL_KVM		3
#define HF_SBI_IMPL_RUSTSBI	4
#define HF_SBI_IMPL_DIOSIX	5
#define HF_SBI_IMPL_COFFER	6
#define HF_SBI_IMPL_XEN		7
#define HF_SBI_IMPL_POLARFIRE_HSS 8
#define HF_SBI_IMPL_COREBOOT	9
#define HF_SBI_IMPL_OREBOOT	10
#define HF_SBI_IMPL_BHYVE	11

#define HF_IMPL_LEN	48	/* "PolarFire Hart Software Services", "unknown (id 0x...)" */
#define HF_VERSION_LEN	32	/* "65535.65535", "255.255.255", "0xffffffffffffffff" */

struct hf_facts {
	char kernel[65];		/* uname -r; "" unknown */
	char machine[65];		/* uname -m; "" unknown */
	char sbi_spec[16];		/* "2.0"; "" unknown */
	long sbi_impl_id;		/* -1 unknown */
	long long sbi_impl_version;	/* as reported (raw); -1 unknown */
	char sbi_impl[HF_IMPL_LEN];	/* hf_sbi_impl_describe(); "" unknown */
	char sbi_version[HF_VERSION_LEN]; /* hf_sbi_impl_version(); "" unknown */
	bool nacl_param_present;	/* /sys/module/kvm/parameters/nacl_features exists */
	char nacl_param[64];		/* its contents, as read */
	long nacl_offered;		/* from kvm.ko's last NACL log line; -1 unknown */
	long nacl_enabled;		/* likewise (offered & nacl_features); -1 unknown */
};

/* The SBI specification's name for @id, or NULL when the specification lists no such id. */
const char *hf_sbi_impl_name(unsigned long id);

/* The name, or "unknown (id 0x2a)" for an id the specification does not list. */
void hf_sbi_impl_describe(unsigned long id, char *buf, size_t len);

/*
 * The implementation version as text: "1.8" for OpenSBI (major << 16 |
 * minor), "7.3.4" for KVM (Linux's LINUX_VERSION_CODE, major << 16 |
 * minor << 8 | patch), raw hex ("0x3002") for every other id. Returns
 * true when the version was decoded, false when it is raw hex.
 */
bool hf_sbi_impl_version(unsigned long id, unsigned long version, char *buf, size_t len);

/* Everything unknown. */
void hf_init(struct hf_facts *f);

/*
 * Take the SBI and NACL facts from a kernel log (the whole ring buffer as
 * klogctl or dmesg return it): Linux's "SBI specification v2.0 detected"
 * and "SBI implementation ID=0x1 Version=0x10008" boot lines, and kvm.ko's
 * last "SBI nested acceleration offers 0x.., enabled 0x.." or "... not
 * available" line (kernel/patches 0005: the load that is current). Facts
 * the log does not hold are left as they are.
 */
void hf_parse_klog(struct hf_facts *f, const char *log);

/* hf_init, then uname, the kernel log (needs CAP_SYSLOG or dmesg_restrict=0) and sysfs. */
void hf_gather(struct hf_facts *f);

#endif
