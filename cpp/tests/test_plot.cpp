// C++ unit tests of M4 downsampling: the kept indices equal a brute-force reference per bucket,
// by position and by x; every kept index is increasing and unique; small inputs are kept whole;
// NaN gaps stay; validation; cancellation.  Exit code 0 = pass.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "threadx/core/cancel.hpp"
#include "threadx/core/errors.hpp"
#include "threadx/plot/downsample.hpp"

#include "check.hpp"

using namespace threadx;
using namespace threadx::plot;

namespace {

using test::failures;
using test::throws_validation;

// The reference: bucket of each point computed from its own x (or position), then the rule.
std::vector<std::int64_t> reference(const std::vector<std::int64_t>& x, const std::vector<double>& y, std::int64_t c) {
    const auto n = static_cast<std::int64_t>(y.size());
    if (n <= 4 * c) {
        std::vector<std::int64_t> all(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) all[static_cast<std::size_t>(i)] = i;
        return all;
    }
    std::set<std::int64_t> keep;
    std::vector<std::vector<std::int64_t>> buckets(static_cast<std::size_t>(c));
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t b = 0;
        if (x.empty()) {
            b = i * c / n;  // the last b with floor(b*n/c) <= i
            while (b + 1 < c && (b + 1) * n / c <= i) ++b;
            while (b > 0 && b * n / c > i) --b;
        } else {
            const long double lo = static_cast<long double>(x.front()), span = static_cast<long double>(x.back()) - lo;
            b = 0;
            while (b + 1 < c && static_cast<long double>(x[static_cast<std::size_t>(i)]) >=
                                    lo + std::ceil(span * static_cast<long double>(b + 1) / c))
                ++b;
        }
        buckets[static_cast<std::size_t>(b)].push_back(i);
    }
    for (const auto& bk : buckets) {
        std::int64_t first = -1, last = -1, mn = -1, mx = -1, nan = -1;
        for (std::int64_t i : bk) {
            const double v = y[static_cast<std::size_t>(i)];
            if (std::isnan(v)) {
                if (nan < 0) nan = i;
                continue;
            }
            if (first < 0) first = i;
            last = i;
            if (mn < 0 || v < y[static_cast<std::size_t>(mn)]) mn = i;
            if (mx < 0 || v > y[static_cast<std::size_t>(mx)]) mx = i;
        }
        for (std::int64_t k : {first, last, mn, mx, nan})
            if (k >= 0) keep.insert(k);
    }
    return {keep.begin(), keep.end()};
}

void test_matches_reference() {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> z;
    for (std::int64_t n : {1, 5, 100, 1001, 20000}) {
        for (std::int64_t c : {1, 3, 64, 250}) {
            std::vector<double> y(static_cast<std::size_t>(n));
            std::vector<std::int64_t> x(static_cast<std::size_t>(n));
            double level = 0;
            std::int64_t t = 1'000'000;
            for (std::size_t i = 0; i < y.size(); ++i) {
                level += z(rng);
                y[i] = (rng() % 37 == 0) ? std::numeric_limits<double>::quiet_NaN() : level;
                t += (rng() % 5 == 0) ? 86'400 * 3 : 86'400;  // uneven gaps (weekends)
                x[i] = t;
            }
            const auto by_pos = m4_indices({}, y, c);
            CHECK(by_pos == reference({}, y, c), "by position n=%lld c=%lld", static_cast<long long>(n),
                  static_cast<long long>(c));
            const auto by_x = m4_indices(x, y, c);
            CHECK(by_x == reference(x, y, c), "by x n=%lld c=%lld", static_cast<long long>(n),
                  static_cast<long long>(c));
            CHECK(std::is_sorted(by_x.begin(), by_x.end()) &&
                      std::adjacent_find(by_x.begin(), by_x.end()) == by_x.end(),
                  "increasing and unique");
            CHECK(static_cast<std::int64_t>(by_pos.size()) <= std::max(n <= 4 * c ? n : 0, 5 * c), "at most 5 a bucket");
        }
    }
}

void test_spike_is_kept() {
    std::vector<double> y(100000, 1.0);
    y[54321] = 1e6;
    y[777] = -1e6;
    const auto kept = m4_indices({}, y, 100);
    CHECK(std::find(kept.begin(), kept.end(), 54321) != kept.end(), "the spike up is kept");
    CHECK(std::find(kept.begin(), kept.end(), 777) != kept.end(), "the spike down is kept");
    CHECK(kept.front() == 0 && kept.back() == 99999, "the ends are kept");
}

void test_validation_and_cancel() {
    std::vector<double> y{1, 2, 3};
    CHECK(throws_validation([&] { m4_indices({}, y, 0); }), "columns 0");
    std::vector<std::int64_t> x{3, 2, 1};
    CHECK(throws_validation([&] { m4_indices(x, y, 1); }), "x decreasing");
    std::vector<std::int64_t> x2{1, 2};
    CHECK(throws_validation([&] { m4_indices(x2, y, 1); }), "x of another length");
    std::vector<double> yi{1, std::numeric_limits<double>::infinity(), 3};
    CHECK(throws_validation([&] { m4_indices({}, yi, 1); }), "inf");
    std::vector<double> big(1'000'000, 0.5);
    CancelToken token;
    token.cancel();
    bool cancelled = false;
    try {
        m4_indices({}, big, 1000, &token);
    } catch (const CancelledError&) {
        cancelled = true;
    }
    CHECK(cancelled, "a cancelled token stops m4_indices");
}

}  // namespace

int main() {
    test_matches_reference();
    test_spike_is_kept();
    test_validation_and_cancel();
    if (failures) std::printf("%d failure(s)\n", failures);
    else std::printf("plot tests passed\n");
    return failures ? 1 : 0;
}
