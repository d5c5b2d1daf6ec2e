#include "threadx/rolling/block_sort.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace threadx::rolling {

namespace {

// A crowded bucket would make the final insertion pass quadratic: sort instead.
constexpr std::int32_t kMaxBucket = 32;
// Buckets per value: more buckets, fewer values sharing one, a cheaper final pass.
constexpr std::int32_t kBucketsPerValue = 2;

constexpr std::int32_t kCheckMask = (1 << 16) - 1;

// Stable insertion pass over parallel arrays: O(m + inversions).
void insertion_pass(double* v, std::int32_t* o, std::int32_t m, const CancelCheck& check) {
    for (std::int32_t i = 1; i < m; ++i) {
        if ((i & kCheckMask) == 0) check();
        const double x = v[i];
        if (!(x < v[i - 1])) continue;
        const std::int32_t ox = o[i];
        std::int32_t j = i;
        do {
            v[j] = v[j - 1];
            o[j] = o[j - 1];
            --j;
        } while (j > 0 && x < v[j - 1]);
        v[j] = x;
        o[j] = ox;
    }
}

}  // namespace

void BlockSorter::sort(ConstColumn x, std::int64_t begin, std::int32_t n, SortedBlock& out,
                       const CancelCheck& check) {
    // gather the non-NaN values in row order, with the range of the finite ones
    tmp_values_.resize(static_cast<std::size_t>(n));
    tmp_offsets_.resize(static_cast<std::size_t>(n));
    double* gv = tmp_values_.data();
    std::int32_t* go = tmp_offsets_.data();
    std::int32_t m = 0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::int32_t o = 0; o < n; ++o) {
        if ((o & kCheckMask) == 0) check();
        const double v = x[begin + o];
        gv[m] = v;
        go[m] = o;
        m += !std::isnan(v);
        if (std::isfinite(v)) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    out.resize(m);
    double* sv = out.values();
    std::int32_t* so = out.offsets();

    const std::int32_t nbuckets = kBucketsPerValue * m;
    const double scale = static_cast<double>(nbuckets - 1) / (hi - lo);
    if (m > 2 * kMaxBucket && scale > 0.0 && std::isfinite(scale)) {
        // distribute by a map monotone in the value (a few buckets per value), stably,
        // so each bucket keeps row order; then one insertion pass finishes
        const std::int32_t top = nbuckets - 1;
        bucket_.resize(static_cast<std::size_t>(m));
        counts_.resize(static_cast<std::size_t>(nbuckets) + 1);
        counts_.fill(0, check);
        for (std::int32_t i = 0; i < m; ++i) {
            if ((i & kCheckMask) == 0) check();
            const double v = gv[i];
            std::int32_t b;
            if (v <= lo) b = 0;          // also -inf
            else if (v >= hi) b = top;   // also +inf
            else {
                b = static_cast<std::int32_t>((v - lo) * scale);
                b = b > top ? top : b;
            }
            bucket_[i] = b;
            ++counts_[b + 1];
        }
        std::int32_t crowd = 0;
        for (std::int32_t b = 0; b < nbuckets; ++b) {
            crowd = std::max(crowd, counts_[b + 1]);
            counts_[b + 1] += counts_[b];
        }
        if (crowd <= kMaxBucket) {
            for (std::int32_t i = 0; i < m; ++i) {
                if ((i & kCheckMask) == 0) check();
                const std::int32_t p = counts_[bucket_[i]]++;
                sv[p] = gv[i];
                so[p] = go[i];
            }
            insertion_pass(sv, so, m, check);
            return;
        }
    }
    if (m <= 2 * kMaxBucket) {
        std::copy(gv, gv + m, sv);
        std::copy(go, go + m, so);
        insertion_pass(sv, so, m, check);
        return;
    }
    // crowded or unbounded: a comparison sort on (value, offset), checked before it starts
    check();
    pairs_.resize(static_cast<std::size_t>(m));
    for (std::int32_t i = 0; i < m; ++i) pairs_[i] = {gv[i], go[i]};
    std::sort(pairs_.data(), pairs_.data() + m);
    for (std::int32_t i = 0; i < m; ++i) {
        sv[i] = pairs_[i].first;
        so[i] = pairs_[i].second;
    }
}

}  // namespace threadx::rolling
