#pragma once
// Window extremes for streaming and batch: Extreme, by the monotonic deque of
// core/monotone_deque.hpp (amortised O(1) per bar, bounded by the period), plus the time
// of the last NaN so a window holding a NaN reports NaN; and BlockExtremes, the one van
// Herk / Gil-Werman block window (batch and streaming) of every block-based user.  TA-Lib's own scan lets a NaN
// in or out depending on where its rescan starts; ThreadX's documented rule is "NaN in
// the window -> NaN".
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "threadx/core/monotone_deque.hpp"
#include "threadx/ta/dense.hpp"
#include "threadx/ta/kernel.hpp"
#include "threadx/ta/ma.hpp"  // THREADX_TA_INLINE

namespace threadx::ta {

template <bool IsMax>
struct Extreme {
    std::int64_t period = 1;
    std::int64_t t = 0;            // bars pushed
    std::int64_t last_nan = -1;    // bar of the latest NaN, -1 if none yet
    MonotoneDeque<IsMax> deque;    // holds at most `period` entries: no allocation after construction

    explicit Extreme(std::int64_t p = 1) : period(p < 1 ? 1 : p), deque(period) {}

    void push(double x) {
        const std::int64_t now = t++;
        deque.leave(now - period);
        if (x != x) {
            last_nan = now;
            return;
        }
        deque.push(now, x);
    }
    // Extreme of the last `period` values pushed (all of them while fewer were pushed).
    double value() const noexcept {
        if (last_nan >= 0 && t - 1 - last_nan < period) return kNaN;
        return deque.empty() ? kNaN : deque.value();
    }
    // Bar (0-based from the first push) of the extreme; the latest one on ties.
    std::int64_t index() const noexcept { return deque.empty() ? -1 : deque.position(); }

    template <class Ar>
    void fields(Ar& ar) { ar(t, last_nan, deque); }
    // Restored: a NaN and the held positions among the bars pushed, the held ones in the window.
    template <class C>
    void check(const C& c) const {
        c.that(t >= 0, "Extreme.t", t, "must not be negative");
        c.within("Extreme.last_nan", last_nan, -1, t - 1);
        if (!deque.empty()) {
            c.within("Extreme.deque.at", deque.position(), t - period, t - 1);
            c.within("Extreme.deque.at", deque.last_position(), t - period, t - 1);
        }
    }
};

using Highest = Extreme<true>;
using Lowest = Extreme<false>;

// ---------------------------------------------------------------- van Herk / Gil-Werman

// THE block window extreme (van Herk / Gil-Werman), for every indicator that takes the
// highest and/or lowest of the last `len` bars in O(1) per bar whatever the data: the
// bars are cut into blocks of `len`; the window ending in a block is the suffix of the
// previous block (its suffix extremes, built once per block) plus the prefix of its own
// block (a running extreme).
//   WantMax, WantMin  which extremes (lane 0 the maximum when tracked, the last lane the
//                     minimum), each over its own input (high, low) or the same one;
//   Index             the bar of each extreme too, the latest of ties (TA-Lib's AROON
//                     scan, >= / <= everywhere).  Values only: the tie rule cannot matter.
// Two drivers share the per-lane steps below:
//   run()   batch over columns, one branch-free pass per block running forward (the
//           prefix against the previous block's suffixes) and backward (this block's
//           suffixes) at once; each row's window goes to emit(row, Win), inlined; rows
//           whose window is not full or holds a NaN (in any lane's input) go to
//           blank(row) afterwards.
//   push()  streaming, one bar at a time (the suffixes of a block are built when the
//           next one starts); max()/min()/window() read the window of the last bar.
// The values are selections, so they are those of any other algorithm (the monotonic
// deque of Extreme, TA-Lib's scans); a NaN never leaks into a window that does not hold
// it (the callers report NaN while one is inside).
template <bool WantMax, bool WantMin, bool Index = false>
class BlockExtremes {
    static_assert(WantMax || WantMin);
    static constexpr int L = int(WantMax) + int(WantMin);
    template <int K>
    static constexpr bool kMax = WantMax && K == 0;
    template <int K>
    static constexpr double kFloor = kMax<K> ? -std::numeric_limits<double>::infinity()
                                             : std::numeric_limits<double>::infinity();
    using Vals = std::array<double, L>;
    using Bars = std::array<std::int64_t, Index ? L : 0>;

