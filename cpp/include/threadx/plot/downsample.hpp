#pragma once
// Downsampling for drawing (docs/plots.md): M4 aggregation (Jugel, Jerzak, Hackenbroich & Markl,
// "M4: A Visualization-Oriented Time Series Data Aggregation", VLDB 2014).  The x range is cut
// into `columns` buckets of equal width (a pixel column each); per bucket the points kept are the
// first, the lowest, the highest and the last non-NaN point, plus the first NaN (so a gap stays a
// gap in the drawn line).  A line through the kept points, in order, covers exactly the pixels
// the full line covers: no spike is lost.  At most 5 points per bucket, O(n), parallel over
// buckets, whatever n.
#include <cstdint>
#include <span>
#include <vector>

#include "threadx/core/cancel.hpp"
#include "threadx/core/errors.hpp"

namespace threadx::plot {

// x: the points' positions, non-decreasing (times as int64 ns, say), or empty for 0..n-1.
// y: the values (NaN allowed, ±inf refused).  columns >= 1.
void validate_m4(std::span<const std::int64_t> x, std::span<const double> y, std::int64_t columns,
                 FieldErrors& errors);

// The kept points' indices into y, increasing (validated first: ValidationError).  With
// n <= 4 * columns every index is kept.
std::vector<std::int64_t> m4_indices(std::span<const std::int64_t> x, std::span<const double> y,
                                     std::int64_t columns, const CancelToken* cancel = nullptr);

}  // namespace threadx::plot
