// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
#include <math.h>
#include <string.h>
#include "stats.h"

void ns_span_init(struct ns_span *s)
{
	memset(s, 0, sizeof(*s));
	s->min = UINT64_MAX;
}

void ns_span_add(struct ns_span *s, uint64_t v)
{
	s->count++;
	s->sum += v;
	s->sum_sq += (double)v * (double)v;
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	s->hist[ns_hist_bucket(v)]++;
}

void ns_span_merge(struct ns_span *a, const struct ns_span *b)
{
	unsigned int i;

	if (!b->count)
		return;
	a->count += b->count;
	a->sum += b->sum;
	a->sum_sq += b->sum_sq;
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
	for (i = 0; i < NS_HIST_BUCKETS; i++)
		a->hist[i] += b->hist[i];
}

double ns_span_mean(const struct ns_span *s)
{
	return s->count ? (double)s->sum / (double)s->count : 0.0;
}

double ns_span_stddev(const struct ns_span *s)
{
	double m, var;

	if (s->count < 2)
		return 0.0;
	m = ns_span_mean(s);
	var = (s->sum_sq - (double)s->count * m * m) / (double)(s->count - 1);
	return var > 0 ? sqrt(var) : 0.0;
}

double ns_span_percentile(const struct ns_span *s, double p)
{
	uint64_t rank, seen = 0;
	double mid;
	unsigned int i;

	if (!s->count)
		return 0.0;
	if (p <= 0)
		return (double)s->min;
	if (p >= 100)
		return (double)s->max;
	/* nearest-rank: the smallest value with at least p % at or below it */
	rank = (uint64_t)ceil(p / 100.0 * (double)s->count);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < NS_HIST_BUCKETS; i++) {
		seen += s->hist[i];
		if (seen >= rank)
			break;
	}
	if (i >= NS_HIST_BUCKETS)
		return (double)s->max;
	if (i < NS_HIST_SUB)
		mid = (double)i;	/* exact buckets */
	else
		mid = ((double)ns_hist_lower(i) + (double)ns_hist_upper(i) - 1.0) / 2.0;
	if (mid < (double)s->min)
		mid = (double)s->min;
	if (mid > (double)s->max)
		mid = (double)s->max;
	return mid;
}

int ns_ratio_of_means(const struct ns_span *a, const struct ns_span *b, struct ns_ratio *r)
{
	double ma, mb, va, vb, se;

	if (a->count < 2 || b->count < 2)
		return -1;
	ma = ns_span_mean(a);
	mb = ns_span_mean(b);
	if (ma <= 0 || mb <= 0)
		return -1;
	/* variance of each mean, then delta method for the ratio */
	va = pow(ns_span_stddev(a), 2) / (double)a->count;
	vb = pow(ns_span_stddev(b), 2) / (double)b->count;
	r->ratio = mb / ma;
	se = r->ratio * sqrt(va / (ma * ma) + vb / (mb * mb));
	r->lo = r->ratio - 1.96 * se;
	r->hi = r->ratio + 1.96 * se;
	return 0;
}

enum ns_verdict ns_verdict(const struct ns_ratio *r, int valid, double noise_floor)
{
	if (valid < 0)
		return NS_VERDICT_UNKNOWN;
	if (r->lo <= 1.0 && r->hi >= 1.0)
		return NS_VERDICT_NO_DIFFERENCE;
	if (fabs(r->ratio - 1.0) < noise_floor)
		return NS_VERDICT_NO_DIFFERENCE;
	return r->ratio < 1.0 ? NS_VERDICT_FASTER : NS_VERDICT_SLOWER;
}

const char *ns_verdict_name(enum ns_verdict v)
{
	switch (v) {
	case NS_VERDICT_NO_DIFFERENCE:
		return "no difference";
	case NS_VERDICT_FASTER:
		return "faster";
	case NS_VERDICT_SLOWER:
		return "slower";
	default:
		return "too few samples";
	}
}