    template <class F>
    THREADX_TA_INLINE static void lanes(F&& f) {
        [&]<int... K>(std::integer_sequence<int, K...>) {
            (f.template operator()<K>(), ...);
        }(std::make_integer_sequence<int, L>{});
    }
    template <int K>
    THREADX_TA_INLINE static bool beyond(double a, double b) noexcept { return kMax<K> ? a > b : a < b; }
    // c ? a : b on bars, as arithmetic (a select the compiler cannot turn into a branch:
    // which side wins is a coin flip on prices).
    THREADX_TA_INLINE static std::int64_t sel(bool c, std::int64_t a, std::int64_t b) noexcept {
        return b + ((a - b) & -static_cast<std::int64_t>(c));
    }
    // An older value v (bar a) against the extreme e (bar ea) of newer bars: v only when
    // strictly beyond (one MAXSD / MINSD; a NaN v is skipped).  Suffixes and the join.
    template <int K>
    THREADX_TA_INLINE static void older(double v, std::int64_t a, double& e, std::int64_t* ea) noexcept {
        if constexpr (Index) *ea = sel(beyond<K>(v, e), a, *ea);
        e = beyond<K>(v, e) ? v : e;
    }
    // A newer value v (bar a) into the running prefix extreme e: v also on a tie.
    template <int K>
    THREADX_TA_INLINE static void newer(double v, std::int64_t a, double& e, std::int64_t* ea) noexcept {
        if constexpr (Index) {
            const bool take = kMax<K> ? v >= e : v <= e;
            *ea = sel(take, a, *ea);
            e = take ? v : e;
        } else {
            e = beyond<K>(v, e) ? v : e;
        }
    }

public:
    // One window's extremes (and their bars with Index).
    struct Win {
        Vals v;
        Bars at;
        double max() const noexcept { return v[0]; }
        double min() const noexcept { return v[L - 1]; }
        std::int64_t max_at() const noexcept { return at[0]; }
        std::int64_t min_at() const noexcept { return at[L - 1]; }
    };

    // Batch: x[k] is lane k's input (rows [0, n)); windows of rows [start + len - 1, n).
    template <class Emit, class Blank>
    THREADX_TA_INLINE static void run(const std::array<const double*, L>& x, std::int64_t start, std::int64_t n,
                                      std::int64_t len, Emit&& emit, Blank&& blank, const CancelCheck& check) {
        const std::int64_t w = len < 1 ? 1 : len;
        const std::size_t stride = static_cast<std::size_t>(w) + 1;
        // per lane, the suffix extremes of the previous block (read) and of the current
        // one (written), each followed by a floor: the window of a block's last row is
        // the block itself
        std::vector<double> buf(2 * L * stride);
        std::vector<std::int64_t> bars(Index ? 2 * L * stride : 0, 0);
        lanes([&]<int K>() {
            std::fill_n(buf.data() + K * stride, stride, kFloor<K>);
            std::fill_n(buf.data() + (L + K) * stride, stride, kFloor<K>);
        });
        double* prev = buf.data();
        double* cur = prev + L * stride;
        std::int64_t* prev_at = bars.data();
        std::int64_t* cur_at = Index ? prev_at + L * stride : prev_at;
        std::int64_t last_nan = start - w - 1, done = 0;
        for (std::int64_t s = start; s < n; s += w) {
            const std::int64_t m = n - s < w ? n - s : w;
            Vals fwd, bwd;
            Bars fa{}, ba{};
            lanes([&]<int K>() { fwd[K] = bwd[K] = kFloor<K>; });
            bool nan = false;
            // independent chains; the loop ends on r (one SUB + JAE, no compare: a test on j
            // cost an instruction a row, 3.6 % of MAX/MIN, in GCC 12's code)
            for (std::int64_t j = 0, r = m - 1; r >= 0; ++j, --r) {
                Win win;
                lanes([&]<int K>() {
                    const double* xb = x[K] + s;
                    const std::size_t o = K * stride;
                    newer<K>(xb[j], s + j, fwd[K], Index ? &fa[K] : nullptr);
                    win.v[K] = fwd[K];
                    if constexpr (Index) win.at[K] = fa[K];
                    older<K>(prev[o + j + 1], Index ? prev_at[o + j + 1] : 0, win.v[K],
                             Index ? &win.at[K] : nullptr);
                    const double v = xb[r];
                    nan |= v != v;
                    older<K>(v, s + r, bwd[K], Index ? &ba[K] : nullptr);
                    cur[o + r] = bwd[K];
                    if constexpr (Index) cur_at[o + r] = ba[K];
                });
                emit(s + j, win);
            }
            if (s == start)  // the warm-up rows
                for (std::int64_t j = 0; j < m && j < w - 1; ++j) blank(s + j);
            if (nan || s - 1 - last_nan < w - 1) {  // a NaN in or just before this block
                for (std::int64_t j = 0; j < m; ++j) {
                    bool row_nan = false;
                    lanes([&]<int K>() { row_nan |= x[K][s + j] != x[K][s + j]; });
                    if (row_nan) last_nan = s + j;
                    if (s + j - last_nan < w) blank(s + j);
                }
            }
            std::swap(prev, cur);
            if constexpr (Index) std::swap(prev_at, cur_at);
            if ((done += m) >= kCheckEvery && s + w < n) {
                done = 0;
                check();
            }
        }
    }

