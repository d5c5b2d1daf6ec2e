#pragma once
// Rolling sum, mean, var, std and zscore over count or time windows.
//
// Running sums of (x - K) for sums and means, and a Welford update of the mean and
// squared deviations of (x - K) for the moments, where the shift K is a value of the
// data near the window, so the state stays at the scale of the deviations.  The
// running state is recomputed exactly at the start of every segment of a few windows'
// length, and when the squared deviations fall far below their peak (a spike or a
// volatile stretch has left), so rounding never outlives the values it came from.  NaN
// is skipped and not counted; infinities are counted apart (observations whose sum is
// +-inf or NaN; a window holding one has no finite variance).
#include <cstdint>
#include <limits>

#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/rolling/bounds.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::rolling {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// spec.stat is sum, mean, var, std or zscore.
void window_moments(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                    const CountBounds& bounds, Column out, const CancelToken* token);
void window_moments(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                    const TimeBounds& bounds, Column out, const CancelToken* token);

}  // namespace threadx::rolling
