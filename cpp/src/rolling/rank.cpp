#include "threadx/rolling/rank.hpp"

#include <algorithm>

#include "threadx/rolling/block_quantile.hpp"
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

namespace {
constexpr std::int64_t kCheckEvery = 1 << 14;
}  // namespace

BlockRank::BlockRank(const Spec& spec, std::int64_t min_periods, std::int64_t n_rows)
    : spec_(spec), minp_(min_periods) {
    h_ = static_cast<std::int32_t>(BlockQuantile::block_rows(spec.window, n_rows));
    const auto slots = 2 * static_cast<std::size_t>(h_);
    merged_.resize(slots);
    rank_.resize(slots);
    tie_lo_.resize(slots);
    tie_hi_.resize(slots);
    tree_.resize(slots + 1);
}

bool BlockRank::fits(std::int64_t window, std::int64_t n_rows) noexcept {
    return BlockQuantile::fits(window, n_rows);
}

void BlockRank::merge_pair(const CancelCheck& check) {
    rank_.fill(-1, check);
    const double* av = prev_.values();
    const double* bv = next_.values();
    const std::int32_t* ao = prev_.offsets();
    const std::int32_t* bo = next_.offsets();
    const std::int32_t na = prev_.size(), nb = next_.size();
    m_ = na + nb;
    double* mv = merged_.data();
    std::int32_t ia = 0, ib = 0;
    for (std::int32_t k = 0; k < m_; ++k) {
        if ((k & 0xFFFF) == 0) check();
        if (ib >= nb || (ia < na && av[ia] <= bv[ib])) {
            mv[k] = av[ia];
            rank_[static_cast<std::size_t>(ao[ia++])] = k;
        } else {
            mv[k] = bv[ib];
            rank_[static_cast<std::size_t>(h_ + bo[ib++])] = k;
        }
    }
    // runs of equal values are contiguous in rank order (-0.0 == 0.0 included)
    for (std::int32_t k = 0; k < m_; ++k)
        tie_lo_[static_cast<std::size_t>(k)] = k > 0 && mv[k] == mv[k - 1] ? tie_lo_[static_cast<std::size_t>(k - 1)] : k;
    for (std::int32_t k = m_ - 1; k >= 0; --k)
        tie_hi_[static_cast<std::size_t>(k)] =
            k + 1 < m_ && mv[k] == mv[k + 1] ? tie_hi_[static_cast<std::size_t>(k + 1)] : k;
}

void BlockRank::seed_tree(std::int64_t& nobs) {
    std::int32_t* t = tree_.data();
    std::fill(t, t + m_ + 1, 0);
    nobs = 0;
    const auto in_window = static_cast<std::int32_t>(std::max<std::int64_t>(0, h_ - spec_.window));
    const std::int32_t* a_offsets = prev_.offsets();
    for (std::int32_t k = 0; k < prev_.size(); ++k) {
        if (a_offsets[k] < in_window) continue;
        ++t[rank_[static_cast<std::size_t>(a_offsets[k])] + 1];
        ++nobs;
    }
    for (std::int32_t i = 1; i <= m_; ++i) {  // counts -> Fenwick sums in O(m)
        const std::int32_t j = i + (i & -i);
        if (j <= m_) t[j] += t[i];
    }
}

void BlockRank::run(ConstColumn x, std::int64_t n, Column out, const CancelToken* token, RowRange rows) {
    CancelCheck check(token);
    const std::int64_t w = spec_.window;
    // A is the block before the first row: empty before row 0, else sorted afresh
    std::int64_t a_begin = rows.begin - h_;
    if (rows.begin == 0) prev_.resize(0);
    else sorter_.sort(x, a_begin, h_, prev_, check);
    for (std::int64_t begin = rows.begin; begin < rows.end; begin += h_) {
        const auto size = static_cast<std::int32_t>(std::min<std::int64_t>(h_, n - begin));
        sorter_.sort(x, begin, size, next_, check);
        merge_pair(check);
        std::int64_t nobs = 0;
        seed_tree(nobs);
        const std::int32_t* rank_of_row = rank_.data() - a_begin;  // by absolute row, A and B
        const std::int32_t* lo = tie_lo_.data();
        const std::int32_t* hi = tie_hi_.data();
        for (std::int32_t o = 0; o < size; ++o) {
            const std::int64_t i = begin + o;
            if ((i & (kCheckEvery - 1)) == 0) check();
            const std::int64_t old = i - w;  // in A or B: h_ >= w
            if (old >= 0) {
                const std::int32_t r = rank_of_row[old];
                if (r >= 0) {
                    tree_add(r, -1);
                    --nobs;
                }
            }
            const std::int32_t r = rank_of_row[i];
            double result = kNaN;
            if (r >= 0) {
                tree_add(r, 1);
                ++nobs;
                if (nobs >= minp_) result = rank_of(spec_, below(lo[r]), below(hi[r] + 1), nobs);
            }
            out[i] = result;
        }
        std::swap(prev_, next_);
        a_begin = begin;
    }
}

void window_rank(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                 const CountBounds& bounds, Column out, const CancelToken* token, RowRange rows) {
    if (BlockRank::fits(bounds.window, n)) {
        BlockRank kernel(spec, min_periods, n);
        return kernel.run(x, n, out, token, rows);
    }
    // windows beyond 32-bit blocks: the tree, from the window before the first row
    CancelCheck check(token);
    TreeRankAgg agg(spec);
    const std::int64_t w = bounds.window;
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
