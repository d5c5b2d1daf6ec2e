#pragma once
// Exact rolling quantiles over short count windows: the window's non-NaN values kept
// in one sorted array, updated in place (a value leaves, a value enters: one pass
// counts both ranks, then the values between them shift by one slot).  For a few
// dozen values this beats the sorted blocks of BlockQuantile, whose per-row work is
// bit scans over a ranking at least kMinBlock rows wide; the crossover (kMaxWindow)
// was measured side by side.  Same ranks, same interpolation, so the
// same numbers as every other quantile kernel.
#include <cstdint>
#include <vector>

#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/rolling/moments.hpp"
#include "threadx/rolling/quantile.hpp"

namespace threadx::rolling {

class SmallQuantile {
public:
    // measured (1e6 rows, q = 0.9, CPU time): 26/28/31/37 ms against the blocks'
    // 39/33/33/32 ms at w = 10/20/32/48
    static constexpr std::int64_t kMaxWindow = 32;
    static bool fits(std::int64_t window) noexcept { return window <= kMaxWindow; }

    SmallQuantile(std::int64_t window, QuantileLevels levels, std::int64_t min_periods);
    // out(i, col, j) = the level-j quantile of the window ending at row i, for the rows
    // of `rows` (any split of a column gives the result of one run: the state at a row
    // is the sorted window, rebuilt from the rows before the first one).
    void run(ConstColumn x, std::int64_t n, const OutTensor& out, std::int64_t col, const CancelToken* token,
             RowRange rows);

private:
    void insert(double v) noexcept;
    void erase(double v) noexcept;
    void replace(double out, double in) noexcept;

    std::int64_t window_;
    QuantileLevels levels_;
    std::int64_t minp_;
    std::vector<double> sorted_;  // the first m_ slots hold the window's values, ascending
    std::int64_t m_ = 0;
};

}  // namespace threadx::rolling
