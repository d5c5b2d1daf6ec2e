// C++ unit tests of the overfitting statistics: Φ⁻¹, PSR/DSR/MinTRL on hand values, the
// partition sums equal direct sums, PBO on hand-made trials, validation, cancellation.
// Exit code 0 = pass.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "threadx/core/cancel.hpp"
#include "threadx/core/errors.hpp"
#include "threadx/research/overfit.hpp"

#include "check.hpp"

using namespace threadx;
using namespace threadx::research;

namespace {

using test::failures;
using test::throws_validation;

bool close(double a, double b, double rel = 1e-12) { return std::abs(a - b) <= rel * std::max(1.0, std::abs(b)); }

void test_norm() {
    // values of scipy.stats.norm.ppf (of the double nearest 1 - 1e-10, too)
    CHECK(close(norm_ppf(0.975), 1.959963984540054), "ppf(0.975) = %.17g", norm_ppf(0.975));
    CHECK(close(norm_ppf(0.01), -2.3263478740408408), "ppf(0.01) = %.17g", norm_ppf(0.01));
    CHECK(close(norm_ppf(1 - 1e-10), 6.361340889697422), "ppf(1-1e-10) = %.17g", norm_ppf(1 - 1e-10));
    CHECK(norm_ppf(0.5) == 0.0 || std::abs(norm_ppf(0.5)) < 1e-16, "ppf(0.5) = %g", norm_ppf(0.5));
    for (double p : {1e-300, 1e-8, 0.02, 0.3, 0.7, 0.98, 0.999999})
        CHECK(close(norm_cdf(norm_ppf(p)), p, 1e-13), "cdf(ppf(%g)) = %.17g", p, norm_cdf(norm_ppf(p)));
}

void test_sharpe_statistics() {
    // normal returns, SR = benchmark: PSR = 1/2
    CHECK(close(probabilistic_sharpe({0.1, 100, 0, 3}, 0.1), 0.5), "PSR at the benchmark");
    // PSR = Φ((0.1 - 0)·√99 / √(1 + 0.5·0.01))
    const double z = 0.1 * std::sqrt(99.0) / std::sqrt(1 + 0.005);
    CHECK(close(probabilistic_sharpe({0.1, 100, 0, 3}, 0), norm_cdf(z)), "PSR by hand");
    // MinTRL: 1 + (1 + 0.005)·(Φ⁻¹(0.95)/0.1)²
    const double z95 = norm_ppf(0.95);
    CHECK(close(min_track_record_length({0.1, 2, 0, 3}, 0, 0.05), 1 + 1.005 * (z95 / 0.1) * (z95 / 0.1)), "MinTRL");
    CHECK(std::isinf(min_track_record_length({0.1, 2, 0, 3}, 0.2, 0.05)), "MinTRL above the Sharpe: inf");
    // DSR with no dispersion across trials is the PSR against 0
    CHECK(close(deflated_sharpe({0.1, 100, 0, 3}, 50, 0), probabilistic_sharpe({0.1, 100, 0, 3}, 0)), "DSR, V = 0");
    CHECK(throws_validation([] { probabilistic_sharpe({NAN, 1, 0, 0.5}, 0); }), "bad PSR inputs");
    CHECK(throws_validation([] { deflated_sharpe({0.1, 100, 0, 3}, 1, 0.1); }), "N < 2");
    CHECK(throws_validation([] { min_track_record_length({0.1, 2, 0, 3}, 0, 1.0); }), "alpha = 1");
    try {
        probabilistic_sharpe({NAN, 1, INFINITY, 3}, NAN);
        CHECK(false, "no error");
    } catch (const ValidationError& e) {
        CHECK(e.errors().size() == 4, "every bad field at once: %zu", e.errors().size());
    }
}

std::vector<double> random_matrix(std::int64_t t, std::int64_t n, std::uint64_t seed, double nan_share = 0) {
    std::mt19937_64 g(seed);
    std::normal_distribution<double> r(0.0005, 0.01);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<double> x(static_cast<std::size_t>(t * n));
    for (double& v : x) v = u(g) < nan_share ? NAN : r(g);
    return x;
}

void test_partition_sums() {
    const std::int64_t t = 103, n = 7, s = 6;
    const std::vector<double> x = random_matrix(t, n, 1, 0.1);
    const PartitionSums sums = partition_sums(x.data(), t, n, s);
    PartitionSums by_trial(t, n, s), by_value(t, n, s);
    for (std::int64_t j = 0; j < n; ++j) {
        std::vector<double> col(static_cast<std::size_t>(t));
        for (std::int64_t i = 0; i < t; ++i) {
            col[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(i * n + j)];
            by_value.add(j, i, col[static_cast<std::size_t>(i)]);
        }
        by_trial.add_trial(j, col);
    }
    const auto v = sums.view(), a = by_trial.view(), b = by_value.view();
    for (std::size_t i = 0; i < v.count.size(); ++i) {
        CHECK(v.count[i] == a.count[i] && v.count[i] == b.count[i], "count %zu", i);
        CHECK(close(v.sum[i], a.sum[i]) && close(v.sum[i], b.sum[i]), "sum %zu", i);
        CHECK(close(v.sumsq[i], a.sumsq[i]) && close(v.sumsq[i], b.sumsq[i]), "sumsq %zu", i);
    }
    double total = 0;
    for (double c : v.count) total += c;
    double non_nan = 0;
    for (double e : x) non_nan += std::isnan(e) ? 0 : 1;
    CHECK(total == non_nan, "NaN not counted: %g vs %g", total, non_nan);
    CHECK(row_begin(0, t, s) == 0 && row_begin(s, t, s) == t, "partitions cover the rows");
    CHECK(throws_validation([&] { partition_sums(x.data(), t, n, 5); }), "odd S");
    CHECK(throws_validation([&] { partition_sums(x.data(), 3, n, 4); }), "fewer rows than S");
    CHECK(throws_validation([&] { partition_sums(x.data(), t, 1, 4); }), "one trial");
}

void test_pbo() {
    // trial 0 is best in every half, out of sample too: PBO = 0
    const std::int64_t t = 400, n = 5, s = 8;
    std::vector<double> x = random_matrix(t, n, 2);
    for (std::int64_t i = 0; i < t; ++i) x[static_cast<std::size_t>(i * n)] += 0.02;
    PboResult r = pbo(partition_sums(x.data(), t, n, s).view());
    CHECK(r.n_combinations == 70 && r.n_valid == 70, "C(8, 4) = 70: %lld", static_cast<long long>(r.n_combinations));
    CHECK(r.pbo == 0.0, "planted edge: PBO = %g", r.pbo);
    for (std::size_t k = 0; k < r.best.size(); ++k) CHECK(r.best[k] == 0, "best of %zu", k);
    CHECK(close(r.oos_rank[0], 5.0 / 6.0), "rank N / (N + 1)");
    // the first combination is {0, 1, 2, 3}; the last {4, 5, 6, 7}
    CHECK(combination(0, 8) == std::vector<int>({0, 1, 2, 3}), "first combination");
    CHECK(combination(69, 8) == std::vector<int>({4, 5, 6, 7}), "last combination");
    // all trials identical: ties, midrank (N + 1) / 2 → ω = 1/2, λ = 0 <= 0: PBO = 1
    std::vector<double> same(static_cast<std::size_t>(t * n));
    for (std::int64_t i = 0; i < t; ++i)
        for (std::int64_t j = 0; j < n; ++j) same[static_cast<std::size_t>(i * n + j)] = x[static_cast<std::size_t>(i * n + 1)];
    r = pbo(partition_sums(same.data(), t, n, s).view());
    CHECK(r.pbo == 1.0 && r.logit[3] == 0.0, "ties: PBO = %g", r.pbo);
    // constant returns: the metric is NaN for every trial
    std::vector<double> flat(static_cast<std::size_t>(t * n), 0.0);
    CHECK(throws_validation([&] { pbo(partition_sums(flat.data(), t, n, s).view()); }), "all-NaN metric");
    // cancellation
    CancelToken token;
    token.cancel();
    bool cancelled = false;
    try {
        pbo(partition_sums(x.data(), t, n, s).view(), Metric::Sharpe, &token);
    } catch (const CancelledError&) {
        cancelled = true;
    }
    CHECK(cancelled, "a cancelled token stops pbo");
}

}  // namespace

int main() {
    test_norm();
    test_sharpe_statistics();
    test_partition_sums();
    test_pbo();
    if (failures) std::printf("%d failure(s)\n", failures);
    else std::printf("research tests passed\n");
    return failures ? 1 : 0;
}
