#include "threadx/live/sorted_blocks.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace threadx::live {

namespace {
// Asks for every cache line of a[0, n) at once: the binary search that follows then waits
// for one memory round trip, not one per probe.
inline void prefetch(const double* a, std::int32_t n) noexcept {
    for (std::int32_t j = 0; j < n; j += 8) __builtin_prefetch(a + j);
}
}  // namespace

std::size_t SortedBlocks::find_block(double v) const noexcept {
    // first_ is sorted: the last entry <= v
    prefetch(first_.data(), static_cast<std::int32_t>(first_.size()));
    auto it = std::upper_bound(first_.begin(), first_.end(), v);
    return it == first_.begin() ? 0 : static_cast<std::size_t>(it - first_.begin()) - 1;
}

std::int32_t SortedBlocks::new_block() {
    if (!free_.empty()) {
        std::int32_t b = free_.back();
        free_.pop_back();
        return b;
    }
    pool_.emplace_back();
    return static_cast<std::int32_t>(pool_.size() - 1);
}

void SortedBlocks::split(std::size_t i) {
    const std::int32_t b = new_block();
    const std::int32_t half = count_[i] / 2;
    const std::int32_t moved = count_[i] - half;
    Block& src = pool_[static_cast<std::size_t>(order_[i])];
    std::memcpy(pool_[static_cast<std::size_t>(b)].v, src.v + half, static_cast<std::size_t>(moved) * sizeof(double));
    count_[i] = half;
    order_.insert(order_.begin() + static_cast<std::ptrdiff_t>(i) + 1, b);
    count_.insert(count_.begin() + static_cast<std::ptrdiff_t>(i) + 1, moved);
    first_.insert(first_.begin() + static_cast<std::ptrdiff_t>(i) + 1, pool_[static_cast<std::size_t>(b)].v[0]);
}

void SortedBlocks::insert(double v) {
    if (order_.empty()) {
        order_.push_back(new_block());
        count_.push_back(0);
        first_.push_back(v);
    }
    std::size_t i = find_block(v);
    if (count_[i] == kBlock) {
        split(i);
        if (v >= first_[i + 1]) ++i;
    }
    double* a = pool_[static_cast<std::size_t>(order_[i])].v;
    const std::int32_t n = count_[i];
    prefetch(a, n);
    const std::int32_t pos = static_cast<std::int32_t>(std::upper_bound(a, a + n, v) - a);
    std::memmove(a + pos + 1, a + pos, static_cast<std::size_t>(n - pos) * sizeof(double));
    a[pos] = v;
    count_[i] = n + 1;
    first_[i] = a[0];
    ++size_;
}

void SortedBlocks::remove_block(std::size_t i) {
    free_.push_back(order_[i]);
    order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(i));
    count_.erase(count_.begin() + static_cast<std::ptrdiff_t>(i));
    first_.erase(first_.begin() + static_cast<std::ptrdiff_t>(i));
}

void SortedBlocks::merge_next(std::size_t i) {
    double* a = pool_[static_cast<std::size_t>(order_[i])].v;
    const double* b = pool_[static_cast<std::size_t>(order_[i + 1])].v;
    std::memcpy(a + count_[i], b, static_cast<std::size_t>(count_[i + 1]) * sizeof(double));
    count_[i] += count_[i + 1];
    remove_block(i + 1);
}

bool SortedBlocks::erase(double v) {
    if (size_ == 0) return false;
    const std::size_t i = find_block(v);
    double* a = pool_[static_cast<std::size_t>(order_[i])].v;
    const std::int32_t n = count_[i];
    prefetch(a, n);
    double* hit = std::lower_bound(a, a + n, v);
    if (hit == a + n || *hit != v) return false;
    std::memmove(hit, hit + 1, static_cast<std::size_t>(a + n - hit - 1) * sizeof(double));
    count_[i] = n - 1;
    --size_;
    if (count_[i] == 0) {
        remove_block(i);
        return true;
    }
    first_[i] = a[0];
    // keep blocks at least a quarter full on average: merge small neighbours
    if (i + 1 < order_.size() && count_[i] + count_[i + 1] <= kBlock / 2) merge_next(i);
    else if (i > 0 && count_[i - 1] + count_[i] <= kBlock / 2) merge_next(i - 1);
    return true;
}

double SortedBlocks::kth(std::int64_t k) const noexcept {
    if (k < 0 || k >= size_) return std::numeric_limits<double>::quiet_NaN();
    if (2 * k < size_) {  // from the front
        for (std::size_t i = 0;; ++i) {
            if (k < count_[i]) return pool_[static_cast<std::size_t>(order_[i])].v[k];
            k -= count_[i];
        }
    }
    std::int64_t from_end = size_ - 1 - k;  // from the back: the upper levels cost as little
    for (std::size_t i = order_.size(); i-- > 0;) {
        if (from_end < count_[i]) return pool_[static_cast<std::size_t>(order_[i])].v[count_[i] - 1 - from_end];
        from_end -= count_[i];
    }
    return std::numeric_limits<double>::quiet_NaN();
}

void SortedBlocks::kth_pair(std::int64_t k, double& lo, double& hi) const noexcept {
    // find the block of rank k (from the nearer end), then its neighbour for k + 1
    std::size_t i = 0;
    std::int64_t at = k;
    if (2 * k < size_) {
        while (at >= count_[i]) at -= count_[i++];
    } else {
        std::int64_t from_end = size_ - 1 - k;
        i = order_.size() - 1;
        while (from_end >= count_[i]) from_end -= count_[i--];
        at = count_[i] - 1 - from_end;
    }
    const double* a = pool_[static_cast<std::size_t>(order_[i])].v;
    lo = a[at];
    hi = at + 1 < count_[i] ? a[at + 1] : pool_[static_cast<std::size_t>(order_[i + 1])].v[0];
}

void SortedBlocks::clear() noexcept {
    for (std::int32_t b : order_) free_.push_back(b);
    order_.clear();
    count_.clear();
    first_.clear();
    size_ = 0;
}

}  // namespace threadx::live
