#pragma once
// Rolling min/max with a monotonic deque of (row, value): O(1) amortised per row,
// for count and time windows alike.  NaN is skipped and not counted.
#include <cmath>
#include <cstdint>
#include <deque>
#include <utility>

#include "threadx/rolling/moments.hpp"

namespace threadx::rolling {

template <bool IsMax>
class ExtremumAgg {
public:
    void add(std::int64_t row, double v) {
        if (std::isnan(v)) return;
        ++nobs_;
        // keep the newest of equal values: it leaves the window last
        while (!deque_.empty() && !better(deque_.back().second, v)) deque_.pop_back();
        deque_.emplace_back(row, v);
    }
    void remove(std::int64_t row, double v) noexcept {
        if (std::isnan(v)) return;
        --nobs_;
        if (!deque_.empty() && deque_.front().first == row) deque_.pop_front();
    }
    double value(std::int64_t minp) const noexcept {
        if (nobs_ < minp || nobs_ == 0) return kNaN;
        return deque_.front().second;
    }

private:
    static bool better(double a, double b) noexcept { return IsMax ? a > b : a < b; }
    std::deque<std::pair<std::int64_t, double>> deque_;
    std::int64_t nobs_ = 0;
};

}  // namespace threadx::rolling
