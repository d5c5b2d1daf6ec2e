#pragma once
// Window bounds, kept apart from the aggregation (pandas' indexers): the window of
// output i is the row range [start(i), end(i)).  Count and time windows produce the
// same kind of bounds, so every statistic runs over either.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace threadx::rolling {

struct CountBounds {
    std::int64_t window;
    std::int64_t start(std::int64_t i) const noexcept { return std::max<std::int64_t>(0, i - window + 1); }
    std::int64_t end(std::int64_t i) const noexcept { return i + 1; }
};

// pandas' VariableWindowIndexer with closed="right": rows j <= i with t[j] > t[i] - w.
struct TimeBounds {
    std::vector<std::int64_t> starts;
    std::int64_t start(std::int64_t i) const noexcept { return starts[static_cast<std::size_t>(i)]; }
    std::int64_t end(std::int64_t i) const noexcept { return i + 1; }

    static TimeBounds from_times(const std::int64_t* t, std::int64_t n, std::int64_t window_ns) {
        TimeBounds b;
        b.starts.resize(static_cast<std::size_t>(n));
        std::int64_t s = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            // Sorted times: t[s] <= t[i], so the unsigned difference is exact even where
            // t[i] - w overflows.  Unsorted times (changed after their check) only move s
            // wrongly: `s < i` keeps every start in [0, i] and non-decreasing, so no
            // statistic reads outside its column whatever the timestamps hold.
            while (s < i && static_cast<std::uint64_t>(t[i]) - static_cast<std::uint64_t>(t[s]) >=
                                static_cast<std::uint64_t>(window_ns))
                ++s;
            b.starts[static_cast<std::size_t>(i)] = s;
        }
        return b;
    }
};

}  // namespace threadx::rolling
