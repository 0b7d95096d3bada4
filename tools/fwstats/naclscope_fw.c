// SPDX-License-Identifier: GPL-2.0
/*
 * naclscope_fw: the per-hart counters of the naclscope OpenSBI NACL
 * harness (firmware/patches), read from S-mode so a benchmark can divide
 * firmware round trips by KVM exits.
 *
 * The firmware serves them through a firmware-specific SBI extension
 * (EID 0x0A4E434C): function 0 returns counter a0 of the calling hart
 * (SBI_ERR_INVALID_PARAM past the last one), function 1 clears the
 * calling hart's counters. This module asks every online hart:
 *
 *   /sys/kernel/debug/naclscope_fw/counters   one line per hart:
 *                                             "hart N name=value ..."
 *
 * The nested L0 build (L1 in VS-mode) has a second set from ID 0x100,
 * printed with a "nested_" prefix.
 *   echo 1 > /sys/kernel/debug/naclscope_fw/reset
 *
 * Loading fails with -ENODEV on firmware without the extension.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <asm/sbi.h>

#include "fw_counters.h"

#define NS_FW_EID		0x0A4E434C
#define NS_FW_READ		0
#define NS_FW_RESET		1
#define NS_FW_MAX_COUNTERS	32
#define NS_FW_NESTED_BASE	0x100

/* In the firmware's id order: tools/lib/fw_counters.h, checked by scripts/build-firmware */
static const char *const ns_fw_names[] = { NS_FW_NACL_COUNTERS };
static const char *const ns_fw_nested_names[] = { NS_FW_NESTED_COUNTERS };

struct ns_fw_read {
	unsigned long val[NS_FW_MAX_COUNTERS];
	unsigned long nested[NS_FW_MAX_COUNTERS];
	unsigned int n, n_nested;
};

static unsigned int ns_fw_read_set(unsigned long base, unsigned long *val)
{
	struct sbiret ret;
	unsigned int i;

	for (i = 0; i < NS_FW_MAX_COUNTERS; i++) {
		ret = sbi_ecall(NS_FW_EID, NS_FW_READ, base + i, 0, 0, 0, 0, 0);
		if (ret.error)
			break;
		val[i] = ret.value;
	}
	return i;
}

static void ns_fw_print(struct seq_file *m, const char *prefix,
			const char *const *names, unsigned int nnames,
			const unsigned long *val, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (i < nnames)
			seq_printf(m, " %s%s=%lu", prefix, names[i], val[i]);
		else
			seq_printf(m, " %scounter%u=%lu", prefix, i, val[i]);
	}
}

static struct dentry *ns_fw_dir;

static void ns_fw_read_this_hart(void *arg)
{
	struct ns_fw_read *r = arg;

	r->n = ns_fw_read_set(0, r->val);
	r->n_nested = ns_fw_read_set(NS_FW_NESTED_BASE, r->nested);
}

static void ns_fw_reset_this_hart(void *arg)
{
	sbi_ecall(NS_FW_EID, NS_FW_RESET, 0, 0, 0, 0, 0, 0);
}

static int ns_fw_counters_show(struct seq_file *m, void *unused)
{
	struct ns_fw_read r;
	int cpu;

	for_each_online_cpu(cpu) {
		r.n = 0;
		r.n_nested = 0;
		if (smp_call_function_single(cpu, ns_fw_read_this_hart, &r, 1))
			continue;
		seq_printf(m, "hart %lu", cpuid_to_hartid_map(cpu));
		ns_fw_print(m, "", ns_fw_names, ARRAY_SIZE(ns_fw_names),
			    r.val, r.n);
		ns_fw_print(m, "nested_", ns_fw_nested_names,
			    ARRAY_SIZE(ns_fw_nested_names), r.nested, r.n_nested);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ns_fw_counters);

static ssize_t ns_fw_reset_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	on_each_cpu(ns_fw_reset_this_hart, NULL, 1);
	return count;
}

static const struct file_operations ns_fw_reset_fops = {
	.owner = THIS_MODULE,
	.write = ns_fw_reset_write,
};

static int __init ns_fw_init(void)
{
	if (sbi_probe_extension(NS_FW_EID) <= 0) {
		pr_info("naclscope_fw: the firmware has no naclscope counters\n");
		return -ENODEV;
	}
	ns_fw_dir = debugfs_create_dir("naclscope_fw", NULL);
	debugfs_create_file("counters", 0444, ns_fw_dir, NULL,
			    &ns_fw_counters_fops);
	debugfs_create_file("reset", 0200, ns_fw_dir, NULL, &ns_fw_reset_fops);
	return 0;
}

static void __exit ns_fw_exit(void)
{
	debugfs_remove(ns_fw_dir);
}

module_init(ns_fw_init);
module_exit(ns_fw_exit);
MODULE_DESCRIPTION("Counters of the naclscope OpenSBI NACL harness");
MODULE_LICENSE("GPL");
