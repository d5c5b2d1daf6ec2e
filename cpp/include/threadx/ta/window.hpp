#pragma once
// Window extremes for streaming and batch: a monotonic deque (amortised O(1) per bar,
// bounded by the period), plus the time of the last NaN so a window holding a NaN
// reports NaN.  TA-Lib's own scan lets a NaN in or out depending on where its rescan
// starts; ThreadX's documented rule is "NaN in the window -> NaN".
#include <cstdint>
#include <vector>

#include "threadx/ta/kernel.hpp"

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

// Batch twin of Extreme: out[i] = extreme of x[i-period+1 .. i] for i >= start+period-1
// (NaN before, and NaN while the window holds a NaN), by van Herk / Gil-Werman blocks:
// prefix extremes of the current block against suffix extremes of the previous one,
// about three branch-free operations per value whatever the data (the deque's pops and
// TA-Lib's rescans are data-dependent).  Same values as Extreme by definition.
template <bool IsMax>
void window_extreme(const ConstColumn& x, std::int64_t start, std::int64_t n, std::int64_t period,
                    const Column& out, const CancelCheck& check) {
    constexpr double kFloor = IsMax ? -std::numeric_limits<double>::infinity()
                                    : std::numeric_limits<double>::infinity();
    auto pick = [](double a, double b) { return IsMax ? (a < b ? b : a) : (b < a ? b : a); };
    auto clean = [](double v) { return v != v ? kFloor : v; };
    const std::int64_t w = period < 1 ? 1 : period;
    std::vector<double> suffix(static_cast<std::size_t>(w), kFloor);  // of the previous block
    std::int64_t last_nan = start - w - 1;
    std::int64_t done = 0;
    for (std::int64_t s = start; s < n; s += w) {
        const std::int64_t e = s + w < n ? s + w : n;
        double prefix = kFloor;
        for (std::int64_t i = s; i < e; ++i) {
            const double v = x[i];
            if (v != v) last_nan = i;
            prefix = pick(prefix, clean(v));
            const std::int64_t j = i - w + 1;  // window start, in the previous block unless i = s+w-1
            double m = j >= s ? prefix : pick(suffix[static_cast<std::size_t>(j - (s - w))], prefix);
            if (i - last_nan < w) m = kNaN;
            out[i] = j >= start ? m : kNaN;
        }
        double acc = kFloor;
        for (std::int64_t i = e - 1; i >= s; --i) {
            acc = pick(acc, clean(x[i]));
            suffix[static_cast<std::size_t>(i - s)] = acc;
        }
        if ((done += e - s) >= kCheckEvery) {
            done = 0;
            check();
        }
    }
}

}  // namespace threadx::ta
