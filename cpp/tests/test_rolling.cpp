// C++ unit tests of the rolling core, each fast kernel against a slow oracle
// (sort every window; two-pass moments).  Plain CTest executable: exit code 0 = pass.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "threadx/core/errors.hpp"
#include "threadx/rolling/bounds.hpp"
#include "threadx/rolling/order_tree.hpp"
#include "threadx/rolling/quantile.hpp"
#include "threadx/rolling/rank.hpp"
#include "threadx/rolling/rolling.hpp"

#include "check.hpp"

using namespace threadx;
using namespace threadx::rolling;

namespace {

using test::failures;

std::vector<double> random_walk(std::size_t n, double nan_share, std::uint64_t seed, bool ties) {
    std::mt19937_64 g(seed);
    std::normal_distribution<double> step;
    std::uniform_real_distribution<double> u;
    std::vector<double> x(n);
    double s = 100;
    for (auto& v : x) {
        s += step(g);
        v = ties ? std::round(s) : s;
        if (u(g) < nan_share) v = NAN;
    }
    return x;
}

// The oracle: the sorted non-NaN values of each window, pandas' rank arithmetic.
double slow_quantile(std::vector<double> w, double q, Interpolation how, std::int64_t minp) {
    w.erase(std::remove_if(w.begin(), w.end(), [](double v) { return std::isnan(v); }), w.end());
    const auto n = static_cast<std::int64_t>(w.size());
    if (n == 0 || n < minp) return NAN;
    std::sort(w.begin(), w.end());
    const QuantilePos p = QuantilePos::of(q, n);
    return interpolate(how, p, w[p.idx], p.exact() ? w[p.idx] : w[p.idx + 1]);
}

bool same(double a, double b, double tol) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::fabs(a - b) <= tol;
}

void test_count_quantile() {
    const Interpolation all[] = {Interpolation::linear, Interpolation::lower, Interpolation::higher,
                                 Interpolation::nearest, Interpolation::midpoint};
    for (std::int64_t w : {1, 2, 3, 7, 64, 65, 300}) {
        for (bool ties : {false, true}) {
            auto x = random_walk(1500, 0.07, 11 + w, ties);
            for (Interpolation how : all) {
                Spec spec;
                spec.stat = Stat::quantile;
                spec.window = w;
                spec.min_periods = w > 2 ? w / 2 : 1;
                spec.q = {0.0, 0.1, 0.5, 0.9, 1.0};
                spec.interpolation = how;
                const auto n = static_cast<std::int64_t>(x.size()), k = static_cast<std::int64_t>(spec.q.size());
                std::vector<double> out(static_cast<std::size_t>(n * k));
                run(spec, ConstMatrix{x.data(), n, 1, 1, 0}, nullptr, 0, OutTensor{out.data(), n, 1, k, k, 0, 1}, nullptr);
                for (std::int64_t i = 0; i < n; ++i) {
                    std::vector<double> win(x.begin() + std::max<std::int64_t>(0, i - w + 1), x.begin() + i + 1);
                    for (std::int64_t j = 0; j < k; ++j) {
                        double want = slow_quantile(win, spec.q[j], how, spec.min_periods);
                        CHECK(same(out[i * k + j], want, 0.0), "w=%lld i=%lld q=%g how=%s got %.17g want %.17g",
                              (long long)w, (long long)i, spec.q[j], name_of(how), out[i * k + j], want);
                    }
                }
            }
        }
    }
}

void test_time_quantile_and_tree() {
    auto x = random_walk(800, 0.1, 5, true);
    std::vector<std::int64_t> t(x.size());
    std::mt19937_64 g(3);
    std::int64_t now = 0;
    for (auto& v : t) { now += static_cast<std::int64_t>(g() % 4); v = now; }  // gaps and duplicates
    Spec spec;
    spec.stat = Stat::quantile;
    spec.time_window = true;
    spec.window = 9;
    spec.q = {0.25};
    const auto n = static_cast<std::int64_t>(x.size());
    std::vector<double> out(x.size());
    run(spec, ConstMatrix{x.data(), n, 1, 1, 0}, t.data(), n, OutTensor{out.data(), n, 1, 1, 1, 0, 0}, nullptr);
    for (std::int64_t i = 0; i < n; ++i) {
        std::vector<double> win;
        for (std::int64_t j = 0; j <= i; ++j)
            if (t[j] > t[i] - spec.window) win.push_back(x[j]);
        double want = slow_quantile(win, 0.25, Interpolation::linear, 1);
        CHECK(same(out[i], want, 0.0), "time i=%lld got %.17g want %.17g", (long long)i, out[i], want);
    }
    OrderTree tree;
    for (int i = 0; i < 100; ++i) tree.insert(i % 10, static_cast<std::uint64_t>(i));
    CHECK(tree.size() == 100, "size %lld", (long long)tree.size());
    CHECK(tree.kth(0) == 0 && tree.kth(99) == 9 && tree.kth(55) == 5, "kth");
    CHECK(tree.erase(3, 3) && !tree.erase(3, 3), "erase once");
    CHECK(tree.size() == 99, "size after erase");
}

