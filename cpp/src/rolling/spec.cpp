#include <atomic>
#include <cmath>

#include "threadx/rolling/spec.hpp"

namespace threadx::rolling {

namespace {
struct StatName { Stat stat; const char* name; };
constexpr StatName kStats[] = {
    {Stat::sum, "sum"},       {Stat::mean, "mean"},     {Stat::var, "var"},
    {Stat::std, "std"},       {Stat::min, "min"},       {Stat::max, "max"},
    {Stat::median, "median"}, {Stat::quantile, "quantile"}, {Stat::zscore, "zscore"},
    {Stat::rank, "rank"},
};
struct InterpName { Interpolation interp; const char* name; };
constexpr InterpName kInterps[] = {
    {Interpolation::linear, "linear"},   {Interpolation::lower, "lower"},
    {Interpolation::higher, "higher"},   {Interpolation::nearest, "nearest"},
    {Interpolation::midpoint, "midpoint"},
};
struct RankMethodName { RankMethod method; const char* name; };
constexpr RankMethodName kRankMethods[] = {
    {RankMethod::average, "average"}, {RankMethod::min, "min"}, {RankMethod::max, "max"},
};
std::atomic<std::uint64_t> g_spec_checks{0};
std::atomic<std::uint64_t> g_order_scans{0};
}  // namespace

std::vector<std::string> stat_names() {
    std::vector<std::string> out;
    for (const auto& s : kStats) out.emplace_back(s.name);
    return out;
}

std::vector<std::string> interpolation_names() {
    std::vector<std::string> out;
    for (const auto& i : kInterps) out.emplace_back(i.name);
    return out;
}

std::vector<std::string> rank_method_names() {
    std::vector<std::string> out;
    for (const auto& m : kRankMethods) out.emplace_back(m.name);
    return out;
}

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

RuleCounts rule_counts() noexcept {
    return {g_spec_checks.load(std::memory_order_relaxed), g_order_scans.load(std::memory_order_relaxed)};
}

std::optional<Stat> parse_stat(const std::string& name) {
    for (const auto& s : kStats)
        if (name == s.name) return s.stat;
    return std::nullopt;
}

std::optional<Interpolation> parse_interpolation(const std::string& name) {
    for (const auto& i : kInterps)
        if (name == i.name) return i.interp;
    return std::nullopt;
}

std::optional<RankMethod> parse_rank_method(const std::string& name) {
    for (const auto& m : kRankMethods)
        if (name == m.name) return m.method;
    return std::nullopt;
}

const char* name_of(RankMethod m) {
    for (const auto& x : kRankMethods)
        if (x.method == m) return x.name;
    return "?";
}

const char* name_of(Stat s) {
    for (const auto& x : kStats)
        if (x.stat == s) return x.name;
    return "?";
}

const char* name_of(Interpolation i) {
    for (const auto& x : kInterps)
        if (x.interp == i) return x.name;
    return "?";
}

std::int64_t Spec::effective_min_periods() const noexcept {
    if (min_periods >= 0) return min_periods;
    return time_window ? 1 : window;
}

std::size_t Spec::outputs_per_column() const noexcept {
    return stat == Stat::quantile ? q.size() : 1;
}

void validate_spec(const Spec& spec, FieldErrors& errors) {
    g_spec_checks.fetch_add(1, std::memory_order_relaxed);
    if (spec.window <= 0)
        errors.add("window", repr(static_cast<long long>(spec.window)),
                   spec.time_window ? "a time window must be a positive duration"
                                    : "must be a positive integer number of rows");
    if (spec.min_periods < -1)
        errors.add("min_periods", repr(static_cast<long long>(spec.min_periods)),
                   "must be >= 0");
    else if (!spec.time_window && spec.window > 0 && spec.min_periods > spec.window)
        errors.add("min_periods", repr(static_cast<long long>(spec.min_periods)),
                   "must be <= window (" + repr(static_cast<long long>(spec.window)) + ")");
    if (spec.stat == Stat::quantile) {
        if (spec.q.empty()) errors.add("q", "[]", "at least one quantile level is required");
        for (double q : spec.q)
            if (!(q >= 0.0 && q <= 1.0))
                errors.add("q", repr(q), "quantile levels must lie in [0, 1]");
    }
    if ((spec.stat == Stat::var || spec.stat == Stat::std || spec.stat == Stat::zscore) &&
        spec.ddof < 0)
        errors.add("ddof", repr(static_cast<long long>(spec.ddof)), "must be >= 0");
}

void validate(const Spec& spec, std::int64_t n_rows, const std::int64_t* times,
              std::int64_t n_times, FieldErrors& errors) {
    validate_spec(spec, errors);
    if (n_rows < 0) errors.add("values", repr(static_cast<long long>(n_rows)), "negative length");
    if (!spec.time_window && times == nullptr) return;
    if (times == nullptr) {
        errors.add("times", "None",
                   "a time window needs timestamps (a DatetimeIndex or times=)");
        return;
    }
    if (n_times != n_rows) {
        errors.add("times", "length " + repr(static_cast<long long>(n_times)),
                   "must have one timestamp per row (" + repr(static_cast<long long>(n_rows)) +
                       ")");
        return;
    }
    if (!spec.time_window) return;  // a count window reads no timestamp: their order is not checked
    g_order_scans.fetch_add(1, std::memory_order_relaxed);
    for (std::int64_t i = 1; i < n_times; ++i) {
        if (times[i] < times[i - 1]) {
            errors.add("times", "row " + repr(static_cast<long long>(i)),
                       "timestamps must be non-decreasing (" +
                           repr(static_cast<long long>(times[i])) + " < " +
                           repr(static_cast<long long>(times[i - 1])) + ")");
            return;
        }
    }
}

}  // namespace threadx::rolling
