#include "threadx/rolling/block_quantile.hpp"

#include <algorithm>
#include <bit>
#include <type_traits>

namespace threadx::rolling {

namespace {

constexpr std::int64_t kCheckEvery = 1 << 14;
constexpr std::int64_t kMinBlock = 256;

// Bit scans over a bitset of n bits.
inline std::int32_t next_set(const std::uint64_t* bits, std::int32_t n, std::int32_t from) noexcept {
    if (from < 0) from = 0;
    if (from >= n) return -1;
    std::int32_t w = from >> 6;
    std::uint64_t word = bits[w] & (~0ull << (from & 63));
    const std::int32_t words = (n + 63) >> 6;
    while (word == 0) {
        if (++w >= words) return -1;
        word = bits[w];
    }
    return (w << 6) + std::countr_zero(word);
}

inline std::int32_t prev_set(const std::uint64_t* bits, std::int32_t from) noexcept {
    if (from < 0) return -1;
    std::int32_t w = from >> 6;
    std::uint64_t word = bits[w] & (~0ull >> (63 - (from & 63)));
    while (word == 0) {
        if (w == 0) return -1;
        word = bits[--w];
    }
    return (w << 6) + 63 - std::countl_zero(word);
}

}  // namespace

BlockQuantile::BlockQuantile(std::int64_t window, QuantileLevels levels, std::int64_t min_periods,
                             std::int64_t n_rows)
    : window_(window), levels_(std::move(levels)), minp_(min_periods) {
    // Blocks of at least kMinBlock rows: any length >= w works (a window still spans
    // at most two blocks), and short windows then pay their per-block costs rarely.
    h_ = static_cast<std::int32_t>(block_rows(window, n_rows));
    merged_.resize(2 * static_cast<std::size_t>(h_));
    rank_.resize(2 * static_cast<std::size_t>(h_));
    bits_.resize((2 * static_cast<std::size_t>(h_) + 63) / 64);
    cursors_.resize(levels_.q.size());
}

namespace {
// a if take_a else b, without a branch
inline double pick(std::uint64_t take_a, double a, double b) noexcept {
    const std::uint64_t mask = 0 - take_a;
    return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & mask) |
                                 (std::bit_cast<std::uint64_t>(b) & ~mask));
}
}  // namespace

bool BlockQuantile::fits(std::int64_t window, std::int64_t n_rows) noexcept {
    return block_rows(window, n_rows) <= (std::int64_t{1} << 30);
}

void BlockQuantile::merge_pair(const CancelCheck& check) {
    rank_.fill(-1, check);
    const double* av = prev_.values();
    const double* bv = next_.values();
    const std::int32_t* ao = prev_.offsets();
    const std::int32_t* bo = next_.offsets();
    const std::int32_t na = prev_.size(), nb = next_.size(), m = na + nb;
    double* mv = merged_.data();
    std::int32_t* rank = rank_.data();
    n_ranks_ = m;
    // Branch-free merge from both ends at once: the comparison is a coin flip on real
    // data, so both candidates are loaded and one is selected arithmetically, and the
    // two ends are independent dependency chains.  Ties: A's rows are older, so A's
    // value ranks first (and B's last).  Reading past an exhausted side hits its NaN
    // sentinel, which never wins (real values are never NaN).
    std::int32_t ia = 0, ib = 0, ja = na - 1, jb = nb - 1;
    auto front = [&](std::int32_t k) {
        const double va = av[ia], vb = bv[ib];
        const std::int32_t ta = (va <= vb) | (vb != vb);
        const std::int32_t slot_a = ao[ia], slot_b = h_ + bo[ib];
        mv[k] = pick(static_cast<std::uint64_t>(ta), va, vb);
        rank[slot_b ^ ((slot_a ^ slot_b) & -ta)] = k;
        ia += ta;
        ib += 1 - ta;
    };
    const std::int32_t half = m / 2;
    for (std::int32_t k = 0; k < half; ++k) {
        if ((k & 0xFFFF) == 0) check();
        front(k);
        // back: the larger of A[ja], B[jb]
        const double va = av[ja], vb = bv[jb];
        const std::int32_t tb = (va <= vb) | (va != va);
        const std::int32_t slot_a = ao[ja], slot_b = h_ + bo[jb];
        const std::int32_t r = m - 1 - k;
        mv[r] = pick(static_cast<std::uint64_t>(tb), vb, va);
        rank[slot_a ^ ((slot_a ^ slot_b) & -tb)] = r;
        jb -= tb;
        ja -= 1 - tb;
    }
    if (m & 1) front(half);  // the middle element
}

std::int32_t BlockQuantile::select(std::int64_t k) const noexcept {
    const std::size_t words = (static_cast<std::size_t>(n_ranks_) + 63) >> 6;
    for (std::size_t w = 0; w < words; ++w) {
        std::uint64_t word = bits_[w];
        const auto c = static_cast<std::int64_t>(std::popcount(word));
        if (k < c) {
            for (; k > 0; --k) word &= word - 1;  // drop the k lowest set bits
            return static_cast<std::int32_t>((w << 6) + static_cast<std::size_t>(std::countr_zero(word)));
        }
        k -= c;
    }
    return -1;
}

void BlockQuantile::seed_cursors(std::int64_t nobs) {
    for (std::size_t j = 0; j < cursors_.size(); ++j) {
        const std::int64_t target = nobs > 0 ? QuantilePos::of(levels_.q[j], nobs).idx + 1 : 0;
        cursors_[j] = {target > 0 ? select(target - 1) : -1, target};
    }
}

