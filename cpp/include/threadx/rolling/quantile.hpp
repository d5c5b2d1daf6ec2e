#pragma once
// Rank arithmetic and interpolation of pandas' rolling quantile, the tree-backed
// add/remove aggregator (any window) and the streaming RollingQuantile built on it.
#include <cmath>
#include <cstdint>
#include <deque>
#include <vector>

#include "threadx/rolling/moments.hpp"
#include "threadx/rolling/order_tree.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::rolling {

// Position of level q among nobs sorted values (pandas: q * (nobs - 1)).
struct QuantilePos {
    double pos;
    std::int64_t idx;  // floor(pos): the rank of the lower neighbour
    bool exact() const noexcept { return pos == static_cast<double>(idx); }
    static QuantilePos of(double q, std::int64_t nobs) noexcept {
        double pos = q * static_cast<double>(nobs - 1);
        return {pos, static_cast<std::int64_t>(pos)};
    }
};

// Whether the value at rank idx + 1 is needed.
inline bool needs_upper(const QuantilePos& p) noexcept { return !p.exact(); }

// pandas' interpolation between the values at ranks idx (lo) and idx + 1 (hi).
inline double interpolate(Interpolation how, const QuantilePos& p, double lo, double hi) noexcept {
    if (p.exact()) return lo;
    double frac = p.pos - static_cast<double>(p.idx);
    switch (how) {
        case Interpolation::linear:
            // pandas' formula for finite values; with one infinite neighbour the value
            // strictly between them is that infinity (the formula would give inf - inf)
            if (std::isinf(lo) || std::isinf(hi)) [[unlikely]]
                return lo == hi ? lo : (std::isinf(lo) && std::isinf(hi) ? kNaN : (std::isinf(lo) ? lo : hi));
            if (std::isinf(hi - lo)) [[unlikely]]  // finite neighbours 1e308 apart
                return lo * (1.0 - frac) + hi * frac;
            return lo + (hi - lo) * frac;
        case Interpolation::lower: return lo;
        case Interpolation::higher: return hi;
        case Interpolation::nearest:
            return ((frac == 0.5 && p.idx % 2 == 0) || frac < 0.5) ? lo : hi;
        case Interpolation::midpoint: {
            const double mid = (lo + hi) / 2.0;
            if (std::isinf(mid) && std::isfinite(lo) && std::isfinite(hi)) [[unlikely]]
                return lo / 2.0 + hi / 2.0;
            return mid;
        }
    }
    return kNaN;
}

// Levels and interpolation as a kernel sees them: median is q = 0.5 with the
// midpoint rule, which is pandas' rolling median exactly.
struct QuantileLevels {
    std::vector<double> q;
    Interpolation interpolation;
    static QuantileLevels of(const Spec& spec) {
        if (spec.stat == Stat::median) return {{0.5}, Interpolation::midpoint};
        return {spec.q, spec.interpolation};
    }
};

// Add/remove aggregator over an order-statistic tree: any window shape.
class TreeQuantileAgg {
public:
    explicit TreeQuantileAgg(QuantileLevels levels) : levels_(std::move(levels)) {}
    void add(std::int64_t row, double v) {
        if (!std::isnan(v)) tree_.insert(v, static_cast<std::uint64_t>(row));
    }
    void remove(std::int64_t row, double v) {
        if (!std::isnan(v)) tree_.erase(v, static_cast<std::uint64_t>(row));
    }
    // Writes one value per level to out[j * stride].
    void write(std::int64_t minp, double* out, std::int64_t stride) const noexcept;
    std::int64_t nobs() const noexcept { return tree_.size(); }
    void clear() noexcept { tree_.clear(); }

private:
    QuantileLevels levels_;
    OrderTree tree_;
};

// Streaming rolling quantile over a count or time window.  update() is O(log w).
// With max_points set, at most that many points are kept; when a new point would
// exceed it, the oldest points leave first (so the window can be shorter than asked).
class RollingQuantile {
public:
    RollingQuantile(const Spec& spec, std::int64_t max_points);  // max_points <= 0: no cap
    // The rules a streaming quantile's spec meets (stat quantile or median, validate_spec).
    static void validate(const Spec& spec, FieldErrors& errors);
    // For a caller that ran validate() on this spec and it passed: no second check.
    struct Validated {};
    RollingQuantile(const Spec& spec, std::int64_t max_points, Validated);
    // Pushes one point and writes len(levels) values to out.  `time` is required (and
    // must not decrease) for a time window and ignored otherwise.
    void update(double value, const std::int64_t* time, double* out);
    // Throws ValidationError unless `times` (n values, or null) could follow the
    // points pushed so far; lets a batch of updates be checked before any is applied.
    void check_times(const std::int64_t* times, std::int64_t n) const;
    void reset() noexcept;
    std::int64_t nobs() const noexcept { return agg_.nobs(); }
    std::int64_t stored() const noexcept { return static_cast<std::int64_t>(points_.size()); }
    std::size_t levels() const noexcept { return levels_; }

private:
    struct Point { std::int64_t row, time; double value; };
    void evict_front();

    Spec spec_;
    std::int64_t max_points_;
    std::size_t levels_;
    std::int64_t minp_;
    TreeQuantileAgg agg_;
    std::deque<Point> points_;
    std::int64_t next_row_ = 0;
    std::int64_t last_time_ = 0;
    bool has_time_ = false;
};

}  // namespace threadx::rolling
