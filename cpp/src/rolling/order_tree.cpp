#include "threadx/rolling/order_tree.hpp"

#include <limits>

namespace threadx::rolling {

std::uint32_t OrderTree::next_priority() noexcept {
    // xorshift64*: priorities only need to be independent of the keys
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return static_cast<std::uint32_t>((rng_ * 0x2545F4914F6CDD1Dull) >> 32);
}

void OrderTree::split(std::int32_t t, double value, std::uint64_t id, std::int32_t& left,
                      std::int32_t& right) {
    if (t < 0) { left = right = -1; return; }
    Node& n = nodes_[t];
    if (less(n.value, n.id, value, id)) {
        split(n.right, value, id, nodes_[t].right, right);
        left = t;
    } else {
        split(n.left, value, id, left, nodes_[t].left);
        right = t;
    }
    update(t);
}

std::int32_t OrderTree::merge(std::int32_t a, std::int32_t b) {
    if (a < 0) return b;
    if (b < 0) return a;
    if (nodes_[a].priority > nodes_[b].priority) {
        nodes_[a].right = merge(nodes_[a].right, b);
        update(a);
        return a;
    }
    nodes_[b].left = merge(a, nodes_[b].left);
    update(b);
    return b;
}

void OrderTree::insert(double value, std::uint64_t id) {
    std::int32_t node;
    if (!free_.empty()) {
        node = free_.back();
        free_.pop_back();
    } else {
        node = static_cast<std::int32_t>(nodes_.size());
        nodes_.emplace_back();
    }
    nodes_[node] = Node{value, id, next_priority(), -1, -1, 1};
    std::int32_t left, right;
    split(root_, value, id, left, right);
    root_ = merge(merge(left, node), right);
}

std::int32_t OrderTree::erase_at(std::int32_t t, double value, std::uint64_t id, bool& found) {
    if (t < 0) return t;
    Node& n = nodes_[t];
    if (n.value == value && n.id == id) {
        found = true;
        free_.push_back(t);
        return merge(n.left, n.right);
    }
    if (less(value, id, n.value, n.id)) {
        std::int32_t l = erase_at(n.left, value, id, found);
        nodes_[t].left = l;
    } else {
        std::int32_t r = erase_at(n.right, value, id, found);
        nodes_[t].right = r;
    }
    update(t);
    return t;
}

bool OrderTree::erase(double value, std::uint64_t id) {
    bool found = false;
    root_ = erase_at(root_, value, id, found);
    return found;
}

double OrderTree::kth(std::int64_t k) const noexcept {
    std::int32_t t = root_;
    while (t >= 0) {
        std::int64_t ls = sz(nodes_[t].left);
        if (k < ls) t = nodes_[t].left;
        else if (k == ls) return nodes_[t].value;
        else { k -= ls + 1; t = nodes_[t].right; }
    }
    return std::numeric_limits<double>::quiet_NaN();
}

std::int64_t OrderTree::count_less(double value) const noexcept {
    std::int64_t count = 0;
    for (std::int32_t t = root_; t >= 0;) {
        if (nodes_[t].value < value) {
            count += sz(nodes_[t].left) + 1;
            t = nodes_[t].right;
        } else {
            t = nodes_[t].left;
        }
    }
    return count;
}

std::int64_t OrderTree::count_not_greater(double value) const noexcept {
    std::int64_t count = 0;
    for (std::int32_t t = root_; t >= 0;) {
        if (nodes_[t].value <= value) {
            count += sz(nodes_[t].left) + 1;
            t = nodes_[t].right;
        } else {
            t = nodes_[t].left;
        }
    }
    return count;
}

void OrderTree::clear() noexcept {
    nodes_.clear();
    free_.clear();
    root_ = -1;
}

}  // namespace threadx::rolling
