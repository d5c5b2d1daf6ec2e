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
//
// Count windows over contiguous columns try a faster path per segment first (plain
// sums slid by two interleaved chains), kept only where a bound on its rounding is far
// below every output's tolerance and no window is constant; other segments run the
// kernel above (see fast_segment in moments.cpp).
#include <cstdint>
#include <limits>

#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/rolling/bounds.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::rolling {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Rows [begin, end) of a column, for work split along one long column.
struct RowRange {
    std::int64_t begin, end;
};

// Rows per task when one column is split: ranges starting at multiples of it give
// exactly the result of one run over all rows (each starts from an exact
// recomputation), whatever the number of threads.  Count windows only.
inline constexpr std::int64_t kChunkRows = std::int64_t{1} << 16;
std::int64_t moments_chunk_rows(const Spec& spec, std::int64_t n);

// spec.stat is sum, mean, var, std or zscore; `rows` starts at a multiple of
// moments_chunk_rows (or at 0).
void window_moments(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                    const CountBounds& bounds, Column out, const CancelToken* token, RowRange rows);
void window_moments(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                    const TimeBounds& bounds, Column out, const CancelToken* token);

}  // namespace threadx::rolling
