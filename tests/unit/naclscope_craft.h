/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Crafting recordings for the naclscope unit tests. */
#ifndef NACLSCOPE_CRAFT_H
#define NACLSCOPE_CRAFT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "names.h"
#include "recording.h"

struct craft_key {
	uint32_t pid, vm, vcpu;
	uint8_t path, mode, intr;
	uint32_t cause, ext, sub;
};

/*
 * Add a key with n samples per span: base + (i * 7919) % spread, a fixed
 * spread-wide pattern, so two recordings with the same base have the same
 * distribution and scale multiplies every sample.
 */
static inline struct ns_entry *craft_add(struct ns_recording *r, struct craft_key c, unsigned int n,
					 uint64_t base, uint64_t spread, unsigned int scale)
{
	struct ns_key k;
	struct ns_entry *e;
	unsigned int i, j;

	memset(&k, 0, sizeof(k));
	k.pid = c.pid; k.vm = c.vm; k.vcpu = c.vcpu; k.path = c.path; k.hstatus_mode = c.mode;
	k.intr = c.intr; k.cause = c.cause; k.ext = c.ext; k.sub = c.sub;
	e = ns_rec_add(r, &k);
	if (!e)
		abort();
	for (i = 0; i < n; i++)
		for (j = 0; j < NS_SPANS; j++)
			ns_span_add(&e->span[j], (base * (j + 1) + (uint64_t)(i * 7919ULL) % spread) * scale);
	return e;
}

static inline void craft_facts(struct ns_recording *r)
{
	r->tool = strdup("naclscope 0.1");
	r->kernel = strdup("7.3.4-naclscope");
	r->machine = strdup("riscv64");
	r->sbi_impl = strdup("OpenSBI");
	r->sbi_version = strdup("1.8");
	r->nacl_param = strdup("0xf");
	r->nacl_offered = 15;
	r->nacl_enabled = 15;
	r->duration_s = 2.5;
}

/* Remove a test's scratch directory (cmocka group teardown body). */
static inline int craft_remove_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

#endif /* NACLSCOPE_CRAFT_H */
