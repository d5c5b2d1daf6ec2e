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
// Long windows: the extreme value with four independent chains, then its first
// occurrence; the same answer as the strict scan (which a NaN falls back to).
template <bool IsMax, class W>
THREADX_TA_INLINE Found long_scan(const W& w, std::int64_t count) {
    double m0 = w(0), m1 = m0, m2 = m0, m3 = m0;
    std::int64_t k = 1;
    for (; k + 4 <= count; k += 4) {
        const double a = w(k), b = w(k + 1), c = w(k + 2), d = w(k + 3);
        m0 = beyond<IsMax>(a, m0) ? a : m0;
        m1 = beyond<IsMax>(b, m1) ? b : m1;
        m2 = beyond<IsMax>(c, m2) ? c : m2;
        m3 = beyond<IsMax>(d, m3) ? d : m3;
    }
    for (; k < count; ++k) {
        const double a = w(k);
        m0 = beyond<IsMax>(a, m0) ? a : m0;
    }
    m0 = beyond<IsMax>(m1, m0) ? m1 : m0;
    m2 = beyond<IsMax>(m3, m2) ? m3 : m2;
    m0 = beyond<IsMax>(m2, m0) ? m2 : m0;
    for (k = 0; k < count; ++k)
        if (w(k) == m0) return {k, w(k)};
    return strict_scan<IsMax>(w, count);
}
template <bool IsMax, bool Long, class W>
THREADX_TA_INLINE Found rescan(const W& w, std::int64_t count) {
    if constexpr (Long) return long_scan<IsMax>(w, count);
    else return strict_scan<IsMax>(w, count);
}

// One bar of TA-Lib's tracking of the window extreme: the window w(0 .. p-1) (oldest
// first, from bar `trailing`) is rescanned when the tracked extreme (bar idx, value ext)
// has left it; otherwise v (bar `now`) takes over when it is equal or beyond (the latest
// of ties), as selects (conditional moves: the comparison is a coin flip on prices).
template <bool IsMax, bool Long, class W>
THREADX_TA_INLINE void track(const W& w, std::int64_t p, std::int64_t trailing, std::int64_t now, double v,
                             std::int64_t& idx, double& ext) {
    if (idx < trailing) {
        const Found f = rescan<IsMax, Long>(w, p);
        idx = trailing + f.off;
        ext = f.value;
    } else {
        const bool take = IsMax ? v >= ext : v <= ext;
        ext = take ? v : ext;
        idx = take ? now : idx;
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
        track<IsMax, false>(w, p, trailing, now, v, idx, ext);
        y[0] = now - last_nan < p ? kNaN : static_cast<double>(idx + origin);
    }

    // The same scan straight over the input column (no ring), indices being rows; long
    // windows find the extreme with the two-pass scan (same answer).
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        if (as_period(p[0]) >= 24) batch_rows<true>(p, in, start, n, out, check);
        else batch_rows<false>(p, in, start, n, out, check);
    }
    template <bool Long>
    static void batch_rows(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                           const Column* out, const CancelCheck& check) {
        const std::int64_t period = as_period(p[0]);
        const Dense dx(in[0], n);
        const double* x = dx.p;
        const Column y = out[0];
        std::int64_t idx = -1, last_nan = -(std::int64_t(1) << 62);
        double ext = 0;
        std::int64_t i = start;
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            for (; i < stop; ++i) {
                const double v = x[i];
                if (v != v) last_nan = i;
                if (i - start < period - 1) {
                    y[i] = kNaN;
                    continue;
                }
                const std::int64_t trailing = i - period + 1;
                const auto w = [x, trailing](std::int64_t k) { return x[trailing + k]; };
                track<IsMax, Long>(w, period, trailing, i, v, idx, ext);
                y[i] = i - last_nan < period ? kNaN : static_cast<double>(idx);  // from the series start, as TA-Lib
            }
            if (i < n) check();
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
