#pragma once
// TA-Lib's tracking of a window extreme and its position (MAXINDEX, MININDEX,
// MINMAXINDEX): one state per extreme, the batch scan straight over the column.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "threadx/ta/dense.hpp"
#include "threadx/ta/kernel.hpp"
#include "threadx/ta/ma.hpp"  // THREADX_TA_INLINE

namespace threadx::ta {

// ---------------------------------------------------------------- MAXINDEX / MININDEX

template <bool IsMax>
THREADX_TA_INLINE bool beyond(double a, double b) noexcept { return IsMax ? a > b : a < b; }

// TA-Lib's rescan once the tracked extreme has left the window: oldest first with a
// strict comparison (the earliest of ties).  Values w(0..count) oldest first; returns
// the offset of the extreme and its value.
struct Found {
    std::int64_t off;
    double value;
};
template <bool IsMax, class W>
THREADX_TA_INLINE Found strict_scan(const W& w, std::int64_t count) {
    std::int64_t off = 0;
    double e = w(0);
    for (std::int64_t k = 1; k < count; ++k) {
        const double v = w(k);
        if (beyond<IsMax>(v, e)) {
            off = k;
            e = v;
        }
    }
    return {off, e};
}
// While the tracked extreme (bar idx, value ext) is in the window, v (bar `now`) takes
// over when it is equal or beyond (the latest of ties), as selects (conditional moves:
// the comparison is a coin flip on prices).
// c ? a : b on bars, as arithmetic (a select the compiler cannot turn into a branch).
THREADX_TA_INLINE std::int64_t select_bar(bool c, std::int64_t a, std::int64_t b) noexcept {
    return b + ((a - b) & -static_cast<std::int64_t>(c));
}
// ext is only compared with: on a tie the kept value equals the taken one (MAXSD/MINSD).
template <bool IsMax>
THREADX_TA_INLINE void follow(double v, std::int64_t now, std::int64_t& idx, double& ext) {
    const bool take = IsMax ? v >= ext : v <= ext;
    idx = select_bar(take, now, idx);
    ext = beyond<IsMax>(v, ext) ? v : ext;
}

// One bar of TA-Lib's tracking of the window extreme: the window w(0 .. p-1) (oldest
// first, from bar `trailing`) is rescanned when the tracked extreme has left it;
// otherwise follow().
template <bool IsMax, class W>
THREADX_TA_INLINE void track(const W& w, std::int64_t p, std::int64_t trailing, std::int64_t now, double v,
                             std::int64_t& idx, double& ext) {
    if (idx < trailing) {
        const Found f = strict_scan<IsMax>(w, p);
        idx = trailing + f.off;
        ext = f.value;
    } else {
        follow<IsMax>(v, now, idx, ext);
    }
}

// MAXINDEX / MININDEX with TA-Lib's tracking of the window extreme: while the extreme is
// in the window, a new value equal or beyond it takes over (the latest of ties); once it
// has left, the window is rescanned (the earliest of ties).  The index counts bars from
// the start of the series, as TA-Lib's wrapper does (the driver reports the leading bars
// it skipped through skipped()).  A NaN in the window gives NaN.
template <bool IsMax>
struct ExtremeIndex {
    static constexpr int n_inputs = 1, n_outputs = 1;
    std::int64_t period;
    std::int64_t slot = 0;  // next write position of the ring (= its oldest value once full)
    std::int64_t t = -1;    // bar of the last value
    std::int64_t last_nan = -(std::int64_t(1) << 62);
    std::int64_t idx = -1;  // bar of the tracked extreme
    std::int64_t origin = 0;
    double ext = 0;
    std::vector<double> buf;
    explicit ExtremeIndex(const double* p)
        : period(as_period(p[0])), buf(static_cast<std::size_t>(period), 0.0) {}
    // Bars of the series before the first one passed to update() (kernel.hpp's hook).
    void skipped(std::int64_t bars) noexcept { origin = bars; }

    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = x[0];
        const std::int64_t p = period;
        double* b = buf.data();
        std::int64_t s = slot;
        b[s] = v;
        if (++s == p) s = 0;
        slot = s;
        const std::int64_t now = ++t;
        if (v != v) last_nan = now;
        if (now < p - 1) {
            y[0] = kNaN;
            return;
        }
        const std::int64_t trailing = now - p + 1;
        const auto w = [b, s, p](std::int64_t k) {
            const std::int64_t j = s + k;
            return b[j < p ? j : j - p];
        };
        track<IsMax>(w, p, trailing, now, v, idx, ext);
        y[0] = now - last_nan < p ? kNaN : static_cast<double>(idx + origin);
    }

