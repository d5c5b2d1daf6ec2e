#pragma once
// An order-statistic treap: insert, erase and select the k-th smallest in O(log n)
// expected time.  Keys are (value, id) so equal values stay distinct; NaN is never
// stored (callers skip it).  Nodes live in one pool reused through a free list, so a
// window that slides allocates nothing once it has reached its largest size.
#include <cstdint>
#include <vector>

namespace threadx::rolling {

class OrderTree {
public:
    void insert(double value, std::uint64_t id);
    // Returns false when (value, id) is not stored.
    bool erase(double value, std::uint64_t id);
    // The k-th smallest value, 0-based; k < size().
    double kth(std::int64_t k) const noexcept;
    std::int64_t size() const noexcept { return root_ < 0 ? 0 : nodes_[root_].size; }
    // How many stored values are < value, and <= value (a rank query, O(log n)).
    std::int64_t count_less(double value) const noexcept;
    std::int64_t count_not_greater(double value) const noexcept;
    void clear() noexcept;

private:
    struct Node {
        double value;
        std::uint64_t id;
        std::uint32_t priority;
        std::int32_t left, right, size;
    };
    static bool less(double av, std::uint64_t aid, double bv, std::uint64_t bid) noexcept {
        return av < bv || (av == bv && aid < bid);
    }
    std::int32_t sz(std::int32_t t) const noexcept { return t < 0 ? 0 : nodes_[t].size; }
    void update(std::int32_t t) noexcept { nodes_[t].size = 1 + sz(nodes_[t].left) + sz(nodes_[t].right); }
    // left: keys < (value, id); right: the rest
    void split(std::int32_t t, double value, std::uint64_t id, std::int32_t& left, std::int32_t& right);
    std::int32_t merge(std::int32_t a, std::int32_t b);
    std::int32_t erase_at(std::int32_t t, double value, std::uint64_t id, bool& found);
    std::uint32_t next_priority() noexcept;

    std::vector<Node> nodes_;
    std::vector<std::int32_t> free_;
    std::int32_t root_ = -1;
    std::uint64_t rng_ = 0x9E3779B97F4A7C15ull;
};

}  // namespace threadx::rolling
