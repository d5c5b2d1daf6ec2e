#pragma once
// The extreme of a forward-moving window as a monotonic deque of (position, value):
// amortised O(1) per value, whatever the window (a count of rows, a span of time, the
// last bars of a stream).  One template for the rolling min/max (rolling/minmax.hpp)
// and the streaming TA window extremes (ta/window.hpp); the batch TA kernels use the
// block algorithm of ta/window.hpp instead, which needs no branches on the data.
#include <cstdint>
#include <vector>

namespace threadx {

template <bool IsMax>
class MonotoneDeque {
public:
    // Ring storage for `capacity` entries, doubled when full: a window of at most w
    // positions never holds more than w entries, so capacity w means no allocation later.
    explicit MonotoneDeque(std::int64_t capacity = 16)
        : val_(static_cast<std::size_t>(capacity < 1 ? 1 : capacity)), at_(val_.size()) {}

    // Appends (at, x) after dropping the entries x dominates; of equal values the newest
    // stays, as it leaves the window last.  `at` increases from call to call; x is not NaN.
    void push(std::int64_t at, double x) {
        while (size_ > 0 && dominates(x, val_[slot(size_ - 1)])) --size_;
        if (size_ == cap()) grow();
        const std::size_t s = slot(size_);
        val_[s] = x;
        at_[s] = at;
        ++size_;
    }
    // Drops the entries at positions before `first` (the first one still in the window).
    void expire(std::int64_t first) noexcept {
        while (size_ > 0 && at_[slot(0)] < first) {
            front_ = front_ + 1 == cap() ? 0 : front_ + 1;
            --size_;
        }
    }
    bool empty() const noexcept { return size_ == 0; }
    // The extreme and its position (the latest one on ties); only when not empty.
    double value() const noexcept { return val_[slot(0)]; }
    std::int64_t position() const noexcept { return at_[slot(0)]; }

    template <class Ar>
    void fields(Ar& ar) { ar(val_, at_, front_, size_); }

private:
    static bool dominates(double a, double b) noexcept { return IsMax ? a >= b : a <= b; }
    std::int64_t cap() const noexcept { return static_cast<std::int64_t>(val_.size()); }
    std::size_t slot(std::int64_t k) const noexcept {
        std::int64_t i = front_ + k;
        if (i >= cap()) i -= cap();
        return static_cast<std::size_t>(i);
    }
    [[gnu::noinline]] void grow() {
        std::vector<double> v(2 * val_.size());
        std::vector<std::int64_t> a(v.size());
        for (std::int64_t k = 0; k < size_; ++k) {
            v[static_cast<std::size_t>(k)] = val_[slot(k)];
            a[static_cast<std::size_t>(k)] = at_[slot(k)];
        }
        val_.swap(v);
        at_.swap(a);
        front_ = 0;
    }

    std::vector<double> val_;
    std::vector<std::int64_t> at_;
    std::int64_t front_ = 0, size_ = 0;
};

}  // namespace threadx
