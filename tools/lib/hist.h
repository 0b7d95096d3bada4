/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Log-linear histogram shared by the BPF programs and the tools: values
 * below 8 have a bucket each; above, every power of two is split into 8
 * equal sub-buckets. A bucket [lo, hi) then has (hi - lo) / lo <= 1/8, so a
 * percentile read off a bucket is within 12.5 % of the true value (within
 * 6.25 % when the bucket's midpoint is reported).
 *
 * Header-only and free of libc so the BPF programs can include it.
 */
#ifndef NACLSCOPE_HIST_H
#define NACLSCOPE_HIST_H

#define NS_HIST_SUB_BITS	3
#define NS_HIST_SUB		(1U << NS_HIST_SUB_BITS)
/* Largest exact power: 2^35 cycles or ns (34 s) and beyond share the last bucket. */
#define NS_HIST_MAX_LOG2	35
#define NS_HIST_BUCKETS		((NS_HIST_MAX_LOG2 - NS_HIST_SUB_BITS + 2) * NS_HIST_SUB)

/* floor(log2(v)) for v > 0, without a count-leading-zeros instruction (BPF has none). */
static inline unsigned int ns_log2(unsigned long long v)
{
	unsigned int r = 0, s;

	s = (v > 0xFFFFFFFFULL) << 5; v >>= s; r |= s;
	s = (v > 0xFFFFULL) << 4; v >>= s; r |= s;
	s = (v > 0xFFULL) << 3; v >>= s; r |= s;
	s = (v > 0xFULL) << 2; v >>= s; r |= s;
	s = (v > 0x3ULL) << 1; v >>= s; r |= s;
	r |= (unsigned int)(v >> 1);
	return r;
}

static inline unsigned int ns_hist_bucket(unsigned long long v)
{
	unsigned int lg, b;

	if (v < NS_HIST_SUB)
		return (unsigned int)v;
	lg = ns_log2(v);
	if (lg > NS_HIST_MAX_LOG2)
		return NS_HIST_BUCKETS - 1;
	b = (lg - NS_HIST_SUB_BITS + 1) * NS_HIST_SUB +
	    (unsigned int)((v >> (lg - NS_HIST_SUB_BITS)) & (NS_HIST_SUB - 1));
	return b;
}

/* Smallest value that falls into bucket b. */
static inline unsigned long long ns_hist_lower(unsigned int b)
{
	unsigned int lg;

	if (b < NS_HIST_SUB)
		return b;
	lg = b / NS_HIST_SUB + NS_HIST_SUB_BITS - 1;
	return (1ULL << lg) + (unsigned long long)(b % NS_HIST_SUB) * (1ULL << (lg - NS_HIST_SUB_BITS));
}

/* One past the largest value of bucket b (the last bucket is open-ended). */
static inline unsigned long long ns_hist_upper(unsigned int b)
{
	return b + 1 < NS_HIST_BUCKETS ? ns_hist_lower(b + 1) : ~0ULL;
}

#endif /* NACLSCOPE_HIST_H */
