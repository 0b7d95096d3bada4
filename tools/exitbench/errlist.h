/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* A check's list of what went wrong, the first few kept (exitbench's e2e checkers). */
#ifndef EXITBENCH_ERRLIST_H
#define EXITBENCH_ERRLIST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EB_ERRS_KEPT	4	/* the first four say enough */

struct eb_errs {
	char text[1024];
	int n;
};

static inline void eb_err(struct eb_errs *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void eb_err(struct eb_errs *e, const char *fmt, ...)
{
	size_t len = strlen(e->text);
	va_list ap;

	if (e->n++ >= EB_ERRS_KEPT)
		return;
	if (len && len < sizeof(e->text) - 2) {
		strcat(e->text, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(e->text + len, sizeof(e->text) - len, fmt, ap);
	va_end(ap);
}

#endif /* EXITBENCH_ERRLIST_H */
