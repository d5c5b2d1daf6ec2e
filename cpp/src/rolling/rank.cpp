#include "threadx/rolling/rank.hpp"

#include <algorithm>

#include "threadx/rolling/slide.hpp"

namespace threadx::rolling {

double rank_of(const Spec& spec, std::int64_t less, std::int64_t not_greater, std::int64_t nobs) noexcept {
    // descending: the values above count as below
    const std::int64_t below = spec.ascending ? less : nobs - not_greater;
    const std::int64_t upto = spec.ascending ? not_greater : nobs - less;
    double r = 0.0;
    switch (spec.rank_method) {
        case RankMethod::min: r = static_cast<double>(below + 1); break;
        case RankMethod::max: r = static_cast<double>(upto); break;
        case RankMethod::average: r = static_cast<double>(below + 1 + upto) / 2.0; break;
    }
    return spec.pct ? r / static_cast<double>(nobs) : r;
}

void window_rank(const Spec& spec, std::int64_t min_periods, ConstColumn x, const CountBounds& bounds,
                 Column out, const CancelToken* token, RowRange rows) {
    constexpr std::int64_t kCheckEvery = 1 << 14;
    CancelCheck check(token);
    TreeRankAgg agg(spec);
    const std::int64_t w = bounds.window;
    // the window before the first row, whose oldest row leaves first
    for (std::int64_t i = std::max<std::int64_t>(0, rows.begin - w); i < rows.begin; ++i) agg.add(i, x[i]);
    for (std::int64_t i = rows.begin; i < rows.end; ++i) {
        if (((i - rows.begin) & (kCheckEvery - 1)) == 0) check();
        if (i >= w) agg.remove(i - w, x[i - w]);
        agg.add(i, x[i]);
        out[i] = agg.value(min_periods);
    }
}

void window_rank(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                 const TimeBounds& bounds, Column out, const CancelToken* token) {
    TreeRankAgg agg(spec);
    slide(bounds, x, n, agg, [&](std::int64_t i) { out[i] = agg.value(min_periods); }, token);
}

void RollingRank::validate(const Spec& spec, FieldErrors& errors) {
    if (spec.stat != Stat::rank)
        errors.add("stat", repr(std::string(name_of(spec.stat))), "a streaming rank computes rank");
    validate_spec(spec, errors);
}

namespace {
const Spec& checked(const Spec& spec) {
    FieldErrors errors;
    RollingRank::validate(spec, errors);
    errors.throw_if_any();
    return spec;
}
}  // namespace

RollingRank::RollingRank(const Spec& spec, std::int64_t max_points)
    : RollingRank(checked(spec), max_points, Validated{}) {}

RollingRank::RollingRank(const Spec& spec, std::int64_t max_points, Validated)
    : minp_(spec.effective_min_periods()), window_(spec, max_points, TreeRankAgg(spec)) {}

void RollingRank::update(double value, const std::int64_t* time, double* out) {
    window_.push(value, time);
    *out = window_.agg().value(minp_);
}

}  // namespace threadx::rolling
