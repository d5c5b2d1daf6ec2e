#pragma once
// Sorting one block of a column: the non-NaN values with their row offsets, ordered
// by (value, offset).  A distribution-adaptive bucket sort (values mapped linearly
// onto about one bucket per value, distributed stably, then one insertion pass),
// falling back to std::sort when a bucket is crowded or the range unbounded, so it is
// O(m) on typical data and O(m log m) at worst.  The bucket map is monotone in the
// value, so the order is exact.
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "threadx/core/buffer.hpp"
#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"

namespace threadx::rolling {

// Sorted non-NaN values with their row offsets, padded with a NaN sentinel on each
// side (index -1 and index size()), so a merge reads past either end without a check.
class SortedBlock {
public:
    const double* values() const noexcept { return values_.data() + 1; }
    double* values() noexcept { return values_.data() + 1; }
    const std::int32_t* offsets() const noexcept { return offsets_.data() + 1; }
    std::int32_t* offsets() noexcept { return offsets_.data() + 1; }
    std::int32_t size() const noexcept { return size_; }
    void resize(std::int32_t m) {
        values_.resize(static_cast<std::size_t>(m) + 2);
        offsets_.resize(static_cast<std::size_t>(m) + 2);
        values_[0] = values_[static_cast<std::size_t>(m) + 1] = std::numeric_limits<double>::quiet_NaN();
        offsets_[0] = offsets_[static_cast<std::size_t>(m) + 1] = 0;
        size_ = m;
    }

private:
    Buffer<double> values_;
    Buffer<std::int32_t> offsets_;
    std::int32_t size_ = 0;
};

class BlockSorter {
public:
    // Sorts x[begin .. begin + n) into `out` (out's buffers are reused); long blocks
    // check `check` every few ten thousand values.
    void sort(ConstColumn x, std::int64_t begin, std::int32_t n, SortedBlock& out, const CancelCheck& check);

private:
    Buffer<std::int32_t> bucket_, counts_, tmp_offsets_;
    Buffer<double> tmp_values_;
    Buffer<std::pair<double, std::int32_t>> pairs_;
};

}  // namespace threadx::rolling
