#pragma once
// A streaming time window with exact quantiles and a hard cap on its points.
//
// Semantics are threadx.rolling.quantile's (pandas') with a time window: after a point at
// time t the window holds the points with time in (t - window, t]; the quantile of level q
// interpolates the retained values at rank q * (nobs - 1) with the chosen rule; fewer than
// min_periods points give NaN.  Times must not decrease (the caller guarantees it).
// With the cap reached, a new point drops the oldest first: the quantiles are then those
// of the retained points, and truncated() says so until every dropped point would have
// left the window by time anyway.
#include <cstdint>
#include <vector>

#include "threadx/live/sorted_blocks.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::live {

class TimeWindow {
public:
    // Appends (time, value), evicts what left the window, and returns the number of
    // points dropped by the cap (0 or 1).
    std::int64_t push(std::int64_t time, double value, std::int64_t window, std::int64_t cap);
    // The quantile of level q of the retained points (NaN below min_periods).
    double quantile(double q, rolling::Interpolation how, std::int64_t min_periods) const noexcept;
    bool truncated(std::int64_t window) const noexcept {
        return dropped_ && span(last_dropped_, last_time_) < static_cast<std::uint64_t>(window);
    }
    std::int64_t size() const noexcept { return values_.size(); }
    std::int64_t last_time() const noexcept { return last_time_; }
    // Forgets every point; memory is kept for the next key using this window.
    void clear() noexcept;

    static std::uint64_t span(std::int64_t earlier, std::int64_t later) noexcept;

private:
    struct Point { std::int64_t time; double value; };
    void pop_front() noexcept;
    Point& front() noexcept { return ring_[head_ & (ring_.size() - 1)]; }

    SortedBlocks values_;
    std::vector<Point> ring_;  // power-of-two capacity
    std::size_t head_ = 0, count_ = 0;
    std::int64_t last_time_ = 0;
    std::int64_t last_dropped_ = 0;
    bool dropped_ = false;
};

}  // namespace threadx::live