std::int64_t BlockQuantile::block_rows(std::int64_t window, std::int64_t n_rows) noexcept {
    return std::max<std::int64_t>(1, std::min(std::max(window, kMinBlock), n_rows));
}

void BlockQuantile::run(ConstColumn x, std::int64_t n, const OutTensor& out, std::int64_t col,
                        const CancelToken* token, RowRange rows) {
    CancelCheck check(token);
    double* base = out.data + col * out.col_stride;
    const std::size_t n_levels = cursors_.size();
    positions_.resize(n_levels);
    std::int64_t positions_nobs = -1;  // nobs the cached positions were computed for
    // A is the block before the first row: empty before row 0, else sorted afresh, with
    // the observations of the window that ends just before the first row
    std::int64_t a_begin = rows.begin - h_;
    std::int64_t nobs = 0;
    if (rows.begin == 0) {
        prev_.resize(0);
    } else {
        sorter_.sort(x, a_begin, h_, prev_, check);
        for (std::int64_t i = std::max(a_begin, rows.begin - window_); i < rows.begin; ++i)
            nobs += !std::isnan(x[i]);
    }
    for (std::int64_t begin = rows.begin; begin < rows.end; begin += h_) {
        const auto size = static_cast<std::int32_t>(std::min<std::int64_t>(h_, n - begin));
        sorter_.sort(x, begin, size, next_, check);
        merge_pair(check);
        std::fill(bits_.begin(), bits_.end(), 0);
        // the window before B's first row: A's last w rows
        const std::int32_t in_window = static_cast<std::int32_t>(std::max<std::int64_t>(0, h_ - window_));
        const std::int32_t* a_offsets = prev_.offsets();
        for (std::int32_t k = 0; k < prev_.size(); ++k)
            if (a_offsets[k] >= in_window) set_bit(rank_[a_offsets[k]]);
        seed_cursors(nobs);

        // locals, so the hot loop keeps them in registers
        std::uint64_t* __restrict bits = bits_.data();
        const std::int32_t* rank_a = rank_.data() - a_begin;  // indexed by absolute row
        const std::int32_t* rank_b = rank_.data() + h_;
        const double* mv = merged_.data();
        const std::int32_t n_ranks = n_ranks_;
        const QuantilePos* pos = positions_.data();

        // The rows of block B.  L > 0 fixes the number of levels at compile time, so a
        // single level's cursor lives in registers rather than in memory.
        auto rows = [&]<std::size_t L>(std::integral_constant<std::size_t, L>, Cursor* __restrict cursors) {
            const std::size_t n_levels = L > 0 ? L : cursors_.size();
            for (std::int32_t o = 0; o < size; ++o) {
                const std::int64_t i = begin + o;
                if ((i & (kCheckEvery - 1)) == 0) check();
                const std::int64_t old = i - window_;
                if (old >= 0) {
                    const std::int32_t r = rank_a[old];
                    if (r >= 0) {
                        bits[r >> 6] &= ~(1ull << (r & 63));
                        --nobs;
                        for (std::size_t j = 0; j < n_levels; ++j) {
                            Cursor& c = cursors[j];
                            c.count -= r <= c.r;
                            if (r == c.r) [[unlikely]] c.r = prev_set(bits, r - 1);
                        }
                    }
                }
                const std::int32_t r = rank_b[o];
                if (r >= 0) {
                    bits[r >> 6] |= 1ull << (r & 63);
                    ++nobs;
                    for (std::size_t j = 0; j < n_levels; ++j) cursors[j].count += r < cursors[j].r;
                }
                if (nobs != positions_nobs) [[unlikely]] {
                    for (std::size_t j = 0; j < n_levels; ++j)
                        positions_[j] = QuantilePos::of(levels_.q[j], nobs > 0 ? nobs : 1);
                    positions_nobs = nobs;
                }
                double* row_out = base + i * out.row_stride;
                for (std::size_t j = 0; j < n_levels; ++j) {
                    Cursor& c = cursors[j];
                    double result = kNaN;
                    if (nobs > 0) {
                        const QuantilePos& p = pos[j];
                        const std::int64_t target = p.idx + 1;
                        const std::int64_t d = target - c.count;
                        if (d >= -1 && d <= 1) [[likely]] {
                            // one step either way, or none, chosen without a branch: which
                            // way the window moved the cursor is as random as the data
                            const std::int32_t up = next_set(bits, n_ranks, c.r + 1);
                            const std::int32_t down = prev_set(bits, c.r - 1);
                            c.r = d > 0 ? up : (d < 0 ? down : c.r);
                            c.count = target;
                        } else {
                            for (; c.count < target; ++c.count) c.r = next_set(bits, n_ranks, c.r + 1);
                            for (; c.count > target; --c.count) c.r = prev_set(bits, c.r - 1);
                        }
                        if (nobs >= minp_) {
                            const double lo = mv[c.r];
                            const double hi = needs_upper(p) ? mv[next_set(bits, n_ranks, c.r + 1)] : lo;
                            result = interpolate(levels_.interpolation, p, lo, hi);
                        }
                    } else {
                        c.r = -1;
                        c.count = 0;
                    }
                    row_out[static_cast<std::int64_t>(j) * out.k_stride] = result;
                }
            }
        };
        if (cursors_.size() == 1) {
            Cursor one[1] = {cursors_[0]};
            rows(std::integral_constant<std::size_t, 1>{}, one);
            cursors_[0] = one[0];
        } else {
            rows(std::integral_constant<std::size_t, 0>{}, cursors_.data());
        }
        std::swap(prev_, next_);
        a_begin = begin;
    }
}

}  // namespace threadx::rolling
