#pragma once
// Exact rolling quantiles over count windows in O(n log w): the sorted-blocks
// algorithm of J. Suomela, "Median filtering is equivalent to sorting" (2014).
//
// The rows are cut into blocks of w.  Each block is sorted once and kept as a
// doubly linked list in sorted order.  A window spans a suffix of block A and a
// prefix of block B: rows leave A by unlinking, and rows enter B by "dancing
// links" (B is unlinked in reverse row order up front, then relinked in row order,
// which puts every row back where it belongs in O(1)).  For each level q a cursor
// (pa, pb, count) marks the `count` smallest values of the window as a prefix of A's
// list plus a prefix of B's list; every unlink, relink or change of the rank moves a
// cursor by O(1) steps.  The cost is one sort per block plus O(1) per row and level,
// with no per-window sorting.  NaN rows are never linked (skipped, not counted).
#include <cstdint>
#include <vector>

#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/rolling/quantile.hpp"

namespace threadx::rolling {

class SortedBlockQuantile {
public:
    SortedBlockQuantile(std::int64_t window, QuantileLevels levels, std::int64_t min_periods,
                        std::int64_t n_rows);
    // out(i, j) = the level-j quantile of the window ending at row i.
    void run(ConstColumn x, std::int64_t n, const OutTensor& out, std::int64_t col,
             const CancelToken* token);

private:
    struct Block {
        std::int64_t begin = 0, size = 0;
        std::vector<double> val;  // by row offset; NaN rows are not in the list
        std::vector<std::int32_t> prev, next, rank;
        void reserve(std::int32_t cap);
        void unlink(std::int32_t o) noexcept { next[prev[o]] = next[o]; prev[next[o]] = prev[o]; }
        void relink(std::int32_t o) noexcept { next[prev[o]] = o; prev[next[o]] = o; }
    };
    struct Cursor {
        std::int32_t pa, pb;  // last small node of A / of B, or HEAD
        std::int64_t count;   // number of small values
    };

    void load(Block& b, ConstColumn x, std::int64_t begin, std::int64_t size);
    void remove_from_a(std::int32_t o) noexcept;
    void insert_into_b(std::int32_t o) noexcept;
    void advance(Cursor& c) const noexcept;
    void retreat(Cursor& c) const noexcept;
    bool a_is_max(const Cursor& c) const noexcept;  // which side holds the largest small value
    bool a_is_min_large(const Cursor& c) const noexcept;
    void emit(std::int64_t nobs, std::int64_t row, const OutTensor& out, std::int64_t col);

    std::int64_t window_;
    QuantileLevels levels_;
    std::int64_t minp_;
    std::int32_t h_;           // block capacity
    std::int32_t head_, tail_; // sentinel node ids (h_, h_ + 1)
    Block a_, b_;
    std::vector<Cursor> cursors_;
    std::vector<std::pair<double, std::int32_t>> scratch_;
};

}  // namespace threadx::rolling
