#pragma once
// Rolling min/max: the monotonic deque of core/monotone_deque.hpp fed row by row, for
// count and time windows alike.  NaN is skipped and not counted.
#include <cmath>
#include <cstdint>

#include "threadx/core/monotone_deque.hpp"
#include "threadx/rolling/moments.hpp"

namespace threadx::rolling {

template <bool IsMax>
class ExtremumAgg {
public:
    void add(std::int64_t row, double v) {
        if (std::isnan(v)) return;
        ++nobs_;
        deque_.push(row, v);
    }
    void remove(std::int64_t row, double v) noexcept {
        if (std::isnan(v)) return;
        --nobs_;
        deque_.leave(row);
    }
    double value(std::int64_t minp) const noexcept {
        if (nobs_ < minp || nobs_ == 0) return kNaN;
        return deque_.value();
    }

private:
    MonotoneDeque<IsMax> deque_;
    std::int64_t nobs_ = 0;
};

}  // namespace threadx::rolling
