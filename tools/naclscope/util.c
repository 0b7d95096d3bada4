// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* naclscope's one-line errors and range-checked number parsing, shared by every command. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <argp.h>
#include "cli.h"

void ns_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, NS_PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ns_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int ns_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

int ns_parse_refresh(int key, char *arg, struct argp_state *state, struct ns_refresh *r)
{
	switch (key) {
	case 'i':
		if (ns_parse_long(arg, 1, 3600, &r->interval))
			argp_error(state, "invalid interval: %s", arg);
		return 0;
	case 'c':
		if (ns_parse_long(arg, 1, 1000000, &r->count))
			argp_error(state, "invalid count: %s", arg);
		return 0;
	case 'p':
		if (ns_parse_long(arg, 1, 0x7fffffff, &r->pid))
			argp_error(state, "invalid PID: %s", arg);
		return 0;
	case ARGP_KEY_ARG:
		/* positional [interval] [count], as the libbpf tools take them */
		if (state->arg_num == 0 && !ns_parse_long(arg, 1, 3600, &r->interval))
			return 0;
		if (state->arg_num == 1 && !ns_parse_long(arg, 1, 1000000, &r->count))
			return 0;
		argp_error(state, "unexpected argument '%s' (positional: [interval] [count])", arg);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}
