#pragma once
// Exact rolling quantiles over count windows in O(n log w) time and O(w) memory,
// after the sorted-blocks idea of J. Suomela ("Median filtering is equivalent to
// sorting", 2014).
//
// The rows are cut into blocks of w.  A window spans a suffix of block A and a prefix
// of block B, so each block is sorted once (BlockSorter) and each pair (A, B) merges
// the two sorted blocks into one ranking of at most 2w values.  The window is then a
// bitset over those ranks: a row leaving clears its bit, a row entering sets its bit.
// For each level q a cursor (rank r, count of set bits <= r) marks the k-th smallest;
// a change of the window or of k moves it to the next/previous set bit, which is a
// word-level bit scan.  No per-window sorting, no pointer chasing; NaN rows get no
// rank (skipped, not counted).
#include <cstdint>
#include <vector>

#include "threadx/core/buffer.hpp"
#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/rolling/block_sort.hpp"
#include "threadx/rolling/moments.hpp"
#include "threadx/rolling/quantile.hpp"

namespace threadx::rolling {

class BlockQuantile {
public:
    BlockQuantile(std::int64_t window, QuantileLevels levels, std::int64_t min_periods,
                  std::int64_t n_rows);
    // Whether the blocks this window needs fit the kernel's 32-bit offsets (else the
    // order-statistic tree serves).
    static bool fits(std::int64_t window, std::int64_t n_rows) noexcept;
    // out(i, col, j) = the level-j quantile of the window ending at row i, for the rows
    // of `rows` (whose begin is a multiple of block_rows: any split of a column along
    // those gives the same result as one run).
    void run(ConstColumn x, std::int64_t n, const OutTensor& out, std::int64_t col,
             const CancelToken* token, RowRange rows);
    // Rows per block (at least the window, at least kMinBlock, at most the column).
    static std::int64_t block_rows(std::int64_t window, std::int64_t n_rows) noexcept;

private:
    struct Cursor {
        std::int32_t r;      // rank of the largest counted value, or -1
        std::int64_t count;  // set bits at ranks <= r
    };

    void merge_pair(const CancelCheck& check);  // ranks and merged values of (prev_, next_)
    void seed_cursors(std::int64_t nobs);
    void set_bit(std::int32_t r) noexcept { bits_[r >> 6] |= 1ull << (r & 63); }
    std::int32_t select(std::int64_t k) const noexcept;       // rank of the k-th set bit (0-based)

    std::int64_t window_;
    QuantileLevels levels_;
    std::int64_t minp_;
    std::int32_t h_;  // block length
    BlockSorter sorter_;
    SortedBlock prev_, next_;            // blocks A and B, sorted
    Buffer<double> merged_;              // values by rank
    Buffer<std::int32_t> rank_;          // rank by slot: A's offsets, then B's at +h_; -1 for NaN
    std::vector<std::uint64_t> bits_;
    std::int32_t n_ranks_ = 0;
    std::vector<Cursor> cursors_;
    std::vector<QuantilePos> positions_;  // per level, for the current nobs
};

}  // namespace threadx::rolling
