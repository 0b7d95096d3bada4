// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Unit tests for tools/lib/hostfacts.c (cmocka): SBI implementation names and versions, kernel log parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "hostfacts.h"

static void test_sbi_impl_names_cover_every_id_the_spec_lists(void **state)
{
	static const char *const spec[] = {
		"Berkeley Boot Loader (BBL)", "OpenSBI", "Xvisor", "KVM", "RustSBI", "Diosix",
		"Coffer", "Xen Project", "PolarFire Hart Software Services", "coreboot", "oreboot",
		"bhyve",
	};
	unsigned long id;

	(void)state;
	for (id = 0; id < sizeof(spec) / sizeof(spec[0]); id++)
		assert_string_equal(hf_sbi_impl_name(id), spec[id]);
	assert_null(hf_sbi_impl_name(12));
	assert_null(hf_sbi_impl_name(0x3002));
	assert_null(hf_sbi_impl_name(-1UL));
}

static void test_sbi_impl_describe_names_unknown_ids_in_hex(void **state)
{
	char buf[HF_IMPL_LEN];

	(void)state;
	hf_sbi_impl_describe(1, buf, sizeof(buf));
	assert_string_equal(buf, "OpenSBI");
	hf_sbi_impl_describe(8, buf, sizeof(buf));
	assert_string_equal(buf, "PolarFire Hart Software Services");
	hf_sbi_impl_describe(42, buf, sizeof(buf));
	assert_string_equal(buf, "unknown (id 0x2a)");
	hf_sbi_impl_describe(0x4e41434c, buf, sizeof(buf));
	assert_string_equal(buf, "unknown (id 0x4e41434c)");
}

static void test_sbi_version_opensbi_is_major_dot_minor(void **state)
{
	char buf[HF_VERSION_LEN];

	(void)state;
	assert_true(hf_sbi_impl_version(HF_SBI_IMPL_OPENSBI, 0x10008, buf, sizeof(buf)));
	assert_string_equal(buf, "1.8");
	assert_true(hf_sbi_impl_version(HF_SBI_IMPL_OPENSBI, 0x10002, buf, sizeof(buf)));
	assert_string_equal(buf, "1.2");
	assert_true(hf_sbi_impl_version(HF_SBI_IMPL_OPENSBI, 0x2000a, buf, sizeof(buf)));
	assert_string_equal(buf, "2.10");
}

static void test_sbi_version_kvm_is_linux_version_code(void **state)
{
	char buf[HF_VERSION_LEN];

	(void)state;
	/* KERNEL_VERSION(7, 3, 4) */
	assert_true(hf_sbi_impl_version(HF_SBI_IMPL_KVM, (7 << 16) | (3 << 8) | 4, buf, sizeof(buf)));
	assert_string_equal(buf, "7.3.4");
	/* the patch level saturates at 255 */
	assert_true(hf_sbi_impl_version(HF_SBI_IMPL_KVM, 0x060cff, buf, sizeof(buf)));
	assert_string_equal(buf, "6.12.255");
}

static void test_sbi_version_unknown_encoding_is_raw_hex_never_a_guess(void **state)
{
	static const unsigned long ids[] = {
		HF_SBI_IMPL_BBL, HF_SBI_IMPL_XVISOR, HF_SBI_IMPL_RUSTSBI, HF_SBI_IMPL_DIOSIX,
		HF_SBI_IMPL_COFFER, HF_SBI_IMPL_XEN, HF_SBI_IMPL_POLARFIRE_HSS, HF_SBI_IMPL_COREBOOT,
		HF_SBI_IMPL_OREBOOT, HF_SBI_IMPL_BHYVE, 12, 0x12345,
	};
	char buf[HF_VERSION_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_false(hf_sbi_impl_version(ids[i], 0x3002, buf, sizeof(buf)));
		assert_string_equal(buf, "0x3002");
	}
	assert_false(hf_sbi_impl_version(HF_SBI_IMPL_XVISOR, 0, buf, sizeof(buf)));
	assert_string_equal(buf, "0x0");
	assert_false(hf_sbi_impl_version(99, 0xffffffffffffffffUL, buf, sizeof(buf)));
	assert_string_equal(buf, "0xffffffffffffffff");
}

