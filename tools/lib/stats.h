/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Summaries of naclscope spans: moments, histogram percentiles, A/B statistics. */
#ifndef NACLSCOPE_STATS_H
#define NACLSCOPE_STATS_H

#include <stdint.h>
#include "hist.h"

struct ns_span {
	uint64_t count;
	uint64_t sum;
	double sum_sq;		/* sum of squares, as double: u64 overflows at 4.3e9 cycles squared */
	uint64_t min;
	uint64_t max;
	uint64_t hist[NS_HIST_BUCKETS];
};

void ns_span_init(struct ns_span *s);
void ns_span_add(struct ns_span *s, uint64_t v);
/* Merge b into a (per-CPU values, or two recordings of one key). */
void ns_span_merge(struct ns_span *a, const struct ns_span *b);
double ns_span_mean(const struct ns_span *s);
double ns_span_stddev(const struct ns_span *s);
/*
 * Percentile p (0..100) from the histogram: the midpoint of the bucket that
 * holds it, clamped to [min, max]. Relative error at most 1/16 of the value
 * (half a bucket); 0 for an empty span.
 */
double ns_span_percentile(const struct ns_span *s, double p);

/*
 * Ratio of means b/a with a 95 % confidence interval (delta method on two
 * independent sample means). Returns -1 when either side has fewer than two
 * samples or a zero mean.
 */
struct ns_ratio {
	double ratio;
	double lo;
	double hi;
};
int ns_ratio_of_means(const struct ns_span *a, const struct ns_span *b, struct ns_ratio *r);

enum ns_verdict {
	NS_VERDICT_NO_DIFFERENCE,
	NS_VERDICT_FASTER,	/* b is cheaper than a */
	NS_VERDICT_SLOWER,	/* b costs more than a */
	NS_VERDICT_UNKNOWN,	/* too few samples */
};
/*
 * "No difference" when the interval holds 1 or the change is under the
 * noise floor (a relative change, e.g. 0.02 for 2 %).
 */
enum ns_verdict ns_verdict(const struct ns_ratio *r, int valid, double noise_floor);
const char *ns_verdict_name(enum ns_verdict v);

#endif /* NACLSCOPE_STATS_H */
