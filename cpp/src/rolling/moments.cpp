#include "threadx/rolling/moments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif


namespace threadx::rolling {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();


// Observations and infinities of the window, plus the trailing run of identical
// values (so a constant window is exactly constant).  Counts change only on the slow
// path (a NaN or an infinity enters or leaves), where everything derived from them
// is refreshed, so the fast path is a handful of instructions.
struct Counts {
    std::int64_t nobs = 0;  // non-NaN values
    std::int64_t inf_pos = 0, inf_neg = 0;
    std::int64_t run = 0;
    double last = kNaN;

    std::int64_t finite() const noexcept { return nobs - inf_pos - inf_neg; }
    bool has_inf() const noexcept { return (inf_pos | inf_neg) != 0; }
    bool constant() const noexcept { return nobs > 0 && run >= nobs; }
    void track_run(double v) noexcept {
        const bool same = v == last;
        run = same ? run + 1 : 1;
        last = v;
    }
    // Returns true for a finite value; infinities are only counted.
    bool add(double v) noexcept {
        ++nobs;
        track_run(v);
        if (std::isfinite(v)) return true;
        (v > 0 ? inf_pos : inf_neg) += 1;
        return false;
    }
    bool remove(double v) noexcept {
        --nobs;
        if (std::isfinite(v)) return true;
        (v > 0 ? inf_pos : inf_neg) -= 1;
        return false;
    }
    double inf_sum() const noexcept {
        if (inf_pos && inf_neg) return kNaN;
        return inf_pos ? kInf : -kInf;
    }
};

struct Settings {
    std::int64_t minp, ddof;
};

// Knuth's TwoSum: a + b == sum + err exactly (no branch, no extended precision).
struct TwoSum {
    double sum, err;
    static TwoSum of(double a, double b) noexcept {
        const double t = a + b, bp = t - a;
        return {t, (a - (t - bp)) + (b - bp)};
    }
};

// Running sum with every rounding error kept in a compensation term (TwoSum), so values
// that have left leave no trace: a 1e16 followed by 0.1s sums to 0.3 again once the
// 1e16 is gone, and finite values whose difference overflows are handled exactly.
// The terms are the values themselves (no shift: exact terms, exact compensation),
// and the running sum's dependency chain is still one add per row.
struct SumWindow {
    static constexpr std::int64_t kSegmentWindows = 8, kMinSegment = 4096;
    Counts c;
    Settings cfg{};
    double s = 0.0, comp = 0.0;  // the window's sum is s + comp
    double bound = 0.0, cap = 0.0;  // the plain update's range: |x| <= bound, |s| <= cap
    bool saturated = false;  // even a recomputation overflowed: wait for the next segment
    bool ok = false;     // enough observations, no infinity: the fast formulas apply
    double inv = kNaN;   // 1 / nobs