static const char boot_log[] =
	"<6>[    0.000000] Linux version 7.3.4 (debian-kernel@lists.debian.org)\n"
	"<6>[    0.000000] SBI specification v2.0 detected\n"
	"<6>[    0.000000] SBI implementation ID=0x1 Version=0x10008\n"
	"<6>[    0.000000] SBI TIME extension detected\n"
	"<6>[    3.100000] kvm [101]: SBI nested acceleration offers 0xf, enabled 0xf (nacl_features=0xf)\n"
	"<6>[    9.200000] kvm [140]: SBI nested acceleration offers 0xf, enabled 0x3 (nacl_features=0x3)\n"
	/* kvm.ko's next line with NACL on names the features, not the masks */
	"<6>[    9.200100] kvm [140]: using SBI nested acceleration with sync_csr, sync_hfence\n";

static void test_klog_gives_spec_impl_version_and_last_nacl_line(void **state)
{
	struct hf_facts f;

	(void)state;
	hf_init(&f);
	hf_parse_klog(&f, boot_log);
	assert_string_equal(f.sbi_spec, "2.0");
	assert_int_equal(f.sbi_impl_id, 1);
	assert_int_equal(f.sbi_impl_version, 0x10008);
	assert_string_equal(f.sbi_impl, "OpenSBI");
	assert_string_equal(f.sbi_version, "1.8");
	assert_int_equal(f.nacl_offered, 0xf);
	assert_int_equal(f.nacl_enabled, 0x3);
}

static void test_klog_unknown_l0_keeps_raw_version(void **state)
{
	struct hf_facts f;

	(void)state;
	hf_init(&f);
	hf_parse_klog(&f, "SBI specification v2.0 detected\n"
			  "SBI implementation ID=0x2 Version=0x3002\n");
	assert_string_equal(f.sbi_impl, "Xvisor");
	assert_string_equal(f.sbi_version, "0x3002");
	assert_int_equal(f.sbi_impl_version, 0x3002);
	hf_init(&f);
	hf_parse_klog(&f, "SBI implementation ID=0x99 Version=0x3002\n");
	assert_int_equal(f.sbi_impl_id, 0x99);
	assert_string_equal(f.sbi_impl, "unknown (id 0x99)");
	assert_string_equal(f.sbi_version, "0x3002");
}

static void test_klog_nacl_not_available_is_zero_masks(void **state)
{
	struct hf_facts f;

	(void)state;
	hf_init(&f);
	hf_parse_klog(&f, "kvm [1]: SBI nested acceleration offers 0x7, enabled 0x7 (nacl_features=0xf)\n"
			  "kvm [2]: SBI nested acceleration not available (nacl_features=0xf)\n");
	assert_int_equal(f.nacl_offered, 0);
	assert_int_equal(f.nacl_enabled, 0);
}

static void test_klog_without_the_lines_leaves_facts_unknown(void **state)
{
	struct hf_facts f;

	(void)state;
	hf_init(&f);
	hf_parse_klog(&f, "<6>[    0.000000] Linux version 7.3.4\n"
			  "SBI implementation ID=garbage\n"
			  "SBI nested acceleration offers nothing\n");
	assert_string_equal(f.sbi_spec, "");
	assert_int_equal(f.sbi_impl_id, -1);
	assert_int_equal(f.sbi_impl_version, -1);
	assert_string_equal(f.sbi_impl, "");
	assert_string_equal(f.sbi_version, "");
	assert_int_equal(f.nacl_offered, -1);
	assert_int_equal(f.nacl_enabled, -1);
	hf_parse_klog(&f, "");
	assert_int_equal(f.nacl_offered, -1);
}

static void test_gather_reads_this_host_without_failing(void **state)
{
	struct hf_facts f;

	(void)state;
	hf_gather(&f);
	/* uname always answers; the log and the kvm parameter may be out of reach */
	assert_true(f.kernel[0] != '\0');
	assert_true(f.machine[0] != '\0');
	if (!f.nacl_param_present)
		assert_string_equal(f.nacl_param, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbi_impl_names_cover_every_id_the_spec_lists),
		cmocka_unit_test(test_sbi_impl_describe_names_unknown_ids_in_hex),
		cmocka_unit_test(test_sbi_version_opensbi_is_major_dot_minor),
		cmocka_unit_test(test_sbi_version_kvm_is_linux_version_code),
		cmocka_unit_test(test_sbi_version_unknown_encoding_is_raw_hex_never_a_guess),
		cmocka_unit_test(test_klog_gives_spec_impl_version_and_last_nacl_line),
		cmocka_unit_test(test_klog_unknown_l0_keeps_raw_version),
		cmocka_unit_test(test_klog_nacl_not_available_is_zero_masks),
		cmocka_unit_test(test_klog_without_the_lines_leaves_facts_unknown),
		cmocka_unit_test(test_gather_reads_this_host_without_failing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
