// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench-ab: merge and tabulate the sides of an A/B run (scripts/ab).
 * Each side is FIRMWARE:MASK[@unpatched]; its boot left, per kind, the
 * exitbench --json report (<dir>/<fw>@<kern>/ab/<mask>.<kind>.json) and the
 * firmware's counters (.fw: "hart N name=value ..." lines of
 * naclscope_fw.ko, when it loaded). Prints the table of mean (min) per
 * exit, path/hstatus and the firmware's work per exit, with ratios to the
 * first side, and for nested L0 sides the traps per exit by cause;
 * optionally writes the merged results as JSON. Exit status 1 when any
 * side's exitbench failed, 2 on bad input.
 *
 * usage: exitbench-ab --dir DIR --kinds "K..." [--ns] [--json FILE]
 *                     [--nested FW]... SIDE...
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "kvm_stats_names.h"

#define MAX_SIDES	32
#define MAX_KINDS	8
#define MAX_CTRS	128

enum cause { C_HCSR, C_VSCSR, C_SRET, C_HLV, C_HFENCE, C_SBI, C_L2, C_IRQ, C_TOTAL, NCAUSES };
static const char *const cause_names[NCAUSES] = {
	"h_csr", "vs_csr", "sret", "hlv_hsv", "hfence", "sbi", "l2_trap", "l1_irq", "total",
};

struct counters {
	char name[MAX_CTRS][48];
	long long val[MAX_CTRS];
	int n;
};

struct entry {
	const char *side;
	const char *kind;
	bool ok;
	long long mean, min;
	json_t *kvm_exits;	/* borrowed: the stat, or NULL */
	const char *path, *mode;
	bool have_fw, have_l0;
	double fwrt, l0[NCAUSES];
	json_t *facts;		/* borrowed */
	json_t *doc;		/* owned */
};

static void usage(void)
{
	fprintf(stderr, "usage: exitbench-ab --dir DIR --kinds \"K...\" [--ns] [--json FILE] "
		"[--nested FW]... SIDE...\n");
	exit(2);
}

static void die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "exitbench-ab: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	exit(2);
}

static long long ctr(const struct counters *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return c->val[i];
	return 0;
}

/* "hart N a=1 b=2 ..." lines, summed over the harts; false when the file is absent */
static bool read_fw(const char *path, struct counters *c)
{
	char line[4096], *tok, *save, *eq, *end;
	FILE *f = fopen(path, "r");
	long long v;
	int field, i;

	c->n = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		field = 0;
		for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
			if (field++ < 2)
				continue;
			eq = strchr(tok, '=');
			if (!eq)
				die("%s: '%s' is not name=value", path, tok);
			*eq = 0;
			errno = 0;
			v = strtoll(eq + 1, &end, 10);
			if (errno || end == eq + 1 || *end)
				die("%s: counter %s has no integer value", path, tok);
			for (i = 0; i < c->n; i++)
				if (!strcmp(c->name[i], tok))
					break;
			if (i == c->n) {
				if (c->n == MAX_CTRS)
					die("%s: more than %s counters", path, "128");
				snprintf(c->name[c->n], sizeof(c->name[0]), "%s", tok);
				c->val[c->n++] = 0;
			}
			c->val[i] += v;
		}
	}
	fclose(f);
	return true;
}

static bool truthy(json_t *v)
{
	return v && !json_is_null(v) && !json_is_false(v) &&
	       !(json_is_integer(v) && !json_integer_value(v));
}

