#include "threadx/rolling/quantile.hpp"

#include "threadx/core/errors.hpp"
#include "threadx/rolling/stream_window.hpp"

namespace threadx::rolling {

void TreeQuantileAgg::write(std::int64_t minp, double* out, std::int64_t stride) const noexcept {
    const std::int64_t n = tree_.size();
    for (std::size_t j = 0; j < levels_.q.size(); ++j) {
        double r = kNaN;
        if (n > 0 && n >= minp) {
            QuantilePos p = QuantilePos::of(levels_.q[j], n);
            double lo = tree_.kth(p.idx);
            double hi = needs_upper(p) ? tree_.kth(p.idx + 1) : lo;
            r = interpolate(levels_.interpolation, p, lo, hi);
        }
        out[static_cast<std::int64_t>(j) * stride] = r;
    }
}

void RollingQuantile::validate(const Spec& spec, FieldErrors& errors) {
    if (spec.stat != Stat::quantile && spec.stat != Stat::median)
        errors.add("stat", repr(std::string(name_of(spec.stat))),
                   "a streaming quantile computes quantile or median");
    validate_spec(spec, errors);
}

namespace {
const Spec& checked(const Spec& spec) {
    FieldErrors errors;
    RollingQuantile::validate(spec, errors);
    errors.throw_if_any();
    return spec;
}
}  // namespace

RollingQuantile::RollingQuantile(const Spec& spec, std::int64_t max_points)
    : RollingQuantile(checked(spec), max_points, Validated{}) {}

RollingQuantile::RollingQuantile(const Spec& spec, std::int64_t max_points, Validated)
    : spec_(spec),
      max_points_(max_points),
      levels_(QuantileLevels::of(spec).q.size()),
      minp_(spec.effective_min_periods()),
      agg_(QuantileLevels::of(spec)) {}

void RollingQuantile::evict_front() {
    const Point& p = points_.front();
    agg_.remove(p.row, p.value);
    points_.pop_front();
}

void RollingQuantile::check_times(const std::int64_t* times, std::int64_t n) const {
    check_stream_times(spec_.time_window, has_time_, last_time_, times, n);
}

void RollingQuantile::update(double value, const std::int64_t* time, double* out) {
    std::int64_t t = 0;
    if (spec_.time_window) {
        check_times(time, 1);
        t = *time;
        last_time_ = t;
        has_time_ = true;
        while (!points_.empty() &&
               static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(points_.front().time) >=
                   static_cast<std::uint64_t>(spec_.window))
            evict_front();
    }
    points_.push_back({next_row_, t, value});
    agg_.add(next_row_, value);
    ++next_row_;
    if (!spec_.time_window)
        while (static_cast<std::int64_t>(points_.size()) > spec_.window) evict_front();
    if (max_points_ > 0)
        while (static_cast<std::int64_t>(points_.size()) > max_points_) evict_front();
    agg_.write(minp_, out, 1);
}

void RollingQuantile::reset() noexcept {
    points_.clear();
    agg_.clear();
    next_row_ = 0;
    has_time_ = false;
}

}  // namespace threadx::rolling