    void reset(double) noexcept { c = Counts{}; s = comp = bound = cap = 0.0; }
    void refresh() noexcept {
        ok = c.nobs >= std::max<std::int64_t>(cfg.minp, 1) && !c.has_inf();
        inv = 1.0 / static_cast<double>(c.nobs);
    }
    void accumulate(double hi, double lo) noexcept {  // s + comp += hi + lo
        const TwoSum t = TwoSum::of(s, hi);
        s = t.sum;
        comp += t.err + lo;
    }
    void add(double v) noexcept {
        if (!std::isnan(v) && c.add(v)) accumulate(v, 0.0);
    }
    void remove(double v) noexcept {
        if (!std::isnan(v) && c.remove(v)) accumulate(-v, 0.0);
    }
    void step(double in, double out) noexcept {
        // Values no larger than the window's were at the last recomputation, and a sum
        // that holds no spike: a plain update, whose rounding (at most a few ulps of that
        // scale per row, for at most one segment) cannot hide a value that has left.
        if (std::fabs(in) <= bound && std::fabs(out) <= bound && std::fabs(s) <= cap) [[likely]] {
            s += in - out;
            return;
        }
        const TwoSum d = TwoSum::of(in, -out);  // in - out as an exact pair
        if (std::isfinite(d.sum)) {
            accumulate(d.sum, d.err);
        } else {  // a NaN or an infinity enters or leaves (or a difference overflows)
            remove(out);
            add(in);
            refresh();
        }
    }
    // Only an overflow of the running sum needs an early recomputation; the
    // compensation takes care of rounding.
    bool needs_refresh() const noexcept { return !std::isfinite(s) && !c.has_inf() && !saturated; }
    double total() const noexcept { return s + comp; }
    double sum() const noexcept {
        if (ok) [[likely]] return total();
        if (c.nobs < cfg.minp) return kNaN;
        if (c.nobs == 0) return 0.0;
        return c.inf_sum();
    }
    double mean() const noexcept {
        if (ok) [[likely]] return total() * inv;
        if (c.nobs < cfg.minp || c.nobs == 0) return kNaN;
        return c.inf_sum();
    }
};

// Welford's mean and sum of squared deviations of (x - K), slid one row at a time
// the way bottleneck does (one update per row when the count does not change).  The
// shift K, a value near the window, keeps the state at the scale of the deviations,
// so data far from zero (prices of 1e6 moving by 1e-3) keeps its precision.
struct VarWindow {
    static constexpr std::int64_t kSegmentWindows = 4, kMinSegment = 256;
    Counts c;
    Settings cfg{};
    double shift = 0.0, mean = 0.0, ssq = 0.0;  // mean of x - K
    double peak = 0.0;  // largest ssq since the last recomputation
    bool saturated = false;  // even a recomputation overflowed: wait for the next segment
    bool ok = false;    // enough observations, more than ddof, no infinity, not one value
    double inv = kNaN, inv_dof = kNaN;  // 1 / nobs, 1 / (nobs - ddof)

