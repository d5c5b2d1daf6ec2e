#include "threadx/rolling/small_quantile.hpp"

#include <cmath>
#include <utility>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace threadx::rolling {

namespace {

constexpr std::int64_t kCheckEvery = 1 << 14;

// How many of a[0..m) are below u and below v, in one pass (SSE2: two values per
// compare, the all-ones masks subtracted from 64-bit counters).
inline std::pair<std::int64_t, std::int64_t> below2(const double* a, std::int64_t m, double u, double v) noexcept {
    std::int64_t p = 0, q = 0, k = 0;
#if defined(__SSE2__)
    const __m128d vu = _mm_set1_pd(u), vv = _mm_set1_pd(v);
    __m128i cp = _mm_setzero_si128(), cq = _mm_setzero_si128();
    for (; k + 2 <= m; k += 2) {
        const __m128d x = _mm_loadu_pd(a + k);
        cp = _mm_sub_epi64(cp, _mm_castpd_si128(_mm_cmplt_pd(x, vu)));
        cq = _mm_sub_epi64(cq, _mm_castpd_si128(_mm_cmplt_pd(x, vv)));
    }
    alignas(16) std::int64_t tp[2], tq[2];
    _mm_store_si128(reinterpret_cast<__m128i*>(tp), cp);
    _mm_store_si128(reinterpret_cast<__m128i*>(tq), cq);
    p = tp[0] + tp[1];
    q = tq[0] + tq[1];
#endif
    for (; k < m; ++k) {
        p += a[k] < u;
        q += a[k] < v;
    }
    return {p, q};
}

// How many of a[0..m) are below v.
inline std::int64_t below(const double* a, std::int64_t m, double v) noexcept { return below2(a, m, v, v).first; }

}  // namespace

SmallQuantile::SmallQuantile(std::int64_t window, QuantileLevels levels, std::int64_t min_periods)
    : window_(window), levels_(std::move(levels)), minp_(min_periods),
      sorted_(static_cast<std::size_t>(window) + 1) {}

void SmallQuantile::insert(double v) noexcept {
    double* a = sorted_.data();
    const std::int64_t q = below(a, m_, v);
    for (std::int64_t k = m_; k > q; --k) a[k] = a[k - 1];
    a[q] = v;
    ++m_;
}

void SmallQuantile::erase(double v) noexcept {
    double* a = sorted_.data();
    const std::int64_t p = below(a, m_, v);  // a[p] == v: the first copy of it
    --m_;
    for (std::int64_t k = p; k < m_; ++k) a[k] = a[k + 1];
}

void SmallQuantile::replace(double out, double in) noexcept {
    double* a = sorted_.data();
    const auto [p, q] = below2(a, m_, out, in);
    // a[p] == out leaves; `in` goes where q counts it, once `out` is gone
    const std::int64_t at = q - (out < in);
    for (std::int64_t k = p; k < at; ++k) a[k] = a[k + 1];
    for (std::int64_t k = p; k > at; --k) a[k] = a[k - 1];
    a[at] = in;
}

void SmallQuantile::run(ConstColumn x, std::int64_t n, const OutTensor& out, std::int64_t col,
                        const CancelToken* token, RowRange rows) {
    CancelCheck check(token);
    m_ = 0;
    for (std::int64_t i = std::max<std::int64_t>(0, rows.begin - window_); i < rows.begin; ++i)
        if (!std::isnan(x[i])) insert(x[i]);
    double* base = out.data + col * out.col_stride;
    const std::size_t n_levels = levels_.q.size();
    std::vector<QuantilePos> pos(n_levels);
    std::int64_t pos_m = -1;  // the count the positions were computed for
    const double* a = sorted_.data();
    const std::int64_t end = std::min(rows.end, n);
    for (std::int64_t i = rows.begin; i < end; ++i) {
        if ((i & (kCheckEvery - 1)) == 0) check();
        const double in = x[i];
        const double old = i >= window_ ? x[i - window_] : kNaN;
        const bool has_in = !std::isnan(in), has_old = !std::isnan(old);
        if (has_in && has_old) [[likely]] {
            if (in != old) replace(old, in);
        } else if (has_in) {
            insert(in);
        } else if (has_old) {
            erase(old);
        }
        double* row_out = base + i * out.row_stride;
        if (m_ == 0 || m_ < minp_) [[unlikely]] {
            for (std::size_t j = 0; j < n_levels; ++j) row_out[static_cast<std::int64_t>(j) * out.k_stride] = kNaN;
            continue;
        }
        if (m_ != pos_m) [[unlikely]] {
            for (std::size_t j = 0; j < n_levels; ++j) pos[j] = QuantilePos::of(levels_.q[j], m_);
            pos_m = m_;
        }
        for (std::size_t j = 0; j < n_levels; ++j) {
            const QuantilePos& p = pos[j];
            const double lo = a[p.idx];
            const double hi = needs_upper(p) ? a[p.idx + 1] : lo;
            row_out[static_cast<std::int64_t>(j) * out.k_stride] = interpolate(levels_.interpolation, p, lo, hi);
        }
    }
}

}  // namespace threadx::rolling
