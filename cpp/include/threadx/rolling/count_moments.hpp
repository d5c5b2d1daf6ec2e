#pragma once
// Count-window sum, mean, var, std and zscore, specialised for speed and checked
// against the same reference as the add/remove aggregators (pandas).
//
// A running sum of (x - K) for sums and means, and Welford's running mean and squared
// deviations of (x - K) for the moments, where the shift K is a value of the data near
// the window.  The running state is recomputed exactly at the start of every segment
// of a few windows' length, so rounding never accumulates past one segment and an
// infinity or a huge value that has left the window leaves no trace.  NaN is skipped
// and not counted; infinities are counted apart.
#include <cstdint>

#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::rolling {

// spec.stat is sum, mean, var, std or zscore; spec is a count window.
void count_moments(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                   Column out, const CancelToken* token);

}  // namespace threadx::rolling