    void reset(double k) noexcept { c = Counts{}; shift = k; mean = ssq = peak = 0.0; }
    void refresh() noexcept {
        ok = c.nobs >= std::max<std::int64_t>(cfg.minp, 1) && c.nobs > cfg.ddof && c.nobs > 1 &&
             !c.has_inf();
        inv = 1.0 / static_cast<double>(c.finite());
        inv_dof = 1.0 / static_cast<double>(c.nobs - cfg.ddof);
    }
    void add(double v) noexcept {
        if (std::isnan(v) || !c.add(v)) return;
        v -= shift;
        const double delta = v - mean;
        mean += delta / static_cast<double>(c.finite());
        ssq += delta * (v - mean);
    }
    void remove(double v) noexcept {
        if (std::isnan(v) || !c.remove(v)) return;
        v -= shift;
        const std::int64_t f = c.finite();
        if (f == 0) { mean = ssq = 0.0; return; }
        const double delta = v - mean;
        mean -= delta / static_cast<double>(f);
        ssq -= delta * (v - mean);
    }
    void step(double in, double out) noexcept {
        const double delta = in - out;  // finite iff both are (or the difference overflows)
        if (std::isfinite(delta)) [[likely]] {
            c.track_run(in);
            const double before = mean;
            mean += delta * inv;
            ssq += delta * ((in - shift - mean) + (out - shift - before));
        } else {
            remove(out);
            add(in);
            refresh();
        }
    }
    // Removing large deviations leaves rounding of their size behind: when ssq has
    // fallen far below its peak (a spike or a volatile stretch has left), recompute.
    bool needs_refresh() noexcept {
        peak = ssq > peak ? ssq : peak;
        return ssq < peak * 0x1p-10 || (!std::isfinite(ssq) && !c.has_inf() && !saturated);
    }
    double var() const noexcept {
        if (ok) [[likely]] {
            if (c.constant()) return 0.0;
            const double v = ssq * inv_dof;
            return v < 0.0 ? 0.0 : v;
        }
        if (c.nobs < std::max<std::int64_t>(cfg.minp, 1) || c.nobs <= cfg.ddof || c.has_inf())
            return kNaN;
        return 0.0;  // a single observation
    }
    double window_mean() const noexcept { return c.constant() ? c.last : shift + mean; }
};

// The window of rows [begin, end), computed from scratch (two passes for the
// moments) so no rounding carries over from before.  The shift is the window's last
// finite value or, for an empty window, the first finite value ahead (up to `ahead`).
template <class W, class In>
void recompute(W& s, In x, std::int64_t begin, std::int64_t end, std::int64_t ahead,
               const CancelCheck& check) {
    // branch-free counting pass, with the finite values' range
    Counts c;
    double lo = kInf, hi = -kInf;
    for (std::int64_t j = begin; j < end; ++j) {
        if (((j - begin) & 0xFFFF) == 0) check();
        const double v = x[j];
        const bool finite = std::isfinite(v);
        lo = finite && v < lo ? v : lo;
        hi = finite && v > hi ? v : hi;
        c.nobs += !std::isnan(v);
        c.inf_pos += v == kInf;
        c.inf_neg += v == -kInf;
    }
    // the trailing run of identical values, NaN skipped
    for (std::int64_t j = end - 1; j >= begin; --j) {
        const double v = x[j];
        if (std::isnan(v)) continue;
        if (c.run == 0) c.last = v;
        else if (v != c.last) break;
        ++c.run;
    }
    // the shift: the window's last finite value, else the first one ahead; none when
    // the window's range is so wide that (x - K) could overflow
    double shift = 0.0;
    bool found = false;
    for (std::int64_t j = end - 1; j >= begin && !found; --j)
        if (std::isfinite(x[j])) { shift = x[j]; found = true; }
    for (std::int64_t j = end; j < ahead && !found; ++j)
        if (std::isfinite(x[j])) { shift = x[j]; found = true; }
    if ((hi >= lo && !std::isfinite(hi - lo)) || std::is_same_v<W, SumWindow>) shift = 0.0;
    s.reset(shift);
    s.c = c;
    // compensated sum of the finite (x - K); K is 0 for sums
    double sum = 0.0, err = 0.0;
    for (std::int64_t j = begin; j < end; ++j) {
        const double v = x[j];
        const TwoSum t = TwoSum::of(sum, std::isfinite(v) ? v - shift : 0.0);
        sum = t.sum;
        err += t.err;
    }
    const std::int64_t f = c.finite();
    if constexpr (std::is_same_v<W, SumWindow>) {
        s.s = sum;
        s.comp = err;
        s.saturated = !std::isfinite(sum);
        // the plain update's range: values up to twice the window's largest, sums up to
        // that times the window's length (no fast path until a window has been seen)
        const double largest = std::max(std::fabs(lo), std::fabs(hi));
        if (hi >= lo && largest < 1e300) {
            s.bound = 2.0 * largest;
            s.cap = s.bound * static_cast<double>(end - begin + 2);
        }
    } else if (f > 0) {
        s.mean = (sum + err) / static_cast<double>(f);
        double ssq = 0.0;
        for (std::int64_t j = begin; j < end; ++j) {
            const double v = x[j];
            const double d = std::isfinite(v) ? (v - shift) - s.mean : 0.0;
            ssq += d * d;
        }
        s.ssq = ssq;
        s.peak = ssq;
        s.saturated = !std::isfinite(ssq);
    }
    s.refresh();
}

// Unit-stride views: the common layout gets the simplest addressing.
struct DenseIn {
    const double* data;
    double operator[](std::int64_t i) const noexcept { return data[i]; }
};
struct DenseOut {
    double* data;
    double& operator[](std::int64_t i) const noexcept { return data[i]; }
};

template <class B>
inline constexpr bool kCountBounds = std::is_same_v<B, CountBounds>;

// Segments of a few windows' length; each starts from an exact recomputation, so
// rounding cannot build up and the shift stays near the data.  Count windows slide by
// one row in, one row out (the fast path); time windows add a row and remove the rows
// their start has passed.
// Count windows use segments of a fixed length, so a run may start at any multiple of
// it and produce exactly what one run over all rows does.
template <class W>
std::int64_t count_segment(std::int64_t window, std::int64_t n) noexcept {
    const std::int64_t w = std::min(window, std::max<std::int64_t>(n, 1));
    return std::max(W::kSegmentWindows * w, W::kMinSegment);
}

template <class W, class Bounds, class In, class Out, class Value, class Finish>
void run_segments(Settings cfg, const Bounds& bounds, In x, std::int64_t n, Out out,
                  const CancelToken* token, Value value, Finish finish, RowRange rows) {
    CancelCheck check(token);
    W s;
    s.cfg = cfg;
    for (std::int64_t s0 = rows.begin; s0 < rows.end;) {
        check();
        const std::int64_t start0 = bounds.start(s0);
        std::int64_t length;
        if constexpr (kCountBounds<Bounds>) length = count_segment<W>(bounds.window, n);
        else length = std::max(W::kSegmentWindows * std::max<std::int64_t>(1, s0 + 1 - start0), W::kMinSegment);
        const std::int64_t s1 = std::min(rows.end, s0 + length);
        // the state before row s0 enters: a count window then slides one row in and one
        // out, so it holds the w rows before s0; a time window holds row s0's window
        std::int64_t from = start0;
        if constexpr (kCountBounds<Bounds>) from = std::max<std::int64_t>(0, s0 - bounds.window);
        recompute(s, x, from, s0, s1, check);
        std::int64_t i = s0, lo = start0;
        while (i < s1) {
            // the hot loop works on a local copy whose address never escapes, so its
            // fields live in registers; it leaves only for a rare recomputation
            W t = s;
            bool refresh = false;
            for (; i < s1; ++i) {
                if (((i - s0) & 0xFFFF) == 0xFFFF) check();
                if constexpr (kCountBounds<Bounds>) {
                    if (i >= bounds.window) {
                        t.step(x[i], x[i - bounds.window]);
                    } else {  // the first window is still filling
                        t.add(x[i]);
                        t.refresh();
                    }
                } else {
                    const std::int64_t before = t.c.nobs, infs = t.c.inf_pos + t.c.inf_neg;
                    for (const std::int64_t si = bounds.start(i); lo < si; ++lo) t.remove(x[lo]);
                    t.add(x[i]);
                    if (t.c.nobs != before || t.c.inf_pos + t.c.inf_neg != infs) t.refresh();
                }
                if (t.needs_refresh()) [[unlikely]] {
                    refresh = true;
                    break;
                }
                out[i] = value(t, i);
            }
            s = t;
            if (refresh) {
                lo = bounds.start(i);
                recompute(s, x, lo, i + 1, i + 1, check);
                out[i] = value(s, i);
                ++i;
            }
        }
        finish(out, s0, s1);
        s0 = s1;
    }
}

// A second pass over a segment's outputs (sqrt for std): separate, it vectorises.
struct NoFinish {
    template <class Out>
    void operator()(Out, std::int64_t, std::int64_t) const noexcept {}
};
struct SqrtFinish {
    template <class Out>
    void operator()(Out out, std::int64_t begin, std::int64_t end) const noexcept {
        for (std::int64_t i = begin; i < end; ++i) out[i] = std::sqrt(out[i]);
    }
};

template <class W, class Bounds, class Value, class Finish = NoFinish>
void run_layout(Settings cfg, const Bounds& bounds, ConstColumn x, std::int64_t n, Column out,
                const CancelToken* token, RowRange rows, Value value, Finish finish = {}) {
    if (x.stride == 1 && out.stride == 1)
        run_segments<W>(cfg, bounds, DenseIn{x.data}, n, DenseOut{out.data}, token, value, finish, rows);
    else
        run_segments<W>(cfg, bounds, x, n, out, token, value, finish, rows);
}

// ---------------------------------------------------------------- the fast path
//
// A count window over a dense column, one segment at a time.  The running sums of
// (x - K) and (x - K)^2 are slid by kLanes independent chains, each over a quarter of
// the segment and each starting from its own sums of the window before it, so the
// adds of different chains overlap instead of waiting on one another (one chain is
// bound by the latency of an add).  Plain sums are exact enough only where the data
// has no spike: the segment is taken by this path when a bound on its rounding is far
// below the tolerance of every window in it (1e-9 of the window's own max|x|), and
// when it holds no infinity and no window whose variance could be exactly 0 (identical
// values).  Any other segment runs the exact kernel above, so a value of 1e12 leaving
// the window leaves no trace either way.  Segments have the exact kernel's length and
// each is computed from its own rows only, so results do not depend on the split.

constexpr int kLanes = 2;
constexpr double kEps = 0x1p-53;  // unit roundoff
// the share of the tolerance the rounding bound may take
constexpr double kBudget = 1e-10;

enum class Fast { sum, mean, var, std, zscore };

// Least and largest |x[j]| over [a, b), NaN skipped.  SSE2 (every x86-64) takes two
// values per instruction: min/max return their second operand when either is NaN, so a
// NaN leaves the accumulator as it was.  Elsewhere, four independent scalar chains.
struct Range {
    double lo = kInf, hi = 0.0;
};
inline Range abs_range(const double* x, std::int64_t a, std::int64_t b) noexcept {
    Range r;
    std::int64_t j = a;
#if defined(__SSE2__)
    const __m128d sign = _mm_set1_pd(-0.0);
    __m128d lo0 = _mm_set1_pd(kInf), lo1 = lo0, hi0 = _mm_setzero_pd(), hi1 = hi0;
    for (; j + 4 <= b; j += 4) {
        const __m128d v0 = _mm_andnot_pd(sign, _mm_loadu_pd(x + j));
        const __m128d v1 = _mm_andnot_pd(sign, _mm_loadu_pd(x + j + 2));
        lo0 = _mm_min_pd(v0, lo0);
        lo1 = _mm_min_pd(v1, lo1);
        hi0 = _mm_max_pd(v0, hi0);
        hi1 = _mm_max_pd(v1, hi1);
    }
    double l[2], h[2];
    _mm_storeu_pd(l, _mm_min_pd(lo0, lo1));
    _mm_storeu_pd(h, _mm_max_pd(hi0, hi1));
    r.lo = std::min(l[0], l[1]);
    r.hi = std::max(h[0], h[1]);
#endif
    for (; j < b; ++j) {
        const double v = std::fabs(x[j]);
        r.lo = v < r.lo ? v : r.lo;
        r.hi = v > r.hi ? v : r.hi;
    }
    return r;
}

// Sums over the window of rows [a - w, a): sum of (x - K), of (x - K)^2, count.
struct Lane {
    double s1 = 0.0, s2 = 0.0;
    std::int64_t c = 0;
};
inline Lane window_sums(const double* x, std::int64_t a, std::int64_t w, double k) noexcept {
    double p1[4] = {0, 0, 0, 0}, p2[4] = {0, 0, 0, 0};
    std::int64_t c = 0;
    std::int64_t j = a - w;
    auto one = [&](int lane, double v) {
        const bool ok = v == v;
        const double d = ok ? v - k : 0.0;
        p1[lane] += d;
        p2[lane] += d * d;
        c += ok;
    };
    for (; j + 4 <= a; j += 4)
        for (int l = 0; l < 4; ++l) one(l, x[j + l]);
    for (; j < a; ++j) one(0, x[j]);
    return {(p1[0] + p1[1]) + (p1[2] + p1[3]), (p2[0] + p2[1]) + (p2[2] + p2[3]), c};
}

// One chain of the fast path: the sums of the window ending at the current row.  NaN
// is rare, so it is a predictable branch rather than a select on every row (measured:
// the branch-free form is half as fast).
template <Fast F>
struct Chain {
    static constexpr bool kMoments = F == Fast::var || F == Fast::std || F == Fast::zscore;
    double s1 = 0.0, s2 = 0.0;
    std::int64_t c = 0, cmin = 0;
    double inv = kNaN, inv_dof = kNaN;  // 1 / c and 1 / (c - ddof), NaN where undefined
    bool valid = false;                 // c >= min_periods
    double vmin = kInf;  // zscore: the least variance seen
    double s2max = 0.0;  // moments: the largest sum of squares seen

