#pragma once
// Rolling rank: pandas' rolling(...).rank(method, ascending, pct), the rank of each
// row's value among the non-NaN values of its window (itself included).  The counts of
// window values below and not above the value give every tie method.  They come from
// the quantiles' structures: count windows use the sorted blocks of BlockQuantile (each
// pair of neighbouring blocks merged into one ranking) with a Fenwick tree over the
// ranks in the window, two prefix sums per row; time windows and the streaming twin use
// the order-statistic tree (OrderTree::count_less / count_not_greater).  O(log w) per
// row either way.  A NaN row has rank NaN and is not counted.
#include <cmath>
#include <cstdint>

#include "threadx/core/buffer.hpp"
#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/rolling/block_sort.hpp"
#include "threadx/rolling/bounds.hpp"
#include "threadx/rolling/moments.hpp"
#include "threadx/rolling/order_tree.hpp"
#include "threadx/rolling/spec.hpp"
#include "threadx/rolling/stream_window.hpp"

namespace threadx::rolling {

// The rank of a value of which `less` window values are smaller and `not_greater` are
// not larger (itself included), among nobs, scored as spec asks (method, ascending,
// pct).  pandas' average is (min + max) / 2, exact in doubles.
double rank_of(const Spec& spec, std::int64_t less, std::int64_t not_greater, std::int64_t nobs) noexcept;

// Add/remove aggregator: the rank of the value added last.
class TreeRankAgg {
public:
    explicit TreeRankAgg(const Spec& spec) : spec_(spec) {}
    void add(std::int64_t row, double v) {
        last_ = v;
        if (!std::isnan(v)) tree_.insert(v, static_cast<std::uint64_t>(row));
    }
    void remove(std::int64_t row, double v) {
        if (!std::isnan(v)) tree_.erase(v, static_cast<std::uint64_t>(row));
    }
    // NaN when the value added last is NaN or fewer than minp values are counted.
    double value(std::int64_t minp) const noexcept {
        const std::int64_t n = tree_.size();
        if (std::isnan(last_) || n < minp) return kNaN;
        return rank_of(spec_, tree_.count_less(last_), tree_.count_not_greater(last_), n);
    }
    std::int64_t nobs() const noexcept { return tree_.size(); }
    void clear() noexcept {
        tree_.clear();
        last_ = kNaN;
    }

private:
    Spec spec_;
    OrderTree tree_;
    double last_ = kNaN;
};

// Count windows over sorted blocks of h >= w rows (BlockQuantile::block_rows): each
// pair of neighbouring blocks is merged into one ranking with the bounds of every run
// of equal values, and a Fenwick tree counts the window's rows by rank.
class BlockRank {
public:
    BlockRank(const Spec& spec, std::int64_t min_periods, std::int64_t n_rows);
    // Whether the blocks fit 32-bit offsets (else the tree serves), as BlockQuantile's.
    static bool fits(std::int64_t window, std::int64_t n_rows) noexcept;
    // out[i] for the rows of `rows`, whose begin is a multiple of the block length.
    void run(ConstColumn x, std::int64_t n, Column out, const CancelToken* token, RowRange rows);

private:
    void merge_pair(const CancelCheck& check);  // ranks, values and tie runs of (prev_, next_)
    void seed_tree(std::int64_t& nobs);         // the window before B's first row: A's last w rows
    void tree_add(std::int32_t r, std::int32_t d) noexcept {
        for (std::int32_t i = r + 1; i <= m_; i += i & -i) tree_[static_cast<std::size_t>(i)] += d;
    }
    std::int64_t below(std::int32_t r) const noexcept {  // window rows with rank < r
        std::int64_t c = 0;
        for (std::int32_t i = r; i > 0; i -= i & -i) c += tree_[static_cast<std::size_t>(i)];
        return c;
    }

    Spec spec_;
    std::int64_t minp_;
    std::int32_t h_;  // block length
    BlockSorter sorter_;
    SortedBlock prev_, next_;             // blocks A and B, sorted
    Buffer<double> merged_;               // values by rank
    Buffer<std::int32_t> rank_;           // rank by slot: A's offsets, then B's at +h_; -1 for NaN
    Buffer<std::int32_t> tie_lo_, tie_hi_;  // by rank: first and last rank of its run of equal values
    Buffer<std::int32_t> tree_;           // Fenwick tree over ranks, 1-based
    std::int32_t m_ = 0;                  // ranks in the pair
};

// out[i] = the rank of x[i] in its window, for the rows of `rows`, whose begin is a
// multiple of BlockQuantile::block_rows (any such split gives the numbers of one run).
void window_rank(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                 const CountBounds& bounds, Column out, const CancelToken* token, RowRange rows);
void window_rank(const Spec& spec, std::int64_t min_periods, ConstColumn x, std::int64_t n,
                 const TimeBounds& bounds, Column out, const CancelToken* token);

// Streaming rolling rank over a count or time window, O(log w) per update; with
// max_points set, at most that many points are kept (the oldest leave first).
class RollingRank {
public:
    RollingRank(const Spec& spec, std::int64_t max_points);  // max_points <= 0: no cap
    // The rules a streaming rank's spec meets (stat rank, validate_spec).
    static void validate(const Spec& spec, FieldErrors& errors);
    // For a caller that ran validate() on this spec and it passed: no second check.
    struct Validated {};
    RollingRank(const Spec& spec, std::int64_t max_points, Validated);
    // Pushes one point and writes its rank to out[0].
    void update(double value, const std::int64_t* time, double* out);
    void check_times(const std::int64_t* times, std::int64_t n) const { window_.check_times(times, n); }
    void reset() noexcept { window_.reset(); }
    std::int64_t nobs() const noexcept { return window_.agg().nobs(); }
    std::int64_t stored() const noexcept { return window_.stored(); }
    std::size_t levels() const noexcept { return 1; }

private:
    std::int64_t minp_;
    PointWindow<TreeRankAgg> window_;
};

}  // namespace threadx::rolling
