/* The analyzer's log-linear histograms: percentiles within 0.4 % of a real
 * sample at every magnitude, exact merging, range counts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "hist.h"

/* The nearest-rank q-quantile of sorted values. */
static int64_t exact_quantile(const int64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);
	return sorted[rank ? rank - 1 : 0];
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

Test(hist, percentiles_are_within_half_a_percent_from_ns_to_hours)
{
	enum { N = 20000 };
	static int64_t v[N];
	uint64_t seed = 42;
	struct wc_hist h = { 0 };
	for (size_t i = 0; i < N; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* log-uniform from 1 ns to ~2^42 ns (73 min) */
		v[i] = (int64_t)exp2((double)(seed >> 11) / (double)(1ULL << 53) * 42);
		cr_assert(wc_hist_add(&h, v[i]));
	}
	qsort(v, N, sizeof(*v), by_value);
	for (double q = 0.01; q < 1; q += 0.01) {
		int64_t want = exact_quantile(v, N, q), got = wc_hist_quantile(&h, q);
		cr_assert(llabs(got - want) <= want / 250 + 1, "q=%.2f: %lld vs exact %lld", q,
			  (long long)got, (long long)want);
	}
	cr_assert_eq(wc_hist_quantile(&h, 1), v[N - 1]);
	cr_assert_eq(wc_hist_quantile(&h, 0), v[0]);
	wc_hist_free(&h);
}

Test(hist, merging_equals_adding_everything_to_one)
{
	struct wc_hist a = { 0 }, b = { 0 }, all = { 0 };
	for (int64_t i = 1; i <= 5000; i++) {
		int64_t x = i * 7919 % 100000000, y = i * 104729;
		wc_hist_add(&a, x);
		wc_hist_add(&b, y);
		wc_hist_add(&all, x);
		wc_hist_add(&all, y);
	}
	cr_assert(wc_hist_merge(&a, &b));
	cr_assert_eq(a.count, all.count);
	cr_assert_eq(a.min_ns, all.min_ns);
	cr_assert_eq(a.max_ns, all.max_ns);
	for (double q = 0.05; q < 1; q += 0.05)
		cr_assert_eq(wc_hist_quantile(&a, q), wc_hist_quantile(&all, q));
	wc_hist_free(&a);
	wc_hist_free(&b);
	wc_hist_free(&all);
}

Test(hist, small_values_are_exact_and_negative_ones_count_as_zero)
{
	struct wc_hist h = { 0 };
	for (int64_t i = 0; i < 100; i++)
		wc_hist_add(&h, i);
	wc_hist_add(&h, -5);
	cr_assert_eq(h.count, 101);
	cr_assert_eq(wc_hist_quantile(&h, 0.5), 49);
	cr_assert_eq(h.min_ns, 0);
	wc_hist_free(&h);
}

Test(hist, a_wait_just_over_an_edge_counts_above_it)
{
	struct wc_hist h = { 0 };
	wc_hist_add(&h, 200200000); /* a 200 ms timeout that took 200.2 ms */
	wc_hist_add(&h, 107000000);
	cr_assert_eq(wc_hist_count_range(&h, 200000000, 500000000), 1);
	cr_assert_eq(wc_hist_count_range(&h, 0, 200000000), 1);
	cr_assert_eq(wc_hist_count_range(&h, 0, INT64_MAX), 2);
	wc_hist_free(&h);
}
