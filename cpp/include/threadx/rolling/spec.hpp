#pragma once
// What a rolling computation is asked to do, and the one place its rules live.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "threadx/core/errors.hpp"

namespace threadx::rolling {

enum class Stat { sum, mean, var, std, min, max, median, quantile, zscore, rank };
enum class Interpolation { linear, lower, higher, nearest, midpoint };
// How rank() scores ties (pandas' rolling rank methods).
enum class RankMethod { average, min, max };

// Parses the Python-facing names; nullopt for an unknown name.
std::optional<Stat> parse_stat(const std::string& name);
std::optional<Interpolation> parse_interpolation(const std::string& name);
std::optional<RankMethod> parse_rank_method(const std::string& name);
const char* name_of(Stat s);
const char* name_of(Interpolation i);
const char* name_of(RankMethod m);
// The tables those names come from, in order: the one list every binding and message uses.
std::vector<std::string> stat_names();
std::vector<std::string> interpolation_names();
std::vector<std::string> rank_method_names();
// "linear, lower, ..." for messages.
std::string join_names(const std::vector<std::string>& names);

struct Spec {
    Stat stat = Stat::mean;
    bool time_window = false;       // window is a duration in ns over `times`
    std::int64_t window = 0;        // number of rows, or nanoseconds
    std::int64_t min_periods = -1;  // -1: pandas' default (window for counts, 1 for times)
    std::vector<double> q;          // quantile levels in [0, 1]; quantile only
    Interpolation interpolation = Interpolation::linear;
    std::int64_t ddof = 1;          // var, std, zscore
    RankMethod rank_method = RankMethod::average;  // rank
    bool ascending = true;          // rank
    bool pct = false;               // rank: divided by the window's observations

    // min_periods once defaults are applied (valid specs only)
    std::int64_t effective_min_periods() const noexcept;
    // Number of outputs per input column (len(q) for quantile, else 1).
    std::size_t outputs_per_column() const noexcept;
};

// Adds one FieldError per broken rule; `times` may be null when n_times == 0.  Given times
// hold one stamp per row whatever the window; only a time window needs them and reads their order.
void validate(const Spec& spec, std::int64_t n_rows, const std::int64_t* times,
              std::int64_t n_times, FieldErrors& errors);
// Spec-only rules (what a streaming window checks before any data arrives).
void validate_spec(const Spec& spec, FieldErrors& errors);

// How many times the spec rules (validate_spec) and the timestamp-order scan have run in
// this process: tests use it to prove that one call checks each rule once.
struct RuleCounts {
    std::uint64_t spec = 0;
    std::uint64_t times_order = 0;
};
RuleCounts rule_counts() noexcept;

}  // namespace threadx::rolling
