#include "threadx/rolling/sorted_blocks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace threadx::rolling {

namespace {
constexpr std::int64_t kCheckEvery = 1 << 14;
}

void SortedBlockQuantile::Block::reserve(std::int32_t cap) {
    val.assign(static_cast<std::size_t>(cap) + 2, kNaN);
    prev.assign(static_cast<std::size_t>(cap) + 2, 0);
    next.assign(static_cast<std::size_t>(cap) + 2, 0);
    rank.assign(static_cast<std::size_t>(cap) + 2, 0);
    rank[cap] = -1;                                    // HEAD precedes everything
    rank[cap + 1] = std::numeric_limits<std::int32_t>::max();  // TAIL follows everything
}

SortedBlockQuantile::SortedBlockQuantile(std::int64_t window, QuantileLevels levels,
                                         std::int64_t min_periods, std::int64_t n_rows)
    : window_(window), levels_(std::move(levels)), minp_(min_periods) {
    h_ = static_cast<std::int32_t>(std::max<std::int64_t>(1, std::min(window, n_rows)));
    head_ = h_;
    tail_ = h_ + 1;
    a_.reserve(h_);
    b_.reserve(h_);
    scratch_.reserve(static_cast<std::size_t>(h_));
}

void SortedBlockQuantile::load(Block& b, ConstColumn x, std::int64_t begin, std::int64_t size) {
    b.begin = begin;
    b.size = size;
    scratch_.clear();
    for (std::int32_t o = 0; o < size; ++o) {
        double v = x[begin + o];
        b.val[o] = v;
        if (!std::isnan(v)) scratch_.emplace_back(v, o);
    }
    std::sort(scratch_.begin(), scratch_.end());
    std::int32_t prev = head_;
    for (std::size_t r = 0; r < scratch_.size(); ++r) {
        std::int32_t o = scratch_[r].second;
        b.rank[o] = static_cast<std::int32_t>(r);
        b.prev[o] = prev;
        b.next[prev] = o;
        prev = o;
    }
    b.next[prev] = tail_;
    b.prev[tail_] = prev;
}

void SortedBlockQuantile::remove_from_a(std::int32_t o) noexcept {
    const std::int32_t r = a_.rank[o];
    for (Cursor& c : cursors_) {
        if (r <= a_.rank[c.pa]) {
            --c.count;
            if (c.pa == o) c.pa = a_.prev[o];
        }
    }
    a_.unlink(o);
}

void SortedBlockQuantile::insert_into_b(std::int32_t o) noexcept {
    b_.relink(o);
    const std::int32_t r = b_.rank[o];
    const double v = b_.val[o];
    for (Cursor& c : cursors_) {
        if (r < b_.rank[c.pb]) {
            ++c.count;  // lands inside B's small prefix
        } else if (c.pa != head_ && v < a_.val[c.pa]) {
            // smaller than the largest small value: by the prefix invariant it is the
            // node right after pb, so the small prefix of B grows by it
            c.pb = o;
            ++c.count;
        }
    }
}

bool SortedBlockQuantile::a_is_max(const Cursor& c) const noexcept {
    if (c.pa == head_) return false;
    if (c.pb == head_) return true;
    return a_.val[c.pa] > b_.val[c.pb];  // ties: A's rows come first, so B's is larger
}

bool SortedBlockQuantile::a_is_min_large(const Cursor& c) const noexcept {
    std::int32_t na = a_.next[c.pa], nb = b_.next[c.pb];
    if (na == tail_) return false;
    if (nb == tail_) return true;
    return a_.val[na] <= b_.val[nb];
}

void SortedBlockQuantile::advance(Cursor& c) const noexcept {
    if (a_is_min_large(c)) c.pa = a_.next[c.pa];
    else c.pb = b_.next[c.pb];
    ++c.count;
}

void SortedBlockQuantile::retreat(Cursor& c) const noexcept {
    if (a_is_max(c)) c.pa = a_.prev[c.pa];
    else c.pb = b_.prev[c.pb];
    --c.count;
}

void SortedBlockQuantile::emit(std::int64_t nobs, std::int64_t row, const OutTensor& out,
                               std::int64_t col) {
    for (std::size_t j = 0; j < cursors_.size(); ++j) {
        Cursor& c = cursors_[j];
        double r = kNaN;
        if (nobs > 0) {
            QuantilePos p = QuantilePos::of(levels_.q[j], nobs);
            const std::int64_t target = p.idx + 1;
            while (c.count < target) advance(c);
            while (c.count > target) retreat(c);
            if (nobs >= minp_) {
                double lo = a_is_max(c) ? a_.val[c.pa] : b_.val[c.pb];
                double hi = lo;
                if (needs_upper(p))
                    hi = a_is_min_large(c) ? a_.val[a_.next[c.pa]] : b_.val[b_.next[c.pb]];
                r = interpolate(levels_.interpolation, p, lo, hi);
            }
        } else {
            while (c.count > 0) retreat(c);
        }
        out.data[row * out.row_stride + col * out.col_stride + static_cast<std::int64_t>(j) * out.k_stride] = r;
    }
}

void SortedBlockQuantile::run(ConstColumn x, std::int64_t n, const OutTensor& out,
                              std::int64_t col, const CancelToken* token) {
    CancelCheck check(token);
    cursors_.assign(levels_.q.size(), Cursor{head_, head_, 0});
    // A starts empty; B is block 0
    a_.begin = 0;
    a_.size = 0;
    a_.next[head_] = tail_;
    a_.prev[tail_] = head_;
    std::int64_t nobs = 0;
    for (std::int64_t begin = 0; begin < n; begin += h_) {
        const std::int64_t size = std::min<std::int64_t>(h_, n - begin);
        load(b_, x, begin, size);
        for (std::int32_t o = static_cast<std::int32_t>(size) - 1; o >= 0; --o)
            if (!std::isnan(b_.val[o])) b_.unlink(o);
        for (std::int64_t i = begin; i < begin + size; ++i) {
            if (((i - begin) & (kCheckEvery - 1)) == 0) check();
            const std::int64_t old = i - window_;
            if (old >= 0) {
                auto o = static_cast<std::int32_t>(old - a_.begin);
                if (!std::isnan(a_.val[o])) {
                    remove_from_a(o);
                    --nobs;
                }
            }
            auto o = static_cast<std::int32_t>(i - begin);
            if (!std::isnan(b_.val[o])) {
                insert_into_b(o);
                ++nobs;
            }
            emit(nobs, i, out, col);
        }
        // B becomes A: its list holds all of its rows, and A is empty by now
        std::swap(a_, b_);
        for (Cursor& c : cursors_) {
            c.pa = c.pb;
            c.pb = head_;
        }
    }
}

}  // namespace threadx::rolling
