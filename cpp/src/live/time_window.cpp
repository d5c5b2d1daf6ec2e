#include "threadx/live/time_window.hpp"

#include <bit>

#include "threadx/rolling/quantile.hpp"

namespace threadx::live {

// later - earlier (later >= earlier) without overflow
std::uint64_t TimeWindow::span(std::int64_t earlier, std::int64_t later) noexcept {
    return static_cast<std::uint64_t>(later) - static_cast<std::uint64_t>(earlier);
}

void TimeWindow::pop_front() noexcept {
    values_.erase(front().value);
    ++head_;
    --count_;
}

std::int64_t TimeWindow::push(std::int64_t time, double value, std::int64_t window, std::int64_t cap) {
    last_time_ = time;
    // pandas' time window is (t - window, t]
    while (count_ > 0 && span(front().time, time) >= static_cast<std::uint64_t>(window)) pop_front();
    std::int64_t dropped = 0;
    if (static_cast<std::int64_t>(count_) >= cap) {
        last_dropped_ = front().time;
        dropped_ = true;
        pop_front();
        dropped = 1;
    }
    if (count_ == ring_.size()) {  // grow (doubling, at most up to the cap)
        std::vector<Point> bigger(ring_.empty() ? 16 : std::bit_ceil(ring_.size() * 2));
        for (std::size_t i = 0; i < count_; ++i) bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
        ring_.swap(bigger);
        head_ = 0;
    }
    ring_[(head_ + count_) & (ring_.size() - 1)] = Point{time, value};
    ++count_;
    values_.insert(value);
    return dropped;
}

double TimeWindow::quantile(double q, rolling::Interpolation how, std::int64_t min_periods) const noexcept {
    const std::int64_t n = values_.size();
    if (n < min_periods || n == 0) return rolling::kNaN;
    const auto p = rolling::QuantilePos::of(q, n);
    double lo, hi;
    if (rolling::needs_upper(p)) values_.kth_pair(p.idx, lo, hi);
    else lo = hi = values_.kth(p.idx);
    return rolling::interpolate(how, p, lo, hi);
}

void TimeWindow::clear() noexcept {
    values_.clear();
    head_ = count_ = 0;
    last_time_ = last_dropped_ = 0;
    dropped_ = false;
}

}  // namespace threadx::live