// The oracle: pandas' rank of x[i] among the non-NaN values of its count window.
double slow_rank(const std::vector<double>& x, std::int64_t i, const Spec& spec) {
    if (std::isnan(x[i])) return NAN;
    std::int64_t less = 0, same_or_less = 0, greater = 0, same_or_greater = 0, nobs = 0;
    for (std::int64_t j = std::max<std::int64_t>(0, i - spec.window + 1); j <= i; ++j) {
        if (std::isnan(x[j])) continue;
        ++nobs;
        less += x[j] < x[i];
        same_or_less += x[j] <= x[i];
        greater += x[j] > x[i];
        same_or_greater += x[j] >= x[i];
    }
    if (nobs < spec.effective_min_periods()) return NAN;
    const std::int64_t lo = spec.ascending ? less + 1 : greater + 1;
    const std::int64_t hi = spec.ascending ? same_or_less : same_or_greater;
    const double r = spec.rank_method == RankMethod::min   ? static_cast<double>(lo)
                     : spec.rank_method == RankMethod::max ? static_cast<double>(hi)
                                                            : (lo + hi) / 2.0;
    return spec.pct ? r / static_cast<double>(nobs) : r;
}

void test_rank() {
    // n above the chunk length, so a 1-D run is split along its rows
    auto x = random_walk(150000, 0.05, 11, true);
    const auto n = static_cast<std::int64_t>(x.size());
    for (std::int64_t w : {1, 3, 40}) {
        for (RankMethod m : {RankMethod::average, RankMethod::min, RankMethod::max}) {
            for (bool asc : {true, false}) {
                Spec spec;
                spec.stat = Stat::rank;
                spec.window = w;
                spec.rank_method = m;
                spec.ascending = asc;
                spec.pct = w == 3;
                spec.min_periods = w > 1 ? 2 : -1;
                std::vector<double> out(x.size());
                run(spec, ConstMatrix{x.data(), n, 1, 1, 0}, nullptr, 0, OutTensor{out.data(), n, 1, 1, 1, 0, 0},
                    nullptr);
                RollingRank stream(spec, 0);
                int bad = 0;
                for (std::int64_t i = 0; i < n; ++i) {
                    double streamed;
                    stream.update(x[i], nullptr, &streamed);
                    const double want = slow_rank(x, i, spec);
                    if (!same(out[i], want, 0.0) || !same(streamed, want, 0.0)) {
                        if (++bad <= 3)
                            CHECK(false, "rank %s asc=%d w=%lld i=%lld got %.17g / %.17g want %.17g", name_of(m),
                                  asc, (long long)w, (long long)i, out[i], streamed, want);
                    }
                }
            }
        }
    }
    OrderTree tree;
    for (int i = 0; i < 100; ++i) tree.insert(i % 10, static_cast<std::uint64_t>(i));
    CHECK(tree.count_less(5) == 50 && tree.count_not_greater(5) == 60, "counts of 5");
    CHECK(tree.count_less(-1) == 0 && tree.count_not_greater(9.5) == 100, "counts outside");
    Spec bad;
    bad.stat = Stat::mean;
    bad.window = 3;
    CHECK(test::throws_validation([&] { RollingRank r(bad, 0); }), "a streaming rank of a mean must be refused");
}

void test_moments() {
    for (std::int64_t w : {1, 2, 5, 50, 5000}) {
        auto x = random_walk(12000, 0.05, 17 + w, false);
        for (auto& v : x) v = v * 1e-3 + 1e6;  // far from zero, small moves
        for (Stat stat : {Stat::mean, Stat::var}) {
            Spec spec;
            spec.stat = stat;
            spec.window = w;
            spec.min_periods = 1;
            const auto n = static_cast<std::int64_t>(x.size());
            std::vector<double> out(x.size());
            run(spec, ConstMatrix{x.data(), n, 1, 1, 0}, nullptr, 0, OutTensor{out.data(), n, 1, 1, 1, 0, 0}, nullptr);
            for (std::int64_t i = 0; i < n; ++i) {
                double sum = 0, cnt = 0;
                for (std::int64_t j = std::max<std::int64_t>(0, i - w + 1); j <= i; ++j)
                    if (!std::isnan(x[j])) { sum += x[j]; ++cnt; }
                double mean = sum / cnt, ss = 0;
                for (std::int64_t j = std::max<std::int64_t>(0, i - w + 1); j <= i; ++j)
                    if (!std::isnan(x[j])) ss += (x[j] - mean) * (x[j] - mean);
                double want = cnt == 0 ? NAN : stat == Stat::mean ? mean : (cnt < 2 ? NAN : ss / (cnt - 1));
                // relative to the deviations' scale, not to 1e6: the shift must keep precision
                CHECK(same(out[i], want, stat == Stat::mean ? 1e-12 * std::fabs(want) : 1e-9 * std::max(1e-6, std::fabs(want))),
                      "%s w=%lld i=%lld got %.17g want %.17g", name_of(stat), (long long)w, (long long)i, out[i], want);
            }
        }
    }
}