    // The same tracking straight over the input column (no ring), indices being rows.  A
    // rescan (the tracked extreme has left the window) is answered in O(1) from van Herk /
    // Gil-Werman blocks of `period` rows: the window is the suffix of the previous block
    // (suffix extremes, built backward once per block) joined with the prefix of its own
    // (a running extreme), the earlier row winning every tie, which is the strict scan's
    // answer.  A window holding a NaN is rescanned by the strict scan itself, so the
    // tracked state stays that of update().
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const std::int64_t period = as_period(p[0]);
        const Dense dx(in[0], n);
        const double* x = dx.p;
        const Column y = out[0];
        // suffix extremes of the previous block by offset, one more slot read (and not
        // chosen) by a block's last row
        std::vector<double> suf_v(static_cast<std::size_t>(period) + 1, 0.0);
        std::vector<std::int64_t> suf_at(static_cast<std::size_t>(period) + 1, 0);
        std::int64_t idx = -1, last_nan = -(std::int64_t(1) << 62), done = 0;
        double ext = 0;
        for (std::int64_t s = start; s < n; s += period) {
            const std::int64_t m = n - s < period ? n - s : period;
            double pre_v = x[s];  // the prefix: the earliest of ties
            std::int64_t pre_at = s;
            for (std::int64_t j = 0; j < m; ++j) {
                const std::int64_t i = s + j;
                const double v = x[i];
                pre_at = select_bar(beyond<IsMax>(v, pre_v), i, pre_at);
                pre_v = beyond<IsMax>(v, pre_v) ? v : pre_v;
                if (v != v) last_nan = i;
                if (i - start < period - 1) {
                    y[i] = kNaN;
                    continue;
                }
                const std::int64_t trailing = i - period + 1;
                if (i - last_nan < period) [[unlikely]] {  // a NaN in the window: TA-Lib's own steps
                    track<IsMax>([x, trailing](std::int64_t k) { return x[trailing + k]; }, period, trailing, i, v,
                                 idx, ext);
                    y[i] = kNaN;
                    continue;
                }
                // both answers, then a select: whether the extreme has left is a coin flip
                const double sv = suf_v[static_cast<std::size_t>(j + 1)];
                const bool pre = j == period - 1 || beyond<IsMax>(pre_v, sv);
                const std::int64_t scan_at = select_bar(pre, pre_at, suf_at[static_cast<std::size_t>(j + 1)]);
                const double scan_v = pre ? pre_v : sv;
                std::int64_t f_at = idx;
                double f_v = ext;
                follow<IsMax>(v, i, f_at, f_v);
                const bool left = idx < trailing;
                idx = select_bar(left, scan_at, f_at);
                ext = left ? scan_v : f_v;
                y[i] = static_cast<double>(idx);  // from the series start, as TA-Lib
            }
            if (m == period) {  // this block's suffix extremes, the earliest of ties
                double e = x[s + m - 1];
                std::int64_t at = s + m - 1;
                for (std::int64_t k = m; k-- > 0;) {
                    const double v = x[s + k];
                    if (!beyond<IsMax>(e, v)) {
                        e = v;
                        at = s + k;
                    }
                    suf_v[static_cast<std::size_t>(k)] = e;
                    suf_at[static_cast<std::size_t>(k)] = at;
                }
            }
            if ((done += m) >= kCheckEvery && s + period < n) {
                done = 0;
                check();
            }
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(slot, t, last_nan, idx, origin, ext, buf); }
    // Restored: the ring's slot is the bar count % period; the NaN and the extreme are
    // bars already pushed; the skipped leading bars are not negative.
    template <class C>
    void check(const C& c) const {
        c.within("INDEX.t", t, -1, std::numeric_limits<std::int64_t>::max() - 1);
        c.that(slot == (t + 1) % period, "INDEX.slot", slot, "must be (bars pushed) % " + std::to_string(period));
        c.that(last_nan <= t, "INDEX.last_nan", last_nan, "must not be after the last bar");
        c.within("INDEX.idx", idx, -1, t);
        c.within("INDEX.origin", origin, 0, std::numeric_limits<std::int64_t>::max() / 2);
    }
};

}  // namespace threadx::ta
