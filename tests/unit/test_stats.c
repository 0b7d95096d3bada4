// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Unit tests for tools/lib/hist.h and stats.c (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <cmocka.h>
#include "stats.h"

/* cmocka 1.1 (Debian 12) has no assert_double_equal */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void test_hist_small_values_have_exact_buckets(void **state)
{
	unsigned int v;

	(void)state;
	for (v = 0; v < 16; v++) {
		assert_int_equal(ns_hist_bucket(v), v);
		assert_int_equal(ns_hist_lower(v), v);
	}
}

static void test_hist_bucket_bounds_hold_every_value(void **state)
{
	uint64_t v;
	unsigned int b;

	(void)state;
	for (v = 1; v < (1ULL << 36); v = v * 3 / 2 + 1) {
		b = ns_hist_bucket(v);
		assert_true(b < NS_HIST_BUCKETS);
		if (b == NS_HIST_BUCKETS - 1)
			break;
		assert_true(ns_hist_lower(b) <= v);
		assert_true(v < ns_hist_upper(b));
		/* relative width at most 1/8: the stated 12.5 % error bound */
		assert_true((double)(ns_hist_upper(b) - ns_hist_lower(b)) <=
			    (double)ns_hist_lower(b) / 8.0 + 1.0);
	}
}

static void test_hist_buckets_are_contiguous_and_increasing(void **state)
{
	unsigned int b;

	(void)state;
	for (b = 0; b + 1 < NS_HIST_BUCKETS; b++)
		assert_true(ns_hist_lower(b) < ns_hist_lower(b + 1));
	assert_int_equal(ns_hist_bucket(ns_hist_lower(100)), 100);
	assert_int_equal(ns_hist_bucket(ns_hist_upper(100) - 1), 100);
	assert_int_equal(ns_hist_bucket(~0ULL), NS_HIST_BUCKETS - 1);
}

static void test_log2_matches_definition(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < 64; i++) {
		assert_int_equal(ns_log2(1ULL << i), i);
		if (i > 1)
			assert_int_equal(ns_log2((1ULL << i) - 1), i - 1);
	}
}

static void test_span_moments_exact(void **state)
{
	struct ns_span s;

	(void)state;
	ns_span_init(&s);
	ns_span_add(&s, 2);
	ns_span_add(&s, 4);
	ns_span_add(&s, 4);
	ns_span_add(&s, 4);
	ns_span_add(&s, 5);
	ns_span_add(&s, 5);
	ns_span_add(&s, 7);
	ns_span_add(&s, 9);
	assert_int_equal(s.count, 8);
	assert_int_equal(s.sum, 40);
	assert_int_equal(s.min, 2);
	assert_int_equal(s.max, 9);
	assert_near(ns_span_mean(&s), 5.0, 1e-12);
	assert_near(ns_span_stddev(&s), sqrt(32.0 / 7.0), 1e-9);
}

static void test_percentile_within_stated_error(void **state)
{
	struct ns_span *s = malloc(sizeof(*s));
	uint64_t v;
	double p50, p99;

	(void)state;
	ns_span_init(s);
	for (v = 1000; v < 11000; v++)	/* uniform 1000..10999 */
		ns_span_add(s, v);
	p50 = ns_span_percentile(s, 50);
	p99 = ns_span_percentile(s, 99);
	assert_true(fabs(p50 - 5999.5) / 5999.5 <= 0.0625);
	assert_true(fabs(p99 - 10899.5) / 10899.5 <= 0.0625);
	assert_near(ns_span_percentile(s, 0), 1000, 0);
	assert_near(ns_span_percentile(s, 100), 10999, 0);
	free(s);
}

static void test_percentile_of_constant_is_exact(void **state)
{
	struct ns_span *s = malloc(sizeof(*s));
	int i;

	(void)state;
	ns_span_init(s);
	for (i = 0; i < 1000; i++)
		ns_span_add(s, 3450);
	/* clamped to [min, max], so a constant is reported exactly */
	assert_near(ns_span_percentile(s, 50), 3450, 0);
	assert_near(ns_span_percentile(s, 99), 3450, 0);
	free(s);
}

