// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * naclscope: per-VM exit costs of RISC-V KVM as a nested hypervisor (SBI
 * nested acceleration), aggregated in the kernel by BPF.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

const char *argp_program_version = NS_PROG " " NS_VERSION;

static const char usage[] =
"Usage: naclscope COMMAND [OPTION...]\n"
"\n"
"Per-VM/vCPU exit costs of RISC-V KVM, by exit reason, path and hstatus mode.\n"
"\n"
"Commands:\n"
"  record [-d S] [-p PID] [-o FILE] [-- CMD...]  record into a JSON file (riscv64 guest)\n"
"  top [-i S] [-c N] [-p PID]                    live per-VM/vCPU table (riscv64 guest)\n"
"  stat [-i S] [-c N] [-p PID] [-z]              KVM counters, kvm_stat style\n"
"  report FILE [--format text|csv|json]          report a recording (anywhere)\n"
"  compare A B [--format text|json]              A/B per exit reason (anywhere)\n"
"\n"
"`naclscope COMMAND --help` for a command's options.\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "record", cmd_record },
	{ "top", cmd_top },
	{ "stat", cmd_stat },
	{ "report", cmd_report },
	{ "compare", cmd_compare },
};

int main(int argc, char **argv)
{
	char name[64];
	unsigned int i;

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("%s\n", argp_program_version);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			/* argp names the command in its messages: "naclscope report" */
			snprintf(name, sizeof(name), NS_PROG " %s", cmds[i].name);
			argv[1] = name;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	ns_err("unknown command '%s' (record, top, stat, report, compare; --help)", argv[1]);
	return 2;
}
