#include "threadx/plot/downsample.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "threadx/core/parallel.hpp"

namespace threadx::plot {

namespace {

constexpr std::int64_t kNone = -1;
constexpr int kSlots = 5;  // first, min, max, last, first NaN
constexpr std::int64_t kMaxColumns = 100'000'000;

// The first index of bucket b (b in [0, columns]): by position when x is empty, else the first
// point whose x reaches the bucket's left edge (edges spread evenly over [x_first, x_last]).
std::int64_t bucket_begin(std::span<const std::int64_t> x, std::int64_t n, std::int64_t columns, std::int64_t b) {
    // exact in 64 bits: floor(b·n/c) = q·b + floor(r·b/c) with n = q·c + r, and r·b < c² (c <= kMaxColumns)
    if (b >= columns) return n;
    const auto c = static_cast<std::uint64_t>(columns), ub = static_cast<std::uint64_t>(b);
    if (x.empty()) {
        const auto un = static_cast<std::uint64_t>(n);
        return static_cast<std::int64_t>((un / c) * ub + ((un % c) * ub) / c);
    }
    const auto span = static_cast<std::uint64_t>(x.back()) - static_cast<std::uint64_t>(x.front());
    const std::uint64_t offset = (span / c) * ub + ((span % c) * ub + c - 1) / c;  // ceil(span·b/c)
    const auto edge = static_cast<std::int64_t>(static_cast<std::uint64_t>(x.front()) + offset);
    return std::lower_bound(x.begin(), x.end(), edge) - x.begin();
}

void keep_bucket(std::span<const double> y, std::int64_t begin, std::int64_t end, std::int64_t* slots) {
    std::fill(slots, slots + kSlots, kNone);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::int64_t i = begin; i < end; ++i) {
        const double v = y[static_cast<std::size_t>(i)];
        if (std::isnan(v)) {
            if (slots[4] == kNone) slots[4] = i;
            continue;
        }
        if (slots[0] == kNone) slots[0] = i;
        slots[3] = i;
        if (v < lo) lo = v, slots[1] = i;
        if (v > hi) hi = v, slots[2] = i;
    }
}

}  // namespace

void validate_m4(std::span<const std::int64_t> x, std::span<const double> y, std::int64_t columns,
                 FieldErrors& errors) {
    if (columns < 1 || columns > kMaxColumns)
        errors.add("columns", repr(static_cast<long long>(columns)), "must be in [1, 100000000]");
    if (!x.empty() && x.size() != y.size())
        errors.add("x", "length " + repr(static_cast<long long>(x.size())),
                   "must have one position per value (" + repr(static_cast<long long>(y.size())) + ")");
    for (std::size_t i = 1; i < x.size(); ++i)
        if (x[i] < x[i - 1]) {
            errors.add("x", "position " + repr(static_cast<long long>(i)), "must be non-decreasing");
            break;
        }
    for (std::size_t i = 0; i < y.size(); ++i)
        if (std::isinf(y[i])) {
            errors.add("y", "position " + repr(static_cast<long long>(i)), "must be finite or NaN, not inf");
            break;
        }
}

std::vector<std::int64_t> m4_indices(std::span<const std::int64_t> x, std::span<const double> y,
                                     std::int64_t columns, const CancelToken* cancel) {
    FieldErrors errors;
    validate_m4(x, y, columns, errors);
    errors.throw_if_any();
    const auto n = static_cast<std::int64_t>(y.size());
    std::vector<std::int64_t> out;
    if (n <= 4 * columns) {
        out.resize(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = i;
        return out;
    }
    std::vector<std::int64_t> slots(static_cast<std::size_t>(columns * kSlots));
    parallel_ranges(static_cast<std::size_t>(columns), 64, cancel, [&](std::size_t b0, std::size_t b1) {
        for (std::size_t b = b0; b < b1; ++b) {
            const auto bi = static_cast<std::int64_t>(b);
            keep_bucket(y, bucket_begin(x, n, columns, bi), bucket_begin(x, n, columns, bi + 1),
                        slots.data() + bi * kSlots);
        }
    });
    out.reserve(slots.size());
    for (std::int64_t b = 0; b < columns; ++b) {
        std::int64_t* s = slots.data() + b * kSlots;
        std::sort(s, s + kSlots);
        for (int k = 0; k < kSlots; ++k)
            if (s[k] != kNone && (out.empty() || out.back() != s[k])) out.push_back(s[k]);
    }
    return out;
}

}  // namespace threadx::plot
