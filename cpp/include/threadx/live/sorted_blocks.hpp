#pragma once
// An order-statistic multiset of doubles for a sliding window: values kept sorted in
// blocks of at most kBlock, with the blocks' first values and sizes in two small arrays.
// insert and erase touch one block (a memmove of at most kBlock values) and the index;
// kth scans the sizes.  Blocks come from a pool reused through a free list, so a window
// that slides allocates nothing once it has reached its largest size.  NaN is never
// stored (the caller never passes it).  Equal values are interchangeable: erase removes
// one copy.
#include <cstdint>
#include <vector>

namespace threadx::live {

class SortedBlocks {
public:
    static constexpr std::int32_t kBlock = 64;

    void insert(double v);
    // Returns false when v is not stored.
    bool erase(double v);
    // The k-th smallest value, 0-based; k < size().
    double kth(std::int64_t k) const noexcept;
    // The k-th and (k+1)-th smallest values in one walk; k + 1 < size().
    void kth_pair(std::int64_t k, double& lo, double& hi) const noexcept;
    std::int64_t size() const noexcept { return size_; }
    // Empties the set and keeps its memory for reuse.
    void clear() noexcept;
    // Blocks allocated so far (memory held, used or free).
    std::size_t blocks_allocated() const noexcept { return pool_.size(); }

private:
    struct Block { double v[kBlock]; };
    // The index i of the last block whose first value is <= v (0 when none is).
    std::size_t find_block(double v) const noexcept;
    std::int32_t new_block();
    void split(std::size_t i);
    void remove_block(std::size_t i);
    void merge_next(std::size_t i);

    std::vector<Block> pool_;
    std::vector<std::int32_t> free_;
    std::vector<std::int32_t> order_;  // block ids in value order
    std::vector<std::int32_t> count_;  // values in each block of order_
    std::vector<double> first_;        // first (smallest) value of each block of order_
    std::int64_t size_ = 0;
};

}  // namespace threadx::live
