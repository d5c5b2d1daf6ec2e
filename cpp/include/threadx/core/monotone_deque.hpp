#pragma once
// The extreme of a forward-moving window as a monotonic deque of (position, value):
// amortised O(1) per value, whatever the window (a count of rows, a span of time, the
// last bars of a stream).  One template for the rolling min/max (rolling/minmax.hpp)
// and the streaming TA window extremes (ta/window.hpp); the batch TA kernels use the
// block algorithm of ta/window.hpp instead, which needs no branches on the data.
#include <cstdint>
#include <string>
#include <vector>

namespace threadx {

template <bool IsMax>
class MonotoneDeque {
public:
    struct Entry {
        std::int64_t at;
        double value;
        template <class Ar>
        void fields(Ar& ar) { ar(at, value); }
    };

    // Ring storage for at least `capacity` entries (a power of two, so a slot is a mask),
    // doubled when full: a window of at most w positions never holds more than w
    // entries, so capacity w means no allocation later.
    explicit MonotoneDeque(std::int64_t capacity = 16)
        : ring_(ceil_pow2(capacity)), mask_(ring_.size() - 1) {}

    // Appends (at, x) after dropping the entries x dominates; of equal values the newest
    // stays, as it leaves the window last.  `at` increases from call to call; x is not NaN.
    void push(std::int64_t at, double x) {
        while (back_ != front_ && dominates(x, ring_[(back_ - 1) & mask_].value)) --back_;
        if (back_ - front_ > mask_) [[unlikely]] grow();
        ring_[back_++ & mask_] = {at, x};
    }
    // The value at position `at` leaves the window: its entry, if it is still held, is
    // the front (positions leave in order, one per call, as a window moves forward).
    void leave(std::int64_t at) noexcept {
        if (front_ != back_ && ring_[front_ & mask_].at == at) ++front_;
    }
    bool empty() const noexcept { return front_ == back_; }
    // The extreme and its position (the latest one on ties); only when not empty.
    double value() const noexcept { return ring_[front_ & mask_].value; }
    std::int64_t position() const noexcept { return ring_[front_ & mask_].at; }

    template <class Ar>
    void fields(Ar& ar) { ar(ring_, front_, back_); }
    // The invariants of a restored deque (C: ta::StateCheck): at most ring-size entries
    // between front and back, positions increasing, no NaN value.
    template <class C>
    void check(const C& c) const {
        const auto held = static_cast<long long>(back_ - front_);
        c.that(front_ <= back_ && held <= static_cast<long long>(ring_.size()), "deque.entries", held,
               "must be in [0, " + std::to_string(ring_.size()) + "]");
        for (std::size_t k = front_; k != back_; ++k) {
            const Entry& e = ring_[k & mask_];
            c.that(e.value == e.value, "deque.value", e.at, "a held entry must not be NaN");
            if (k != front_) c.that(ring_[(k - 1) & mask_].at < e.at, "deque.at", e.at, "positions must increase");
        }
    }
    // The position of the newest entry; only when not empty.
    std::int64_t last_position() const noexcept { return ring_[(back_ - 1) & mask_].at; }

private:
    // a at least as extreme as b (neither is NaN).  The two spellings are the ones GCC
    // compiles to the faster branch for each side (measured on the rolling min/max: the
    // others cost 5-7%); for numbers, !(b < a) is a <= b.
    static bool dominates(double a, double b) noexcept { return IsMax ? a >= b : !(b < a); }
    static std::size_t ceil_pow2(std::int64_t n) noexcept {
        std::size_t c = 1;
        while (static_cast<std::int64_t>(c) < n) c <<= 1;
        return c;
    }
    [[gnu::noinline]] void grow() {
        std::vector<Entry> bigger(2 * ring_.size());
        for (std::size_t k = front_; k != back_; ++k) bigger[k - front_] = ring_[k & mask_];
        back_ -= front_;
        front_ = 0;
        ring_.swap(bigger);
        mask_ = ring_.size() - 1;
    }

    std::vector<Entry> ring_;
    std::size_t mask_;               // ring_.size() - 1 (a snapshot keeps the size: see ta::Reader)
    std::size_t front_ = 0, back_ = 0;  // running counts of entries taken and put; slot = count & mask_
};

}  // namespace threadx
