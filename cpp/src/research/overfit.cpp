// Overfitting statistics (see threadx/research/overfit.hpp and docs/research.md).
#include "threadx/research/overfit.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <string>

#include "threadx/core/parallel.hpp"

namespace threadx::research {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEulerGamma = 0.57721566490153286061;
// A variance below this share of the mean square is rounding noise of a constant series.
constexpr double kZeroVariance = 1e-12;

std::string cell(const char* name, std::int64_t i, std::int64_t j) {
    return std::string(name) + "[" + std::to_string(i) + ", " + std::to_string(j) + "]";
}

// 1 − γ₃·SR + (γ₄ − 1)/4·SR²: T−1 times the variance of the Sharpe estimate.
double sharpe_variance_term(const SharpeInputs& in) {
    return 1 - in.skew * in.sharpe + (in.kurtosis - 1) / 4 * in.sharpe * in.sharpe;
}

void throw_if(const FieldErrors& errors) { errors.throw_if_any(); }

// Acklam's rational approximation of Φ⁻¹ (relative error < 1.15e-9).
double acklam(double p) {
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                   1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01,  -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    constexpr double low = 0.02425;
    if (p < low) {
        const double q = std::sqrt(-2 * std::log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - low) return -acklam(1 - p);
    const double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

}  // namespace

// ---- Sharpe ratio statistics --------------------------------------------------------------

SharpeInputs sharpe_moments(std::span<const double> returns) {
    FieldErrors errors;
    double n = 0, sum = 0;
    for (std::size_t i = 0; i < returns.size(); ++i) {
        const double v = returns[i];
        if (std::isinf(v)) {
            errors.add("returns[" + std::to_string(i) + "]", repr(v), "must be finite (or NaN: skipped)");
            break;
        }
        if (!std::isnan(v)) {
            n += 1;
            sum += v;
        }
    }
    throw_if(errors);
    const double mean = sum / n;
    double m2 = 0, m3 = 0, m4 = 0;
    for (const double v : returns) {
        if (std::isnan(v)) continue;
        const double d = v - mean, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    SharpeInputs out;
    out.n_obs = n;
    m2 /= n, m3 /= n, m4 /= n;
    const bool ok = n >= 2 && m2 > kZeroVariance * (m2 + mean * mean);
    out.sharpe = ok ? mean / std::sqrt(m2 * n / (n - 1)) : kNaN;
    out.skew = ok ? m3 / std::pow(m2, 1.5) : kNaN;
    out.kurtosis = ok ? m4 / (m2 * m2) : kNaN;
    return out;
}

void validate(const SharpeInputs& in, FieldErrors& errors) {
    const std::size_t before = errors.list().size();
    if (!std::isfinite(in.sharpe)) errors.add("sharpe", repr(in.sharpe), "must be a finite per-period Sharpe ratio");
    if (!(std::isfinite(in.n_obs) && in.n_obs > 1))
        errors.add("n_obs", repr(in.n_obs), "must be a number of returns > 1");
    if (!std::isfinite(in.skew)) errors.add("skew", repr(in.skew), "must be finite");
    if (!std::isfinite(in.kurtosis)) errors.add("kurtosis", repr(in.kurtosis), "must be finite (non-excess: normal is 3)");
    if (errors.list().size() == before && !(sharpe_variance_term(in) > 0))
        errors.add("kurtosis", repr(in.kurtosis),
                   "makes 1 - skew*sharpe + (kurtosis-1)/4*sharpe^2 <= 0 (a kurtosis needs >= 1 + skew^2; "
                   "non-excess: normal is 3)");
}

void validate_trials(double n_trials, double trials_variance, FieldErrors& errors) {
    if (!(std::isfinite(n_trials) && n_trials >= 2))
        errors.add("n_trials", repr(n_trials), "must be a number of trials >= 2");
    if (!(std::isfinite(trials_variance) && trials_variance >= 0))
        errors.add("trials_variance", repr(trials_variance), "must be a finite variance >= 0");
}

void validate_alpha(double alpha, FieldErrors& errors) {
    if (!(alpha > 0 && alpha < 1)) errors.add("alpha", repr(alpha), "must be a significance level in (0, 1)");
}

double norm_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

double norm_ppf(double p) {
    if (!(p > 0 && p < 1)) return p == 0 ? -kInf : p == 1 ? kInf : kNaN;
    const double x = acklam(p);
    // one Halley step on Φ(x) − p: the error of Acklam's approximation goes to ~1e-15
    // Φ(x) − p, for p >= 0.5 as (1 − p) − Q(x) (no cancellation in the upper tail)
    const double err = p < 0.5 ? norm_cdf(x) - p : (1 - p) - 0.5 * std::erfc(x / std::numbers::sqrt2);
    const double u = err * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

namespace {

// The formulas on validated inputs (each public entry point validates once, then calls these).
double psr(const SharpeInputs& in, double sr_benchmark) {
    return norm_cdf((in.sharpe - sr_benchmark) * std::sqrt(in.n_obs - 1) / std::sqrt(sharpe_variance_term(in)));
}

double sr_star(double n_trials, double trials_variance) {
    return std::sqrt(trials_variance) * ((1 - kEulerGamma) * norm_ppf(1 - 1 / n_trials) +
                                         kEulerGamma * norm_ppf(1 - 1 / (n_trials * std::numbers::e)));
}

}  // namespace

double probabilistic_sharpe(const SharpeInputs& in, double sr_benchmark) {
    FieldErrors errors;
    validate(in, errors);
    if (!std::isfinite(sr_benchmark)) errors.add("sr_benchmark", repr(sr_benchmark), "must be finite");
    throw_if(errors);
    return psr(in, sr_benchmark);
}

double expected_max_sharpe(double n_trials, double trials_variance) {
    FieldErrors errors;
    validate_trials(n_trials, trials_variance, errors);
    throw_if(errors);
    return sr_star(n_trials, trials_variance);
}

double deflated_sharpe(const SharpeInputs& in, double n_trials, double trials_variance) {
    FieldErrors errors;
    validate(in, errors);
    validate_trials(n_trials, trials_variance, errors);
    throw_if(errors);
    return psr(in, sr_star(n_trials, trials_variance));
}

double min_track_record_length(const SharpeInputs& in, double sr_benchmark, double alpha) {
    FieldErrors errors;
    // n_obs is not an input of MinTRL: any valid value stands in for it
    SharpeInputs checked = in;
    checked.n_obs = 2;
    validate(checked, errors);
    if (!std::isfinite(sr_benchmark)) errors.add("sr_benchmark", repr(sr_benchmark), "must be finite");
    validate_alpha(alpha, errors);
    throw_if(errors);
    if (!(in.sharpe > sr_benchmark)) return kInf;
    const double z = norm_ppf(1 - alpha) / (in.sharpe - sr_benchmark);
    return 1 + sharpe_variance_term(in) * z * z;
}

// ---- Partition sums -----------------------------------------------------------------------

std::int64_t row_begin(std::int64_t p, std::int64_t n_rows, std::int64_t n_partitions) {
    // p·T/S without overflow for any T that fits memory (p <= S <= 24)
    return p * (n_rows / n_partitions) + (p * (n_rows % n_partitions)) / n_partitions;
}

void validate_shape(std::int64_t n_rows, std::int64_t n_trials, std::int64_t n_partitions, FieldErrors& errors) {
    const bool s_ok = n_partitions >= 2 && n_partitions <= kMaxPartitions && n_partitions % 2 == 0;
    if (!s_ok)
        errors.add("n_partitions", repr(static_cast<long long>(n_partitions)),
                   "must be an even number of partitions in [2, " + std::to_string(kMaxPartitions) + "]");
    if (n_rows < 2 || (s_ok && n_rows < n_partitions))
        errors.add("n_rows", repr(static_cast<long long>(n_rows)),
                   "must be >= 2 and >= n_partitions (each partition needs a row)");
    if (n_trials < 2) errors.add("n_trials", repr(static_cast<long long>(n_trials)), "must be >= 2 trials");
}

PartitionSums::PartitionSums(std::int64_t n_rows, std::int64_t n_trials, std::int64_t n_partitions)
    : n_rows_(n_rows), n_trials_(n_trials), n_partitions_(n_partitions) {
    FieldErrors errors;
    validate_shape(n_rows, n_trials, n_partitions, errors);
    throw_if(errors);
    const auto size = static_cast<std::size_t>(n_trials * n_partitions);
    count_.assign(size, 0.0);
    sum_.assign(size, 0.0);
    sumsq_.assign(size, 0.0);
}

std::int64_t PartitionSums::partition_of(std::int64_t row) const noexcept {
    // the last p with row_begin(p) <= row
    std::int64_t p = (row * n_partitions_) / n_rows_;
    while (p + 1 < n_partitions_ && row_begin(p + 1, n_rows_, n_partitions_) <= row) ++p;
    while (p > 0 && row_begin(p, n_rows_, n_partitions_) > row) --p;
    return p;
}

void PartitionSums::add(std::int64_t trial, std::int64_t row, double value) noexcept {
    if (std::isnan(value)) return;
    const auto i = static_cast<std::size_t>(partition_of(row) * n_trials_ + trial);
    count_[i] += 1;
    sum_[i] += value;
    sumsq_[i] += value * value;
}

void PartitionSums::add_trial(std::int64_t trial, std::span<const double> returns) {
    FieldErrors errors;
    if (trial < 0 || trial >= n_trials_)
        errors.add("trial", repr(static_cast<long long>(trial)), "must be in [0, " + std::to_string(n_trials_) + ")");
    if (static_cast<std::int64_t>(returns.size()) != n_rows_)
        errors.add("returns", repr(static_cast<long long>(returns.size())) + " rows",
                   "must have n_rows = " + std::to_string(n_rows_) + " values");
    for (std::size_t t = 0; t < returns.size(); ++t)
        if (std::isinf(returns[t])) {
            errors.add("returns[" + std::to_string(t) + "]", repr(returns[t]), "must be finite (or NaN: skipped)");
            break;
        }
    throw_if(errors);
    for (std::int64_t p = 0; p < n_partitions_; ++p) {
        double c = 0, s = 0, q = 0;
        const std::int64_t end = row_begin(p + 1, n_rows_, n_partitions_);
        for (std::int64_t t = row_begin(p, n_rows_, n_partitions_); t < end; ++t) {
            const double v = returns[static_cast<std::size_t>(t)];
            if (std::isnan(v)) continue;
            c += 1, s += v, q += v * v;
        }
        const auto i = static_cast<std::size_t>(p * n_trials_ + trial);
        count_[i] += c, sum_[i] += s, sumsq_[i] += q;
    }
}

PartitionSumsView PartitionSums::view() const noexcept {
    return {n_partitions_, n_trials_, count_, sum_, sumsq_};
}

PartitionSums partition_sums(const double* returns, std::int64_t n_rows, std::int64_t n_trials,
                             std::int64_t n_partitions, const CancelToken* cancel) {
    PartitionSums out(n_rows, n_trials, n_partitions);  // validates the shape
    FieldErrors errors;
    const std::int64_t n = n_rows * n_trials;
    for (std::int64_t i = 0; i < n; ++i)
        if (std::isinf(returns[i])) {
            errors.add(cell("returns", i / n_trials, i % n_trials), repr(returns[i]), "must be finite (or NaN: skipped)");
            break;
        }
    throw_if(errors);
    double* count = out.count().data();
    double* sum = out.sum().data();
    double* sumsq = out.sumsq().data();
    parallel_ranges(static_cast<std::size_t>(n_partitions), 1, cancel, [&](std::size_t p0, std::size_t p1) {
        CancelCheck check(cancel);
        for (auto p = static_cast<std::int64_t>(p0); p < static_cast<std::int64_t>(p1); ++p) {
            double* c = count + p * n_trials;
            double* s = sum + p * n_trials;
            double* q = sumsq + p * n_trials;
            const std::int64_t end = row_begin(p + 1, n_rows, n_partitions);
            for (std::int64_t t = row_begin(p, n_rows, n_partitions); t < end; ++t) {
                if ((t & 255) == 0) check();
                const double* row = returns + t * n_trials;
                for (std::int64_t j = 0; j < n_trials; ++j) {
                    const double v = row[j];
                    const bool ok = !std::isnan(v);
                    const double w = ok ? v : 0.0;
                    c[j] += ok ? 1.0 : 0.0;
                    s[j] += w;
                    q[j] += w * w;
                }
            }
        }
    });
    return out;
}

// ---- PBO by CSCV --------------------------------------------------------------------------

namespace {

// The metrics' one rule each, branch-free, for a double or (GCC/Clang vector extensions) two
// lanes at once.  With u = c·q − s² (c times the sum of squared deviations),
// Sharpe = (s/c) / √(u/(c·(c − 1))) = s·√((c − 1)/(c·u)), defined for c >= 2 and u > 1e-12·c·q.
template <class T>
inline T variance_u(T c, T s, T q) {
    return c * q - s * s;
}

template <class T>
inline auto sharpe_defined(T c, T q, T u) {
    return (c >= 2.0) & (u > kZeroVariance * c * q);
}

// sign(Sharpe)·Sharpe² as num / den = s·|s|·(c − 1) / (c·u) (den > 0 where defined): strictly
// increasing in the Sharpe ratio, so it orders trials as the Sharpe ratio does, with no square
// root (and, cross-multiplied, no division).
template <class T>
inline void sharpe_order(T c, T s, T q, T& num, T& den) {
    num = s * (s < 0.0 ? -s : s) * (c - 1.0);
    den = c * variance_u(c, s, q);
}

inline double sharpe_of(double c, double s, double q) {
    const double u = variance_u(c, s, q);
    const double sharpe = s * std::sqrt((c - 1) / (c * u));
    return sharpe_defined(c, q, u) ? sharpe : kNaN;
}

inline double mean_of(double c, double s) { return c >= 1 ? s / c : kNaN; }

}  // namespace

double metric_of(Metric m, double c, double s, double q) noexcept {
    return m == Metric::Mean ? mean_of(c, s) : sharpe_of(c, s, q);
}

std::int64_t n_combinations(int n_partitions) {
    std::int64_t r = 1;
    const int k = n_partitions / 2;
    for (int i = 1; i <= k; ++i) r = r * (n_partitions - k + i) / i;
    return r;
}

namespace {

std::int64_t binom(int n, int k) {
    if (k < 0 || k > n) return 0;
    std::int64_t r = 1;
    for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
    return r;
}

// The next S/2-subset in lexicographic order (false after the last).
bool next_combination(std::vector<int>& c, int n) {
    const int k = static_cast<int>(c.size());
    int i = k - 1;
    while (i >= 0 && c[static_cast<std::size_t>(i)] == n - k + i) --i;
    if (i < 0) return false;
    ++c[static_cast<std::size_t>(i)];
    for (int j = i + 1; j < k; ++j) c[static_cast<std::size_t>(j)] = c[static_cast<std::size_t>(j - 1)] + 1;
    return true;
}

// Sums of every subset of a group of up to `width` consecutive partitions, so that the sums of any
// set of partitions are a few additions (one per group) instead of one per partition.  Group g holds
// partitions [width·g, min(width·(g + 1), S)); the sums of subset `bits` of it are at
// [bits·N, bits·N + N) of c/s/q, each built as the subset without its highest partition plus that
// partition: the partitions are added in ascending order.  The width is the largest in [1, 8]
// whose tables fit kTableBudget bytes (or twice the sums: width 1 is plain summation), so memory
// stays O(S·N).
struct GroupTables {
    static constexpr std::size_t kTableBudget = std::size_t{64} << 20;
    int width = 8;
    int n_groups = 0;
    std::size_t n = 0;
    std::vector<std::vector<double>> c, s, q;  // per group: 2^width · N values

    static std::size_t bytes(int parts, int w, std::size_t n) {
        std::size_t subsets = 0;
        for (int first = 0; first < parts; first += w) subsets += std::size_t{1} << std::min(w, parts - first);
        return subsets * 3 * n * sizeof(double);
    }

    GroupTables(const PartitionSumsView& v) : n(static_cast<std::size_t>(v.n_trials)) {
        const int parts = static_cast<int>(v.n_partitions);
        while (width > 1 && bytes(parts, width, n) > kTableBudget) --width;
        n_groups = (parts + width - 1) / width;
        for (int g = 0; g < n_groups; ++g) {
            const int first = g * width, w = std::min(width, parts - first);
            const std::size_t subsets = std::size_t{1} << w;
            std::vector<double> gc(subsets * n, 0.0), gs(subsets * n, 0.0), gq(subsets * n, 0.0);
            for (std::size_t bits = 1; bits < subsets; ++bits) {
                const int top = static_cast<int>(std::bit_width(bits)) - 1;
                const std::size_t rest = bits & ~(std::size_t{1} << top);
                const std::size_t off = static_cast<std::size_t>(first + top) * n;
                for (std::size_t j = 0; j < n; ++j) {
                    gc[bits * n + j] = gc[rest * n + j] + v.count[off + j];
                    gs[bits * n + j] = gs[rest * n + j] + v.sum[off + j];
                    gq[bits * n + j] = gq[rest * n + j] + v.sumsq[off + j];
                }
            }
            c.push_back(std::move(gc));
            s.push_back(std::move(gs));
            q.push_back(std::move(gq));
        }
    }
};

// Per-thread scratch of one chunk of combinations.
struct Scratch {
    std::vector<double> c, s, q, keys;
    explicit Scratch(std::size_t n) : c(n), s(n), q(n), keys(n) {}
};

// The sums of one side of a combination as at most 3 rows to add, element by element, in
// ascending group order: with more than 3 groups they are first summed into the scratch.
struct Rows {
    int g = 0;
    const double *c[3] = {}, *s[3] = {}, *q[3] = {};
};

// dst = a + b (the first two groups) or dst += a (the others), for the three sums: plain pointer
// loops that vectorise.
void sum3(std::size_t n, double* __restrict c, double* __restrict s, double* __restrict q,
          const double* __restrict ac, const double* __restrict as, const double* __restrict aq,
          const double* __restrict bc, const double* __restrict bs, const double* __restrict bq) {
    for (std::size_t j = 0; j < n; ++j) {
        c[j] = ac[j] + bc[j];
        s[j] = as[j] + bs[j];
        q[j] = aq[j] + bq[j];
    }
}

void add3(std::size_t n, double* __restrict c, double* __restrict s, double* __restrict q,
          const double* __restrict ac, const double* __restrict as, const double* __restrict aq) {
    for (std::size_t j = 0; j < n; ++j) {
        c[j] += ac[j];
        s[j] += as[j];
        q[j] += aq[j];
    }
}

// The rows of the partitions of `mask` (bit p: partition p).
Rows rows_of(const GroupTables& t, std::uint32_t mask, Scratch& w) {
    const auto row = [&](int g, const std::vector<std::vector<double>>& table) {
        const std::size_t bits = (mask >> (g * t.width)) & ((1u << t.width) - 1);
        return table[static_cast<std::size_t>(g)].data() + bits * t.n;
    };
    Rows r;
    if (t.n_groups <= 3) {
        r.g = t.n_groups;
        for (int g = 0; g < r.g; ++g) r.c[g] = row(g, t.c), r.s[g] = row(g, t.s), r.q[g] = row(g, t.q);
        return r;
    }
    sum3(t.n, w.c.data(), w.s.data(), w.q.data(), row(0, t.c), row(0, t.s), row(0, t.q), row(1, t.c), row(1, t.s),
         row(1, t.q));
    for (int g = 2; g < t.n_groups; ++g) add3(t.n, w.c.data(), w.s.data(), w.q.data(), row(g, t.c), row(g, t.s), row(g, t.q));
    r.g = 1;
    r.c[0] = w.c.data(), r.s[0] = w.s.data(), r.q[0] = w.q.data();
    return r;
}

// Trial j's sums over the rows (the same additions, in the same order, as the loops below).
template <int G>
inline void sums_at(const Rows& r, std::size_t j, double& c, double& s, double& q) {
    c = r.c[0][j], s = r.s[0][j], q = r.q[0][j];
    if constexpr (G > 1) c += r.c[1][j], s += r.s[1][j], q += r.q[1][j];
    if constexpr (G > 2) c += r.c[2][j], s += r.s[2][j], q += r.q[2][j];
}

// A trial's metric as a fraction num / den (den > 0 where ok), for ordering without division:
// the Sharpe ratio's sign(SR)·SR² = s·|s|·(c − 1) / (c·u), the mean s / c.
struct Frac {
    double num, den;
    bool ok;
};

inline Frac frac_of(Metric m, double c, double s, double q) {
    if (m == Metric::Mean) return {s, c, c >= 1};
    Frac f{0, 0, sharpe_defined(c, q, variance_u(c, s, q)) != 0};
    sharpe_order(c, s, q, f.num, f.den);
    return f;
}

// In-sample: every trial's ordering key num / den (NaN where the metric is NaN).  The row
// pointers are copied into locals so that the loops vectorise.
template <int G>
void keys_of(const Rows& r, Metric metric, std::size_t n, double* __restrict out) {
    const double *__restrict c0 = r.c[0], *__restrict s0 = r.s[0], *__restrict q0 = r.q[0];
    const double *__restrict c1 = r.c[G > 1 ? 1 : 0], *__restrict s1 = r.s[G > 1 ? 1 : 0], *__restrict q1 = r.q[G > 1 ? 1 : 0];
    const double *__restrict c2 = r.c[G > 2 ? 2 : 0], *__restrict s2 = r.s[G > 2 ? 2 : 0], *__restrict q2 = r.q[G > 2 ? 2 : 0];
    const auto load = [&](std::size_t j, double& c, double& s, double& q) {  // sums_at's order
        c = c0[j], s = s0[j], q = q0[j];
        if constexpr (G > 1) c += c1[j], s += s1[j], q += q1[j];
        if constexpr (G > 2) c += c2[j], s += s2[j], q += q2[j];
    };
    if (metric == Metric::Mean) {
        for (std::size_t j = 0; j < n; ++j) {
            double c, s, q;
            load(j, c, s, q);
            out[j] = mean_of(c, s);
        }
        return;
    }
    for (std::size_t j = 0; j < n; ++j) {
        double c, s, q, num, den;
        load(j, c, s, q);
        sharpe_order(c, s, q, num, den);
        const double key = num / den;
        out[j] = sharpe_defined(c, q, variance_u(c, s, q)) ? key : kNaN;
    }
}

// Out-of-sample: how many trials with a non-NaN metric there are, and how many of them compare
// below / equal to x (cross-multiplied: num·x.den vs x.num·den, both denominators > 0).
struct Counts {
    std::int64_t less = 0, equal = 0, valid = 0;
};

template <int G>
Counts counts_of(const Rows& r, Metric metric, std::size_t n, Frac x) {
    Counts k;
    std::size_t j = 0;
#if defined(__GNUC__)
    using V2d = double __attribute__((vector_size(16)));
    using V2l = std::int64_t __attribute__((vector_size(16)));
    const auto load2 = [](const double* p) {
        V2d v;
        std::memcpy(&v, p, sizeof v);
        return v;
    };
    V2l vl = {0, 0}, ve = {0, 0}, vv = {0, 0};
    const V2d xn = {x.num, x.num}, xd = {x.den, x.den}, one = {1, 1};
    for (; j + 2 <= n; j += 2) {
        V2d c = load2(r.c[0] + j), s = load2(r.s[0] + j), q = load2(r.q[0] + j);
        if constexpr (G > 1) c += load2(r.c[1] + j), s += load2(r.s[1] + j), q += load2(r.q[1] + j);
        if constexpr (G > 2) c += load2(r.c[2] + j), s += load2(r.s[2] + j), q += load2(r.q[2] + j);
        V2d num, den;
        V2l ok;
        if (metric == Metric::Mean) {
            num = s, den = c, ok = c >= one;
        } else {  // frac_of's Sharpe rule, two trials at a time
            sharpe_order(c, s, q, num, den);
            ok = sharpe_defined(c, q, variance_u(c, s, q));
        }
        const V2d lhs = num * xd, rhs = xn * den;
        vl -= ok & (lhs < rhs);
        ve -= ok & (lhs == rhs);
        vv -= ok;
    }
    k.less = vl[0] + vl[1], k.equal = ve[0] + ve[1], k.valid = vv[0] + vv[1];
#endif
    for (; j < n; ++j) {
        double c, s, q;
        sums_at<G>(r, j, c, s, q);
        const Frac f = frac_of(metric, c, s, q);
        const double lhs = f.num * x.den, rhs = x.num * f.den;
        k.less += f.ok && lhs < rhs;
        k.equal += f.ok && lhs == rhs;
        k.valid += f.ok;
    }
    return k;
}

// The largest non-NaN value of m (-inf when none).
double top_of(const double* m, std::size_t n) {
    double top = -kInf;
    std::size_t j = 0;
#if defined(__GNUC__)
    using V2d = double __attribute__((vector_size(16)));
    V2d t[4] = {{-kInf, -kInf}, {-kInf, -kInf}, {-kInf, -kInf}, {-kInf, -kInf}};  // 4 chains: no latency stall
    for (; j + 8 <= n; j += 8)
        for (int a = 0; a < 4; ++a) {
            V2d v;
            std::memcpy(&v, m + j + 2 * a, sizeof v);
            t[a] = v > t[a] ? v : t[a];  // NaN compares false: skipped
        }
    for (int a = 0; a < 4; ++a) top = std::max({top, t[a][0], t[a][1]});
#endif
    for (; j < n; ++j) top = m[j] > top ? m[j] : top;
    return top;
}

// n*: the first trial with the largest non-NaN in-sample key (-1 when all are NaN).
std::int64_t best_trial(const double* m, std::size_t n) {
    const double top = top_of(m, n);
    for (std::size_t j = 0; j < n; ++j)
        if (m[j] == top) return static_cast<std::int64_t>(j);
    return -1;  // all NaN (keys are finite: -inf is never a key)
}

// In-sample pass: n*, its in-sample metric.
template <int G>
std::int64_t in_sample(const Rows& r, Metric metric, Scratch& w, double& metric_out) {
    const std::size_t n = w.keys.size();
    keys_of<G>(r, metric, n, w.keys.data());
    const std::int64_t best = best_trial(w.keys.data(), n);
    if (best >= 0) {
        double c, s, q;
        sums_at<G>(r, static_cast<std::size_t>(best), c, s, q);
        metric_out = metric_of(metric, c, s, q);
    }
    return best;
}

// Out-of-sample pass: n*'s metric and ω = (midrank among the non-NaN metrics) / (their count + 1).
template <int G>
double out_of_sample(const Rows& r, Metric metric, std::size_t n, std::size_t best, double& metric_out) {
    double c, s, q;
    sums_at<G>(r, best, c, s, q);
    metric_out = metric_of(metric, c, s, q);
    const Frac x = frac_of(metric, c, s, q);
    if (!x.ok) return kNaN;
    const Counts k = counts_of<G>(r, metric, n, x);
    return (static_cast<double>(k.less) + static_cast<double>(k.equal + 1) / 2) / static_cast<double>(k.valid + 1);
}

template <int G>
void one_combination_g(const Rows& is_rows, const GroupTables& t, Metric metric, std::uint32_t oos_mask, Scratch& w,
                       std::size_t k, PboResult& r);

void one_combination(const GroupTables& t, Metric metric, std::uint32_t in_mask, std::uint32_t all, Scratch& w,
                     std::size_t k, PboResult& r) {
    const Rows is_rows = rows_of(t, in_mask, w);
    switch (is_rows.g) {
        case 1: return one_combination_g<1>(is_rows, t, metric, all & ~in_mask, w, k, r);
        case 2: return one_combination_g<2>(is_rows, t, metric, all & ~in_mask, w, k, r);
        default: return one_combination_g<3>(is_rows, t, metric, all & ~in_mask, w, k, r);
    }
}

template <int G>
void one_combination_g(const Rows& is_rows, const GroupTables& t, Metric metric, std::uint32_t oos_mask, Scratch& w,
                       std::size_t k, PboResult& r) {
    double is_metric = kNaN, oos_metric = kNaN;
    const std::int64_t best = in_sample<G>(is_rows, metric, w, is_metric);
    r.best[k] = best;
    if (best < 0) {
        r.is_metric[k] = r.oos_metric[k] = r.oos_rank[k] = r.logit[k] = kNaN;
        return;
    }
    // the out-of-sample rows reuse the scratch only when the in-sample ones no longer need it
    const Rows oos_rows = rows_of(t, oos_mask, w);
    const double omega = out_of_sample<G>(oos_rows, metric, t.n, static_cast<std::size_t>(best), oos_metric);
    r.is_metric[k] = is_metric;
    r.oos_metric[k] = oos_metric;
    r.oos_rank[k] = omega;
    r.logit[k] = std::log(omega / (1 - omega));
}

}  // namespace

std::vector<int> combination(std::int64_t k, int n_partitions) {
    const int r = n_partitions / 2;
    std::vector<int> out;
    out.reserve(static_cast<std::size_t>(r));
    int x = 0;
    for (int j = 0; j < r; ++j) {
        for (;; ++x) {
            const std::int64_t with_x = binom(n_partitions - x - 1, r - j - 1);
            if (k < with_x) break;
            k -= with_x;
        }
        out.push_back(x++);
    }
    return out;
}

std::vector<double> trial_metrics(const PartitionSumsView& v, Metric metric) {
    const auto n = static_cast<std::size_t>(v.n_trials);
    std::vector<double> c(n), s(n), q(n), out(n);
    for (std::size_t p = 0; p < static_cast<std::size_t>(v.n_partitions); ++p)
        for (std::size_t j = 0; j < n; ++j) {
            c[j] += v.count[p * n + j];
            s[j] += v.sum[p * n + j];
            q[j] += v.sumsq[p * n + j];
        }
    for (std::size_t j = 0; j < n; ++j) out[j] = metric_of(metric, c[j], s[j], q[j]);
    return out;
}

void validate(const PartitionSumsView& v, Metric metric, FieldErrors& errors) {
    const std::size_t before = errors.list().size();
    if (static_cast<int>(metric) < 0 || static_cast<int>(metric) > 1)
        errors.add("metric", repr(static_cast<int>(metric)), "must be 'sharpe' or 'mean'");
    const bool s_ok = v.n_partitions >= 2 && v.n_partitions <= kMaxPartitions && v.n_partitions % 2 == 0;
    if (!s_ok)
        errors.add("n_partitions", repr(static_cast<long long>(v.n_partitions)),
                   "must be an even number of partitions in [2, " + std::to_string(kMaxPartitions) + "]");
    if (v.n_trials < 2) errors.add("n_trials", repr(static_cast<long long>(v.n_trials)), "must be >= 2 trials");
    const auto size = static_cast<std::size_t>(std::max<std::int64_t>(v.n_partitions, 0) *
                                               std::max<std::int64_t>(v.n_trials, 0));
    for (auto [name, s] : {std::pair{"count", v.count}, std::pair{"sum", v.sum}, std::pair{"sumsq", v.sumsq}})
        if (s.size() != size)
            errors.add(name, repr(static_cast<long long>(s.size())) + " values", "must hold n_partitions * n_trials values");
    if (errors.list().size() != before) return;
    const auto n = static_cast<std::int64_t>(v.n_trials);
    for (std::size_t i = 0; i < size; ++i) {
        const auto p = static_cast<std::int64_t>(i) / n, j = static_cast<std::int64_t>(i) % n;
        const double c = v.count[i], s = v.sum[i], q = v.sumsq[i];
        if (!(c >= 0 && c == std::floor(c) && std::isfinite(c))) {
            errors.add(cell("count", p, j), repr(c), "must be a whole number of returns >= 0");
            break;
        }
        if (!std::isfinite(s) || (c == 0 && s != 0)) {
            errors.add(cell("sum", p, j), repr(s), "must be finite (0 where the count is 0)");
            break;
        }
        if (!(std::isfinite(q) && q >= 0) || (c == 0 && q != 0)) {
            errors.add(cell("sumsq", p, j), repr(q), "must be finite and >= 0 (0 where the count is 0)");
            break;
        }
    }
    if (errors.list().size() != before) return;
    const std::vector<double> m = trial_metrics(v, metric);
    if (std::all_of(m.begin(), m.end(), [](double x) { return std::isnan(x); }))
        errors.add("returns", "every trial",
                   "the metric is NaN for every trial (fewer than 2 returns or a zero standard deviation)");
}

PboResult pbo(const PartitionSumsView& v, Metric metric, const CancelToken* cancel) {
    FieldErrors errors;
    validate(v, metric, errors);
    throw_if(errors);
    const int parts = static_cast<int>(v.n_partitions);
    PboResult r;
    r.n_combinations = n_combinations(parts);
    const auto nc = static_cast<std::size_t>(r.n_combinations);
    r.logit.resize(nc);
    r.is_metric.resize(nc);
    r.oos_metric.resize(nc);
    r.oos_rank.resize(nc);
    r.best.resize(nc);
    // about 2^17 values per chunk: cancellation lands within a fraction of a millisecond
    const auto per = static_cast<std::size_t>(v.n_trials * 12);
    const std::size_t grain = std::max<std::size_t>(1, (std::size_t{1} << 17) / per);
    const GroupTables tables(v);
    const std::uint32_t all = (std::uint32_t{1} << parts) - 1;
    parallel_ranges(nc, grain, cancel, [&](std::size_t k0, std::size_t k1) {
        Scratch w(static_cast<std::size_t>(v.n_trials));
        std::vector<int> c = combination(static_cast<std::int64_t>(k0), parts);
        for (std::size_t k = k0; k < k1; ++k) {
            std::uint32_t mask = 0;
            for (const int p : c) mask |= std::uint32_t{1} << p;
            one_combination(tables, metric, mask, all, w, k, r);
            next_combination(c, parts);
        }
    });
    double below = 0, valid = 0;
    for (const double l : r.logit) {
        below += l <= 0 ? 1.0 : 0.0;
        valid += std::isnan(l) ? 0.0 : 1.0;
    }
    r.n_valid = static_cast<std::int64_t>(valid);
    r.pbo = valid > 0 ? below / valid : kNaN;
    return r;
}

}  // namespace threadx::research
