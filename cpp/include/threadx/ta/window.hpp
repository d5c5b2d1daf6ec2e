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

}  // namespace threadx::ta