void test_validation_and_cancel() {
    Spec spec;
    spec.stat = Stat::quantile;
    spec.window = 0;
    spec.min_periods = -3;
    spec.q = {1.5};
    double x = 1, o = 0;
    try {
        run(spec, ConstMatrix{&x, 1, 1, 1, 0}, nullptr, 0, OutTensor{&o, 1, 1, 1, 1, 0, 0}, nullptr);
        CHECK(false, "no ValidationError");
    } catch (const ValidationError& e) {
        CHECK(e.errors().size() == 3, "%zu errors: %s", e.errors().size(), e.what());
    }
    CancelToken token;
    token.cancel();
    spec = Spec{};
    spec.window = 2;
    try {
        run(spec, ConstMatrix{&x, 1, 1, 1, 0}, nullptr, 0, OutTensor{&o, 1, 1, 1, 1, 0, 0}, &token);
        CHECK(false, "no CancelledError");
    } catch (const CancelledError&) {
    }
}

// Timestamps changed after validation (run_validated trusts the plan): numbers may be
// wrong but every window stays inside the column, whatever the stamps hold.
void test_unsorted_times_stay_in_bounds() {
    const std::int64_t n = 300;
    std::vector<std::int64_t> t(static_cast<std::size_t>(n));
    std::mt19937_64 g(11);
    const std::int64_t extremes[] = {INT64_MIN, INT64_MAX, 0, -1, 1};
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = i % 7 == 0 ? extremes[g() % 5] : static_cast<std::int64_t>(g());
    for (std::int64_t w : {std::int64_t{1}, std::int64_t{1000}, INT64_MAX}) {
        const TimeBounds b = TimeBounds::from_times(t.data(), n, w);
        for (std::int64_t i = 0; i < n; ++i) {
            CHECK(b.start(i) >= 0 && b.start(i) <= i && b.end(i) == i + 1, "w=%lld i=%lld start %lld", (long long)w,
                  (long long)i, (long long)b.start(i));
            if (i > 0) CHECK(b.start(i) >= b.start(i - 1), "starts must not decrease (i=%lld)", (long long)i);
        }
    }
    auto x = random_walk(static_cast<std::size_t>(n), 0.1, 7, true);
    for (Stat stat : {Stat::sum, Stat::mean, Stat::var, Stat::zscore, Stat::min, Stat::max, Stat::median, Stat::quantile}) {
        Spec spec;
        spec.stat = stat;
        spec.time_window = true;
        spec.window = 1000;
        spec.q = {0.5, 0.9};
        const auto k = static_cast<std::int64_t>(spec.outputs_per_column());
        // a guard element after the output catches a write past its end
        std::vector<double> out(static_cast<std::size_t>(n * k) + 1, 12345.0);
        run_validated(spec, ConstMatrix{x.data(), n, 1, 1, 0}, t.data(), OutTensor{out.data(), n, 1, k, k, 0, 1},
                      nullptr);
        CHECK(out.back() == 12345.0, "stat %s wrote past the output", name_of(stat));
    }
}

// Timestamps given with a count window: one per row, like a time window's, but their order
// is not the count window's business.
void test_count_window_times() {
    Spec spec;
    spec.stat = Stat::mean;
    spec.window = 3;
    const std::vector<std::int64_t> t = {5, 1, 3, 2};
    FieldErrors none;
    validate(spec, 4, t.data(), 4, none);
    CHECK(none.empty(), "unsorted stamps with a count window: %zu error(s)", none.list().size());
    FieldErrors short_times;
    validate(spec, 5, t.data(), 4, short_times);
    CHECK(short_times.list().size() == 1 && short_times.list()[0].field == "times",
          "4 stamps for 5 rows must be refused");
    FieldErrors absent;
    validate(spec, 5, nullptr, 0, absent);
    CHECK(absent.empty(), "a count window needs no stamps");
}

}  // namespace

int main() {
    test_count_window_times();
    test_count_quantile();
    test_time_quantile_and_tree();
    test_rank();
    test_moments();
    test_validation_and_cancel();
    test_unsorted_times_stay_in_bounds();
    std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}