static void test_merge_equals_adding_everything(void **state)
{
	struct ns_span *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *all = malloc(sizeof(*all));
	uint64_t v;

	(void)state;
	ns_span_init(a);
	ns_span_init(b);
	ns_span_init(all);
	for (v = 1; v < 5000; v += 7) {
		ns_span_add(v % 2 ? a : b, v);
		ns_span_add(all, v);
	}
	ns_span_merge(a, b);
	assert_int_equal(a->count, all->count);
	assert_int_equal(a->sum, all->sum);
	assert_int_equal(a->min, all->min);
	assert_int_equal(a->max, all->max);
	assert_memory_equal(a->hist, all->hist, sizeof(a->hist));
	free(a);
	free(b);
	free(all);
}

/*
 * n samples evenly spread over [mean - spread/2, mean + spread/2), shifted
 * by a fraction of one step: two such fills are the same distribution
 * sampled at different points.
 */
static void fill(struct ns_span *s, double mean, double spread, double phase, int n)
{
	int i;

	ns_span_init(s);
	for (i = 0; i < n; i++)
		ns_span_add(s, (uint64_t)(mean + spread * (((double)i + phase) / n - 0.5)));
}

static void test_compare_equal_distributions_no_difference(void **state)
{
	struct ns_span *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct ns_ratio r;
	int ok;

	(void)state;
	fill(a, 3000, 600, 0.0, 5000);
	fill(b, 3000, 600, 0.5, 5000);
	ok = ns_ratio_of_means(a, b, &r);
	assert_int_equal(ok, 0);
	assert_true(r.lo <= 1.0 && r.hi >= 1.0);
	assert_int_equal(ns_verdict(&r, ok, 0.02), NS_VERDICT_NO_DIFFERENCE);
	free(a);
	free(b);
}

static void test_compare_shifted_distribution_right_ratio(void **state)
{
	struct ns_span *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct ns_ratio r;
	int ok;

	(void)state;
	fill(a, 3000, 600, 0.0, 5000);
	fill(b, 4500, 900, 0.5, 5000);
	ok = ns_ratio_of_means(a, b, &r);
	assert_int_equal(ok, 0);
	assert_true(r.lo <= 1.5 && 1.5 <= r.hi);
	assert_true(r.hi - r.lo < 0.05);
	assert_int_equal(ns_verdict(&r, ok, 0.02), NS_VERDICT_SLOWER);
	ok = ns_ratio_of_means(b, a, &r);
	assert_int_equal(ns_verdict(&r, ok, 0.02), NS_VERDICT_FASTER);
	free(a);
	free(b);
}

static void test_compare_small_shift_under_noise_floor(void **state)
{
	struct ns_ratio r = { .ratio = 1.01, .lo = 1.005, .hi = 1.015 };

	(void)state;
	assert_int_equal(ns_verdict(&r, 0, 0.02), NS_VERDICT_NO_DIFFERENCE);
	assert_int_equal(ns_verdict(&r, 0, 0.0), NS_VERDICT_SLOWER);
}

static void test_compare_too_few_samples_is_unknown(void **state)
{
	struct ns_span *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct ns_ratio r;

	(void)state;
	ns_span_init(a);
	ns_span_init(b);
	ns_span_add(a, 10);
	ns_span_add(b, 10);
	ns_span_add(b, 12);
	assert_int_equal(ns_ratio_of_means(a, b, &r), -1);
	assert_int_equal(ns_verdict(&r, -1, 0.02), NS_VERDICT_UNKNOWN);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_small_values_have_exact_buckets),
		cmocka_unit_test(test_hist_bucket_bounds_hold_every_value),
		cmocka_unit_test(test_hist_buckets_are_contiguous_and_increasing),
		cmocka_unit_test(test_log2_matches_definition),
		cmocka_unit_test(test_span_moments_exact),
		cmocka_unit_test(test_percentile_within_stated_error),
		cmocka_unit_test(test_percentile_of_constant_is_exact),
		cmocka_unit_test(test_merge_equals_adding_everything),
		cmocka_unit_test(test_compare_equal_distributions_no_difference),
		cmocka_unit_test(test_compare_shifted_distribution_right_ratio),
		cmocka_unit_test(test_compare_small_shift_under_noise_floor),
		cmocka_unit_test(test_compare_too_few_samples_is_unknown),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