    // What depends on the count alone: refreshed when a NaN enters or leaves.
    void count(std::int64_t n, Settings cfg) noexcept {
        c = n;
        cmin = c < cmin ? c : cmin;
        inv = c > 0 ? 1.0 / static_cast<double>(c) : kNaN;
        inv_dof = c > cfg.ddof ? 1.0 / static_cast<double>(c - cfg.ddof) : kNaN;
        valid = c >= cfg.minp;
    }

    // Slides by one row (vi in, vo out) and returns the row's value.
    inline double step(double vi, double vo, double k, Settings cfg) noexcept {
        double di = vi, dout = vo;
        if constexpr (kMoments) {  // sums take the values themselves (k is 0)
            di -= k;
            dout -= k;
        }
        if (vi == vi) [[likely]] {
            s1 += di;
            if constexpr (kMoments) s2 += di * di;
        } else {
            count(c - 1, cfg);
        }
        if (vo == vo) [[likely]] {
            s1 -= dout;
            if constexpr (kMoments) s2 -= dout * dout;
        } else {
            count(c + 1, cfg);
        }
        double r;
        if constexpr (kMoments) {
            s2max = s2 > s2max ? s2 : s2max;
            const double m = s1 * inv;
            double v = (s2 - s1 * m) * inv_dof;
            v = v < 0.0 ? 0.0 : v;
            if constexpr (F == Fast::zscore) {
                vmin = v < vmin ? v : vmin;
                r = (di - m) / std::sqrt(v);  // x - mean, at the scale of the deviations
            } else {
                r = v;
            }
        } else if constexpr (F == Fast::sum) {
            r = s1;
        } else {
            r = s1 * inv;
        }
        return valid ? r : kNaN;
    }
};

// The segment [s0, s1) (s0 >= w >= 4) by the fast path; false (out untouched or
// partly written) when the exact kernel must compute it.
//
// Whether the plain sums were exact enough is judged afterwards: the rounding bound
// (from w * max|x| for sums, from the largest sum of squares for moments) against
// the least tolerance of a row with a value, which the outputs bound from below (a
// window's max|x| is at least |mean|, and at least sqrt(var * (c - ddof) / c)).  A
// segment whose bound could reach a tenth of a tolerance goes to the exact kernel.
template <Fast F>
bool fast_segment(const double* x, double* out, std::int64_t w, std::int64_t s0, std::int64_t s1, Settings cfg) {
    constexpr bool kMoments = Chain<F>::kMoments;
    // the shift: a value of the window before the segment (0 for sums: exact terms)
    double k = 0.0;
    if constexpr (kMoments) {
        for (std::int64_t j = s0 - 1; j >= s0 - w && k == 0.0; --j)
            if (std::isfinite(x[j])) k = x[j];
    }
    const std::int64_t len = s1 - s0, q = len / kLanes;
    const std::int64_t ddof = cfg.ddof;
    Chain<F> ch[kLanes];
    for (int l = 0; l < kLanes; ++l) {
        const Lane a = window_sums(x, s0 + l * q, w, k);
        ch[l].s1 = a.s1;
        ch[l].s2 = ch[l].s2max = a.s2;
        ch[l].cmin = a.c;
        ch[l].count(a.c, cfg);
    }
    // kLanes chains over consecutive parts of the segment, advanced together
    const double* in[kLanes];
    double* to[kLanes];
    for (int l = 0; l < kLanes; ++l) {
        in[l] = x + s0 + l * q;
        to[l] = out + s0 + l * q;
    }
    for (std::int64_t j = 0; j < q; ++j) {
#pragma GCC unroll 4
        for (int l = 0; l < kLanes; ++l) to[l][j] = ch[l].step(in[l][j], in[l][j - w], k, cfg);
    }
    for (std::int64_t i = s0 + kLanes * q; i < s1; ++i)
        out[i] = ch[kLanes - 1].step(x[i], x[i - w], k, cfg);
    // max|x| over every row the segment read (now in cache: scanning them first would
    // wait on memory with nothing to overlap): an infinity is for the exact kernel, and
    // w times it bounds every running sum, rows whose output is NaN (too few
    // observations) included: their rounding stays in the sum
    const Range xs = abs_range(x, s0 - w, s1);
    if (!(xs.hi <= std::numeric_limits<double>::max())) return false;
    std::int64_t cm = w;
    double vmin = kInf, s2max = 0.0;
    for (int l = 0; l < kLanes; ++l) {
        if (!std::isfinite(ch[l].s1) || !std::isfinite(ch[l].s2max)) return false;  // an overflow
        cm = std::min(cm, ch[l].cmin);
        vmin = std::min(vmin, ch[l].vmin);
        s2max = std::max(s2max, ch[l].s2max);
    }
    if (cm < 2 || cm <= ddof) return false;  // one observation, or too few: the exact kernel's rules
    // Rounding of the sums: a few ulps of their largest value per row, growing like
    // the square root of the rows summed (random-signed errors), with a margin of 4.
    const double growth = 4.0 * kEps * std::sqrt(static_cast<double>(len + w));
    const double lo = abs_range(out, s0, s1).lo;  // least |output| (NaN rows need no precision)
    const double top = static_cast<double>(w) * xs.hi;  // bounds every |sum of x|
    const double wd = static_cast<double>(w), dof = static_cast<double>(cm - ddof);
    if constexpr (kMoments) {
        // the variance's error: twice that of the sum of squares, over (c - ddof)
        const double err = 2.0 * growth * s2max / dof;
        if constexpr (F == Fast::var) vmin = lo;
        else if constexpr (F == Fast::std) vmin = lo * lo;
        // every window's tolerance is at least 1e-9 * max(var, sqrt(var * (c - ddof) / c));
        // and no window may be (nearly) constant: an exact 0 needs the exact kernel
        const double floor = std::max(vmin, std::sqrt(vmin * dof / wd));
        return err <= kBudget * floor && vmin > 64.0 * err;
    } else if constexpr (F == Fast::sum) {
        return growth * top <= kBudget * lo;  // tolerance >= 1e-9 * |S|
    } else {
        return growth * top <= kBudget * lo * static_cast<double>(cm);  // tolerance >= 1e-9 * |mean|
    }
}

template <class W, Fast F>
void count_fast(Settings cfg, std::int64_t w, ConstColumn x, std::int64_t n, Column out,
                const CancelToken* token, RowRange rows, auto value, auto finish) {
    const CountBounds bounds{w};
    const bool dense = x.stride == 1 && out.stride == 1;
    if (!dense || w < 4 || w >= n) return run_layout<W>(cfg, bounds, x, n, out, token, rows, value, finish);
    CancelCheck check(token);
    const std::int64_t seg = count_segment<W>(w, n);
    for (std::int64_t s0 = rows.begin; s0 < rows.end; s0 += seg) {
        check();
        const std::int64_t s1 = std::min(rows.end, s0 + seg);
        const bool fast = s0 >= w && s1 - s0 >= 4 * kLanes && fast_segment<F>(x.data, out.data, w, s0, s1, cfg);
        if (fast) finish(out, s0, s1);
        else run_layout<W>(cfg, bounds, x, n, out, token, RowRange{s0, s1}, value, finish);
    }
}

template <class Bounds>
void moments(const Spec& spec, std::int64_t minp, ConstColumn x, std::int64_t n, const Bounds& bounds,
             Column out, const CancelToken* token, RowRange rows) {
    const Settings cfg{minp, spec.ddof};
    if constexpr (kCountBounds<Bounds>) {
        const std::int64_t w = bounds.window;
        switch (spec.stat) {
            case Stat::sum:
                return count_fast<SumWindow, Fast::sum>(cfg, w, x, n, out, token, rows,
                    [](const SumWindow& s, std::int64_t) { return s.sum(); }, NoFinish{});
            case Stat::mean:
                return count_fast<SumWindow, Fast::mean>(cfg, w, x, n, out, token, rows,
                    [](const SumWindow& s, std::int64_t) { return s.mean(); }, NoFinish{});
            case Stat::var:
                return count_fast<VarWindow, Fast::var>(cfg, w, x, n, out, token, rows,
                    [](const VarWindow& s, std::int64_t) { return s.var(); }, NoFinish{});
            case Stat::std:
                return count_fast<VarWindow, Fast::std>(cfg, w, x, n, out, token, rows,
                    [](const VarWindow& s, std::int64_t) { return s.var(); }, SqrtFinish{});
            case Stat::zscore:
                return count_fast<VarWindow, Fast::zscore>(cfg, w, x, n, out, token, rows,
                    [x](const VarWindow& s, std::int64_t i) { return (x[i] - s.window_mean()) / std::sqrt(s.var()); },
                    NoFinish{});
            default:
                return;
        }
    }
    switch (spec.stat) {
        case Stat::sum:
            return run_layout<SumWindow>(cfg, bounds, x, n, out, token, rows,
                                         [](const SumWindow& s, std::int64_t) { return s.sum(); });
        case Stat::mean:
            return run_layout<SumWindow>(cfg, bounds, x, n, out, token, rows,
                                         [](const SumWindow& s, std::int64_t) { return s.mean(); });
        case Stat::var:
            return run_layout<VarWindow>(cfg, bounds, x, n, out, token, rows,
                                         [](const VarWindow& s, std::int64_t) { return s.var(); });
        case Stat::std:
            return run_layout<VarWindow>(
                cfg, bounds, x, n, out, token, rows, [](const VarWindow& s, std::int64_t) { return s.var(); },
                SqrtFinish{});
        case Stat::zscore:
            return run_layout<VarWindow>(cfg, bounds, x, n, out, token, rows, [x](const VarWindow& s, std::int64_t i) {
                return (x[i] - s.window_mean()) / std::sqrt(s.var());
            });
        default:
            return;
    }
}

}  // namespace

std::int64_t moments_chunk_rows(const Spec& spec, std::int64_t n) {
    const std::int64_t seg = spec.stat == Stat::sum || spec.stat == Stat::mean
                                 ? count_segment<SumWindow>(spec.window, n)
                                 : count_segment<VarWindow>(spec.window, n);
    return seg * std::max<std::int64_t>(1, kChunkRows / seg);
}

void window_moments(const Spec& spec, std::int64_t minp, ConstColumn x, std::int64_t n,
                    const CountBounds& bounds, Column out, const CancelToken* token, RowRange rows) {
    moments(spec, minp, x, n, bounds, out, token, rows);
}

void window_moments(const Spec& spec, std::int64_t minp, ConstColumn x, std::int64_t n,
                    const TimeBounds& bounds, Column out, const CancelToken* token) {
    moments(spec, minp, x, n, bounds, out, token, RowRange{0, n});
}

}  // namespace threadx::rolling