static void load(struct entry *e, const char *dir, const char *side, const char *kind, bool nested)
{
	char fw[256], mask[16], kern[16], path[4096];
	const char *colon = strchr(side, ':'), *at;
	static const char *const modes[] = { "autoswap", "sync_csr", "direct" };
	json_error_t je;
	json_t *r, *st;
	struct counters c;
	double exits, sret;
	size_t i;

	if (!colon || (size_t)(colon - side) >= sizeof(fw))
		die("side '%s' is not FIRMWARE:MASK[@unpatched]%s", side, "");
	snprintf(fw, sizeof(fw), "%.*s", (int)(colon - side), side);
	at = strchr(colon + 1, '@');
	snprintf(mask, sizeof(mask), "%.*s", at ? (int)(at - colon - 1) : 15, colon + 1);
	snprintf(kern, sizeof(kern), "%s", at ? at + 1 : "patched");
	snprintf(path, sizeof(path), "%s/%s@%s/ab/%s.%s.json", dir, fw, kern, mask, kind);
	e->doc = json_load_file(path, 0, &je);
	if (!e->doc)
		die("%s: %s", path, je.text);
	r = json_array_get(json_object_get(e->doc, "results"), 0);
	st = json_object_get(r, "kvm_stats");
	if (!json_is_object(r) || !json_is_object(st))
		die("%s: no results[0].kvm_stats%s", path, "");
	e->side = side;
	e->kind = kind;
	e->ok = json_is_true(json_object_get(e->doc, "ok"));
	e->mean = json_integer_value(json_object_get(json_object_get(r, "rt_ns"), "mean"));
	e->min = json_integer_value(json_object_get(json_object_get(r, "rt_ns"), "min"));
	e->kvm_exits = json_object_get(st, NS_STAT_EXITS);
	e->facts = json_object_get(e->doc, "facts");
	exits = (double)json_integer_value(e->kvm_exits);
	if (exits < 1)
		exits = 1;
	if (truthy(json_object_get(st, NS_STAT_NACL_SRET_ENTRIES)))
		e->path = "sync_sret";
	else if (json_object_get(st, NS_STAT_SWITCH_TO_ENTRIES) &&
		 !json_is_null(json_object_get(st, NS_STAT_SWITCH_TO_ENTRIES)))
		e->path = "switch_to";
	else
		e->path = "-";
	e->mode = "-";
	for (i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "hstatus_%s", modes[i]);
		if (truthy(json_object_get(st, name))) {
			e->mode = modes[i];
			break;
		}
	}
	snprintf(path, sizeof(path), "%s/%s@%s/ab/%s.%s.fw", dir, fw, kern, mask, kind);
	e->have_fw = read_fw(path, &c);
	if (!e->have_fw)
		return;
	e->fwrt = (double)(ctr(&c, "probe_feature") + ctr(&c, "set_shmem") + ctr(&c, "sync_csr") +
			   ctr(&c, "sync_hfence") + ctr(&c, "sync_sret") + ctr(&c, "unknown_func") +
			   ctr(&c, "guest_traps") + ctr(&c, "direct_traps")) / exits;
	if (!nested)
		return;
	/* traps to the L0 by cause, per KVM exit */
	e->have_l0 = true;
	e->l0[C_HCSR] = (double)(ctr(&c, "nested_hcsr_read") + ctr(&c, "nested_hcsr_write")) / exits;
	e->l0[C_VSCSR] = (double)(ctr(&c, "nested_vscsr_read") + ctr(&c, "nested_vscsr_write")) / exits;
	sret = (double)ctr(&c, "nested_sret") / exits;
	e->l0[C_SRET] = sret - (double)ctr(&c, "sync_sret") / exits;
	e->l0[C_HLV] = (double)(ctr(&c, "nested_hlv") + ctr(&c, "nested_hsv")) / exits;
	e->l0[C_HFENCE] = (double)ctr(&c, "nested_hfence") / exits;
	e->l0[C_SBI] = (double)ctr(&c, "nested_sbi_call") / exits;
	e->l0[C_L2] = (double)ctr(&c, "nested_l2_exit") / exits;
	e->l0[C_IRQ] = (double)ctr(&c, "nested_l1_irq") / exits;
	e->l0[C_TOTAL] = (double)(ctr(&c, "nested_virt_insn") + ctr(&c, "nested_sbi_call") +
				  ctr(&c, "nested_l2_exit")) / exits;
}

