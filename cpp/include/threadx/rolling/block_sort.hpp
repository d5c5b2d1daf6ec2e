#pragma once
// Sorting one block of a column: the non-NaN values with their row offsets, ordered
// by (value, offset).  A distribution-adaptive bucket sort (values mapped linearly
// onto about one bucket per value, distributed stably, then one insertion pass),
// falling back to std::sort when a bucket is crowded or the range unbounded, so it is
// O(m) on typical data and O(m log m) at worst.  The bucket map is monotone in the
// value, so the order is exact.
#include <cstdint>
#include <utility>
#include <vector>

#include "threadx/core/strided.hpp"

namespace threadx::rolling {

struct SortedBlock {
    std::vector<double> values;         // sorted non-NaN values
    std::vector<std::int32_t> offsets;  // their row offsets in the block
    std::int32_t size() const noexcept { return static_cast<std::int32_t>(values.size()); }
};

class BlockSorter {
public:
    // Sorts x[begin .. begin + n) into `out` (out's buffers are reused).
    void sort(ConstColumn x, std::int64_t begin, std::int32_t n, SortedBlock& out);

private:
    std::vector<std::int32_t> bucket_, counts_, tmp_offsets_;
    std::vector<double> tmp_values_;
    std::vector<std::pair<double, std::int32_t>> pairs_;
};

}  // namespace threadx::rolling
