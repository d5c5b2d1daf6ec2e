#pragma once
// Window extremes for streaming and batch: a monotonic deque (amortised O(1) per bar,
// bounded by the period), plus the time of the last NaN so a window holding a NaN
// reports NaN.  TA-Lib's own scan lets a NaN in or out depending on where its rescan
// starts; ThreadX's documented rule is "NaN in the window -> NaN".
#include <cstdint>
#include <limits>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "threadx/ta/dense.hpp"
#include "threadx/ta/kernel.hpp"

#define THREADX_WINDOW_INLINE [[gnu::always_inline]] inline

namespace threadx::ta {

template <bool IsMax>
struct Extreme {
    std::int64_t period = 1;
    std::int64_t t = 0;               // bars pushed
    std::int64_t last_nan = -1;       // bar of the latest NaN, -1 if none yet
    std::vector<double> val;          // ring storage of the deque, capacity = period
    std::vector<std::int64_t> at;     // bar of each entry
    std::int64_t front = 0, size = 0;

    explicit Extreme(std::int64_t p = 1)
        : period(p < 1 ? 1 : p), val(static_cast<std::size_t>(period)), at(static_cast<std::size_t>(period)) {}

    static bool dominates(double a, double b) noexcept { return IsMax ? a >= b : a <= b; }

    void push(double x) noexcept {
        const std::int64_t now = t++;
        if (size > 0 && at[slot(0)] <= now - period) {  // the front leaves the window
            front = front + 1 == period ? 0 : front + 1;
            --size;
        }
        if (x != x) {
            last_nan = now;
            return;
        }
        while (size > 0 && dominates(x, val[slot(size - 1)])) --size;
        const std::size_t s = slot(size);
        val[s] = x;
        at[s] = now;
        ++size;
    }
    // Extreme of the last `period` values pushed (all of them while fewer were pushed).
    double value() const noexcept {
        if (last_nan >= 0 && t - 1 - last_nan < period) return kNaN;
        return size > 0 ? val[slot(0)] : kNaN;
    }
    // Bar (0-based from the first push) of the extreme; the latest one on ties.
    std::int64_t index() const noexcept { return size > 0 ? at[slot(0)] : -1; }

    template <class Ar>
    void fields(Ar& ar) { ar(t, last_nan, val, at, front, size); }

private:
    std::size_t slot(std::int64_t k) const noexcept {
        std::int64_t i = front + k;
        if (i >= period) i -= period;
        return static_cast<std::size_t>(i);
    }
};

using Highest = Extreme<true>;
using Lowest = Extreme<false>;

// TA-Lib's window scan, for batch: the extreme of x[i-period+1 .. i] and its row are
// kept while they stay in the window (a value equal or beyond takes over), and the
// window is scanned again when they leave; O(1) amortised on prices.  A NaN is never
// taken (the caller reports NaN while one is in the window), so the values are the
// window's extremes, those of Extreme.  step() must be called for consecutive rows.
// (Keep the object local: its members then stay in registers.)
template <bool IsMax>
struct TrackedExtreme {
    static constexpr double kFloor = IsMax ? -std::numeric_limits<double>::infinity()
                                           : std::numeric_limits<double>::infinity();
    std::int64_t period;
    std::int64_t idx = -1;  // row of ext
    double ext = 0;
    explicit TrackedExtreme(std::int64_t p) : period(p < 1 ? 1 : p) {}

    static bool beyond(double a, double b) noexcept { return IsMax ? a > b : a < b; }
    // The window's extreme after row i (whose value is v = x[i]).
    THREADX_WINDOW_INLINE double step(const double* x, std::int64_t i, double v) noexcept {
        const std::int64_t trailing = i - period + 1;
        if (idx < trailing) [[unlikely]] {
            const Found f = rescan(x, trailing, i);
            ext = f.value;
            idx = f.row;
        } else {  // branch-free: the comparison is a coin flip on prices
            const bool take = IsMax ? v >= ext : v <= ext;  // never a NaN
            idx += (i - idx) & -static_cast<std::int64_t>(take);
            ext = take_value(v, ext);
        }
        return ext;
    }

private:
    struct Found {
        double value;
        std::int64_t row;
    };
    // v when it is equal or beyond e, else e (also for a NaN v), as MAXSD / MINSD.
    static double take_value(double v, double e) noexcept {
#if defined(__SSE2__)
        const __m128d a = _mm_set_sd(v), b = _mm_set_sd(e);
        return _mm_cvtsd_f64(IsMax ? _mm_max_sd(a, b) : _mm_min_sd(a, b));
#else
        return (IsMax ? v >= e : v <= e) ? v : e;
#endif
    }
    // Four independent chains for the value, then its latest row (it stays longest).
    THREADX_WINDOW_INLINE static Found rescan(const double* x, std::int64_t from, std::int64_t to) noexcept {
        double m0 = kFloor, m1 = kFloor, m2 = kFloor, m3 = kFloor;
        std::int64_t k = from;
        for (; k + 4 <= to + 1; k += 4) {
            m0 = take_value(x[k], m0);
            m1 = take_value(x[k + 1], m1);
            m2 = take_value(x[k + 2], m2);
            m3 = take_value(x[k + 3], m3);
        }
        for (; k <= to; ++k) m0 = take_value(x[k], m0);
        m0 = take_value(m1, m0);
        m2 = take_value(m3, m2);
        m0 = take_value(m2, m0);
        for (k = to; k >= from; --k)
            if (x[k] == m0) return {m0, k};
        return {m0, to};  // a window of NaN only: kFloor, taken over by the next value
    }
};

// Batch twin of Extreme: out[i] = extreme of x[i-period+1 .. i] for i >= start+period-1
// (NaN before, and NaN while the window holds a NaN).  Same values as Extreme: they are
// selections, whatever the algorithm.
template <bool IsMax>
void window_extreme(const ConstColumn& xc, std::int64_t start, std::int64_t n, std::int64_t period,
                    const Column& out, const CancelCheck& check) {
    const Dense d(xc, n);
    const double* x = d.p;
    const std::int64_t w = period < 1 ? 1 : period;
    const std::int64_t first = start + w - 1 < n ? start + w - 1 : n;
    std::int64_t last_nan = start - w - 1;
    for (std::int64_t i = start; i < first; ++i) {
        if (x[i] != x[i]) last_nan = i;
        out[i] = kNaN;
    }
    TrackedExtreme<IsMax> e(w);
    const Column o = out;
    std::int64_t i = first;
    while (i < n) {
        const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
        for (; i < stop; ++i) {
            const double v = x[i];
            if (v != v) last_nan = i;
            const double m = e.step(x, i, v);
            o[i] = i - last_nan < w ? kNaN : m;
        }
        if (i < n) check();
    }
}

}  // namespace threadx::ta