static json_t *entry_json(const struct entry *e)
{
	json_t *o = json_object(), *l0;
	int i;

	json_object_set_new(o, "side", json_string(e->side));
	json_object_set_new(o, "kind", json_string(e->kind));
	json_object_set_new(o, "ok", json_boolean(e->ok));
	json_object_set_new(o, "mean", json_integer(e->mean));
	json_object_set_new(o, "min", json_integer(e->min));
	json_object_set_new(o, "kvm_exits", e->kvm_exits ? json_incref(e->kvm_exits) : json_null());
	json_object_set_new(o, "path", json_string(e->path));
	json_object_set_new(o, "hstatus", json_string(e->mode));
	json_object_set_new(o, "fw_round_trips_per_exit", e->have_fw ? json_real(e->fwrt) : json_null());
	if (e->have_l0) {
		l0 = json_object();
		for (i = 0; i < NCAUSES; i++)
			json_object_set_new(l0, cause_names[i], json_real(e->l0[i]));
		json_object_set_new(o, "l0_traps_per_exit", l0);
	} else {
		json_object_set_new(o, "l0_traps_per_exit", json_null());
	}
	json_object_set_new(o, "facts", e->facts ? json_incref(e->facts) : json_null());
	return o;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *jpath = NULL, *nested[MAX_SIDES], *sides[MAX_SIDES];
	const char *kinds[MAX_KINDS];
	char kindbuf[256], *tok, *save, cell[MAX_KINDS][MAX_SIDES][3][96];
	struct entry e[MAX_KINDS][MAX_SIDES];
	int nnested = 0, nsides = 0, nkinds = 0, i, k, j, w = 0, sw = 16, ret = 0;
	bool icount = true, any_l0 = false;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			jpath = argv[++i];
		} else if (!strcmp(argv[i], "--ns")) {
			icount = false;
		} else if (!strcmp(argv[i], "--nested") && i + 1 < argc) {
			if (nnested == MAX_SIDES)
				usage();
			nested[nnested++] = argv[++i];
		} else if (!strcmp(argv[i], "--kinds") && i + 1 < argc) {
			snprintf(kindbuf, sizeof(kindbuf), "%s", argv[++i]);
			for (tok = strtok_r(kindbuf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
				if (nkinds == MAX_KINDS)
					usage();
				kinds[nkinds++] = tok;
			}
		} else if (argv[i][0] == '-') {
			usage();
		} else {
			if (nsides == MAX_SIDES)
				usage();
			sides[nsides++] = argv[i];
		}
	}
	if (!dir || !nkinds || !nsides)
		usage();
	memset(e, 0, sizeof(e));
	for (j = 0; j < nsides; j++) {
		char fw[256];
		bool is_nested = false;
		const char *colon = strchr(sides[j], ':');

		snprintf(fw, sizeof(fw), "%.*s", colon ? (int)(colon - sides[j]) : 0, sides[j]);
		for (i = 0; i < nnested; i++)
			is_nested |= !strcmp(nested[i], fw);
		for (k = 0; k < nkinds; k++) {
			load(&e[k][j], dir, sides[j], kinds[k], is_nested);
			any_l0 |= e[k][j].have_l0;
			if (!e[k][j].ok)
				ret = 1;
		}
		if ((int)strlen(sides[j]) > w)
			w = (int)strlen(sides[j]);
		if (is_nested && (int)strlen(sides[j]) > sw)
			sw = (int)strlen(sides[j]);
	}
	/* cells: mean (min), path/mode and the firmware's work, ratio to the first side */
	for (k = 0; k < nkinds; k++)
		for (j = 0; j < nsides; j++) {
			const struct entry *x = &e[k][j];
			double base = e[k][0].mean ? (double)e[k][0].mean : 1;
			char fwc[32];

			if (x->have_l0)
				snprintf(fwc, sizeof(fwc), "L0 %.2f", x->l0[C_TOTAL]);
			else if (x->have_fw)
				snprintf(fwc, sizeof(fwc), "fw %.2f", x->fwrt);
			else
				snprintf(fwc, sizeof(fwc), "fw -");
			snprintf(cell[k][j][0], sizeof(cell[0][0][0]), "%lld (%lld)%s", x->mean, x->min,
				 x->ok ? "" : " FAILED");
			snprintf(cell[k][j][1], sizeof(cell[0][0][0]), "%s/%s %s", x->path, x->mode, fwc);
			snprintf(cell[k][j][2], sizeof(cell[0][0][0]), "x%.3f", (double)x->mean / base);
			for (i = 0; i < 3; i++)
				if ((int)strlen(cell[k][j][i]) > w)
					w = (int)strlen(cell[k][j][i]);
		}
	w += 2;
	printf("mean %s per exit (min), path/hstatus, NACL firmware round trips (fw) or traps to the L0 (L0)"
	       " per exit; ratio = mean / %s\n", icount ? "instr" : "ns", sides[0]);
	printf("%-10s", "kind");
	for (j = 0; j < nsides; j++)
		printf("%*s", w, sides[j]);
	printf("\n");
	for (k = 0; k < nkinds; k++)
		for (i = 0; i < 3; i++) {
			printf("%-10s", i == 0 ? kinds[k] : "");
			for (j = 0; j < nsides; j++)
				printf("%*s", w, cell[k][j][i]);
			printf("\n");
		}
	if (any_l0) {
		printf("\ntraps to the nested L0 per KVM exit, by cause (sret: SRET instructions; sbi: L1's SBI"
		       " calls, NACL's included;\nl2_trap: L2 traps taken into L1; l1_irq: L2 runs ended by an"
		       " L1 interrupt, no trap of their own)\n");
		printf("%-10s %-*s", "kind", sw, "side");
		for (i = 0; i < NCAUSES; i++)
			printf("%9s", cause_names[i]);
		printf("\n");
		/* in the order the sides were merged: side by side, kinds within */
		for (j = 0; j < nsides; j++)
			for (k = 0; k < nkinds; k++) {
				if (!e[k][j].have_l0)
					continue;
				printf("%-10s %-*s", kinds[k], sw, sides[j]);
				for (i = 0; i < NCAUSES; i++)
					printf("%9.2f", e[k][j].l0[i]);
				printf("\n");
			}
	}
	if (jpath) {
		json_t *root = json_object(), *arr = json_array(), *jsides = json_array();

		for (j = 0; j < nsides; j++)
			json_array_append_new(jsides, json_string(sides[j]));
		for (j = 0; j < nsides; j++)
			for (k = 0; k < nkinds; k++)
				json_array_append_new(arr, entry_json(&e[k][j]));
		json_object_set_new(root, "unit", json_string(icount ? "instr" : "ns"));
		json_object_set_new(root, "sides", jsides);
		json_object_set_new(root, "results", arr);
		if (json_dump_file(root, jpath, JSON_INDENT(1) | JSON_PRESERVE_ORDER)) {
			fprintf(stderr, "exitbench-ab: cannot write %s\n", jpath);
			ret = 2;
		}
		json_decref(root);
	}
	for (k = 0; k < nkinds; k++)
		for (j = 0; j < nsides; j++)
			json_decref(e[k][j].doc);
	if (fflush(stdout))
		ret = 2;
	return ret;
}
