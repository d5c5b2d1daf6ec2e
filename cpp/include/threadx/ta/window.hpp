#pragma once
// Window extremes for streaming and batch: streaming by the monotonic deque of
// core/monotone_deque.hpp (amortised O(1) per bar, bounded by the period), plus the time
// of the last NaN so a window holding a NaN reports NaN.  TA-Lib's own scan lets a NaN
// in or out depending on where its rescan starts; ThreadX's documented rule is "NaN in
// the window -> NaN".
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "threadx/core/monotone_deque.hpp"
#include "threadx/ta/dense.hpp"
#include "threadx/ta/kernel.hpp"

namespace threadx::ta {

template <bool IsMax>
struct Extreme {
    std::int64_t period = 1;
    std::int64_t t = 0;            // bars pushed
    std::int64_t last_nan = -1;    // bar of the latest NaN, -1 if none yet
    MonotoneDeque<IsMax> deque;    // holds at most `period` entries: no allocation after construction

    explicit Extreme(std::int64_t p = 1) : period(p < 1 ? 1 : p), deque(period) {}

    void push(double x) {
        const std::int64_t now = t++;
        deque.leave(now - period);
        if (x != x) {
            last_nan = now;
            return;
        }
        deque.push(now, x);
    }
    // Extreme of the last `period` values pushed (all of them while fewer were pushed).
    double value() const noexcept {
        if (last_nan >= 0 && t - 1 - last_nan < period) return kNaN;
        return deque.empty() ? kNaN : deque.value();
    }
    // Bar (0-based from the first push) of the extreme; the latest one on ties.
    std::int64_t index() const noexcept { return deque.empty() ? -1 : deque.position(); }

    template <class Ar>
    void fields(Ar& ar) { ar(t, last_nan, deque); }
};

using Highest = Extreme<true>;
using Lowest = Extreme<false>;

// v when it is beyond e, else e (also for a NaN v).
template <bool IsMax>
inline double take_extreme(double v, double e) noexcept {
    return (IsMax ? v > e : v < e) ? v : e;  // one MAXSD / MINSD
}

// Batch twin of Extreme: out[i] = extreme of x[i-period+1 .. i] for i >= start+period-1
// (NaN before, and NaN while the window holds a NaN), by van Herk / Gil-Werman blocks of
// `period` rows: the window of row i is the suffix of the previous block from row
// i-period+1 and the prefix of row i's block.  Per block, one branch-free pass running
// forward (the prefix against the previous block's suffixes) and backward (this block's
// suffixes) at once; NaN rows are fixed up afterwards where a block saw one.
// Same values as Extreme: they are selections, whatever the algorithm.
template <bool IsMax>
void window_extreme(const ConstColumn& xc, std::int64_t start, std::int64_t n, std::int64_t period,
                    const Column& out, const CancelCheck& check) {
    constexpr double kFloor = IsMax ? -std::numeric_limits<double>::infinity()
                                    : std::numeric_limits<double>::infinity();
    const Dense d(xc, n);
    const double* x = d.p;
    const std::int64_t w = period < 1 ? 1 : period;
    // suffix extremes of the previous block (read) and of the current one (written), each
    // followed by a kFloor: the window of a block's last row is the block itself
    std::vector<double> buf(2 * static_cast<std::size_t>(w) + 2, kFloor);
    double* prev = buf.data();
    double* cur = prev + w + 1;
    std::vector<double> tmp(out.stride == 1 ? 0 : static_cast<std::size_t>(w));
    std::int64_t last_nan = start - w - 1, done = 0;
    for (std::int64_t s = start; s < n; s += w) {
        const std::int64_t m = n - s < w ? n - s : w;
        const double* xb = x + s;
        double* o = out.stride == 1 ? out.data + s : tmp.data();
        double fwd = kFloor, bwd = kFloor;
        bool nan = false;
        for (std::int64_t j = 0, r = m - 1; j < m; ++j, --r) {  // two independent chains
            fwd = take_extreme<IsMax>(xb[j], fwd);
            o[j] = take_extreme<IsMax>(prev[j + 1], fwd);
            const double v = xb[r];
            nan |= v != v;
            cur[r] = bwd = take_extreme<IsMax>(v, bwd);
        }
        if (s == start)  // the warm-up rows
            for (std::int64_t j = 0; j < m && j < w - 1; ++j) o[j] = kNaN;
        if (nan || s - 1 - last_nan < w - 1) {  // a NaN in or just before this block
            for (std::int64_t j = 0; j < m; ++j) {
                if (xb[j] != xb[j]) last_nan = s + j;
                if (s + j - last_nan < w) o[j] = kNaN;
            }
        }
        if (out.stride != 1)
            for (std::int64_t j = 0; j < m; ++j) out[s + j] = o[j];
        std::swap(prev, cur);
        if ((done += m) >= kCheckEvery && s + w < n) {
            done = 0;
            check();
        }
    }
}

}  // namespace threadx::ta