    // Streaming.
    explicit BlockExtremes(std::int64_t p = 1)
        : len(p < 1 ? 1 : p), buf(L * static_cast<std::size_t>(len)), suf(L * static_cast<std::size_t>(len)),
          suf_at(Index ? L * static_cast<std::size_t>(len) : 0) {}
    // The next bar: vmax into the maximum, vmin into the minimum (one of them unused
    // with one extreme).
    THREADX_TA_INLINE void push(double vmax, double vmin) noexcept {
        const std::int64_t now = t + 1, pos0 = pos;
        const Vals v = vals(vmax, vmin);
        Vals e = pre;  // read before the buffer's store
        Bars ea = pre_at;
        t = now;
        bool nan = false;
        lanes([&]<int K>() { nan |= v[K] != v[K]; });
        if (nan) last_nan = now;
        if (pos0 == 0) {
            if (now >= len && len > 1) suffixes(now - len);
            e = v;
            if constexpr (Index) ea.fill(now);
        } else {
            lanes([&]<int K>() { newer<K>(v[K], now, e[K], Index ? &ea[K] : nullptr); });
        }
        lanes([&]<int K>() { buf[K * static_cast<std::size_t>(len) + static_cast<std::size_t>(pos0)] = v[K]; });
        pos = pos0 + 1 == len ? 0 : pos0 + 1;
        pre = e;
        pre_at = ea;
    }
    THREADX_TA_INLINE void push(double v) noexcept { push(v, v); }
    bool full() const noexcept { return t >= len - 1; }
    bool has_nan() const noexcept { return t - last_nan < len; }
    std::int64_t bars() const noexcept { return t + 1; }
    // The window of the last bar (once full).
    THREADX_TA_INLINE Win window() const noexcept {
        Win win{pre, pre_at};
        if (pos != 0)
            lanes([&]<int K>() {
                const std::size_t k = K * static_cast<std::size_t>(len) + static_cast<std::size_t>(pos);
                older<K>(suf[k], Index ? suf_at[k] : 0, win.v[K], Index ? &win.at[K] : nullptr);
            });
        return win;
    }
    double max() const noexcept { return window().max(); }
    double min() const noexcept { return window().min(); }
    template <class Ar>
    void fields(Ar& ar) { ar(pos, t, last_nan, pre, pre_at, buf, suf, suf_at); }
    // Restored: the slot of the next value is bar % len; a NaN is one of the bars pushed.
    template <class C>
    void check(const C& c) const {
        c.within("BlockExtremes.t", t, -1, std::numeric_limits<std::int64_t>::max() - 1);
        c.that(pos == (t + 1) % len, "BlockExtremes.pos", pos, "must be (bars pushed) % " + std::to_string(len));
        c.that(last_nan <= t, "BlockExtremes.last_nan", last_nan, "must not be after the last bar");
    }

private:
    std::int64_t len;
    std::int64_t pos = 0;  // slot of the next value (bar % len)
    std::int64_t t = -1;   // bar of the last value
    std::int64_t last_nan = -(std::int64_t(1) << 62);
    Vals pre{};            // extremes of the current block so far
    Bars pre_at{};
    std::vector<double> buf, suf;     // per lane: the current block; the previous block's suffix extremes
    std::vector<std::int64_t> suf_at; // bars of suf (Index only)

    static Vals vals(double vmax, double vmin) noexcept {
        if constexpr (L == 2) return {vmax, vmin};
        else if constexpr (WantMax) return {vmax};
        else return {vmin};
    }
    void suffixes(std::int64_t base) noexcept {  // buf holds the block of bars base ..
        const std::int64_t n = len;
        lanes([&]<int K>() {
            const double* b = buf.data() + K * n;
            double* sf = suf.data() + K * n;
            std::int64_t* sa = Index ? suf_at.data() + K * n : nullptr;
            double e = b[n - 1];
            std::int64_t ea = base + n - 1;
            sf[n - 1] = e;
            if constexpr (Index) sa[n - 1] = ea;
            for (std::int64_t k = n - 1; k-- > 0;) {
                older<K>(b[k], base + k, e, &ea);
                sf[k] = e;
                if constexpr (Index) sa[k] = ea;
            }
        });
    }
};

// Batch twin of Extreme: out[i] = extreme of x[i-period+1 .. i] for i >= start+period-1
// (NaN before, and NaN while the window holds a NaN).  MAX MIN DONCHIAN STOCH STOCHF.
template <bool IsMax>
void window_extreme(const ConstColumn& xc, std::int64_t start, std::int64_t n, std::int64_t period,
                    const Column& out, const CancelCheck& check) {
    const Dense d(xc, n);
    using W = BlockExtremes<IsMax, !IsMax>;
    if (out.stride == 1) {
        double* o = out.data;
        W::run({d.p}, start, n, period, [o](std::int64_t i, const typename W::Win& w) { o[i] = w.v[0]; },
               [o](std::int64_t i) { o[i] = kNaN; }, check);
    } else {
        W::run({d.p}, start, n, period, [&out](std::int64_t i, const typename W::Win& w) { out[i] = w.v[0]; },
               [&out](std::int64_t i) { out[i] = kNaN; }, check);
    }
}

}  // namespace threadx::ta
