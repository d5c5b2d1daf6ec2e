#pragma once
// The points of a streaming window: a count window keeps the last `window` points, a
// time window the points inside its span; an optional cap on the points kept evicts
// the oldest first.  Each point entering or leaving goes to an add/remove aggregator
// (any of the batch kernels' aggregators), so a streaming statistic is that aggregator
// fed one point at a time and equals the batch run over the same stream.
#include <cstdint>
#include <deque>

#include "threadx/core/errors.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::rolling {

// Throws ValidationError unless `times` (n values, or null) are non-decreasing and
// follow the last timestamp pushed (`prev`, when has_prev); a count window reads none.
void check_stream_times(bool time_window, bool has_prev, std::int64_t prev, const std::int64_t* times,
                        std::int64_t n);

template <class Agg>
class PointWindow {
public:
    // spec checked by the caller; max_points <= 0: no cap
    PointWindow(const Spec& spec, std::int64_t max_points, Agg agg)
        : time_window_(spec.time_window), window_(spec.window), max_points_(max_points), agg_(std::move(agg)) {}

    // Pushes one point, evicting what left the window; `time` is required (and must not
    // decrease) for a time window and ignored otherwise.
    void push(double value, const std::int64_t* time) {
        std::int64_t t = 0;
        if (time_window_) {
            check_times(time, 1);
            t = *time;
            last_time_ = t;
            has_time_ = true;
            while (!points_.empty() &&
                   static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(points_.front().time) >=
                       static_cast<std::uint64_t>(window_))
                evict_front();
        }
        points_.push_back({next_row_, t, value});
        agg_.add(next_row_, value);
        ++next_row_;
        if (!time_window_)
            while (static_cast<std::int64_t>(points_.size()) > window_) evict_front();
        if (max_points_ > 0)
            while (static_cast<std::int64_t>(points_.size()) > max_points_) evict_front();
    }
    void check_times(const std::int64_t* times, std::int64_t n) const {
        check_stream_times(time_window_, has_time_, last_time_, times, n);
    }
    void reset() noexcept {
        points_.clear();
        agg_.clear();
        next_row_ = 0;
        has_time_ = false;
    }
    const Agg& agg() const noexcept { return agg_; }
    std::int64_t stored() const noexcept { return static_cast<std::int64_t>(points_.size()); }

private:
    struct Point { std::int64_t row, time; double value; };
    void evict_front() {
        const Point& p = points_.front();
        agg_.remove(p.row, p.value);
        points_.pop_front();
    }

    bool time_window_;
    std::int64_t window_;
    std::int64_t max_points_;
    Agg agg_;
    std::deque<Point> points_;
    std::int64_t next_row_ = 0;
    std::int64_t last_time_ = 0;
    bool has_time_ = false;
};

}  // namespace threadx::rolling
