#pragma once
// TA-Lib 0.8's rolling population variance, shared by BBANDS (overlap.cpp) and
// STDDEV/VAR (statistic.cpp).
#include <cstddef>
#include <cstdint>

#include "threadx/ta/kernel.hpp"
#include "threadx/ta/ma.hpp"

namespace threadx::ta {

// The running sums of a rolling population variance: the deviations from `shift` and
// their squares, added and removed in TA-Lib 0.8's order.
struct VarSums {
    double shift = 0, s1 = 0, s2 = 0;
    THREADX_TA_INLINE void add(double x) {
        double d = x - shift;
        s1 += d;
        d *= d;
        s2 += d;
    }
    // Removes x; returns its squared deviation.
    THREADX_TA_INLINE double remove(double x) {
        double d = x - shift;
        s1 -= d;
        d *= d;
        s2 -= d;
        return d;
    }
    THREADX_TA_INLINE double var(double inv) const {
        const double m = s1 * inv;
        return s2 * inv - m * m;
    }
    // After a removal (d: its squared deviation): whether `var`, computed before it, is
    // small against the squared deviations it is extracted from, or the removed value
    // dwarfs the remaining sum (TA-Lib's reseed tests).
    THREADX_TA_INLINE bool unreliable(double var, double d, double inv) const {
        return var < 0.000001 * (s2 * inv) || d > 1000000.0 * s2;
    }
};

// Rolling population variance, TA-Lib 0.8's cancellation-free form: running sums of the
// deviations from a shift (first the window's first value), re-anchored on the window
// mean with a fresh two-pass when the sums become unreliable (VarSums) and at least
// every 32 windows.  Emits from the period-th value on.
struct RollingVar {
    int period = 1;
    double inv = 1;
    std::int64_t count = 0, until_reseed = 0;
    VarSums sums;
    Ring window;
    [[gnu::always_inline]] explicit RollingVar(int p)
        : period(p), inv(1.0 / static_cast<double>(p)), until_reseed(32LL * p), window(p) {}
    THREADX_TA_INLINE double step(double x) {
        window.push(x);
        const std::size_t h = static_cast<std::size_t>(window.head);
        return step(x, window.v[h], window.v.data(), window.v.size(), h);  // window.v[h]: the oldest
    }
    // step() with the window of the last `period` values given instead of the ring: the
    // ring (v, n, h) holds them oldest first from slot h, `oldest` being v[h] (read once
    // `period` values are in).  A batch passes its column's slice (n = period, h = 0).
    THREADX_TA_INLINE double step(double x, double oldest, const double* v, std::size_t n, std::size_t h) {
        if (count == 0) sums.shift = x;
        sums.add(x);
        if (++count < period) return kNaN;
        double var = sums.var(inv);
        const double d = sums.remove(oldest);
        if (--until_reseed <= 0 || sums.unreliable(var, d, inv)) {
            const Reseed r = reseed(v, n, h, inv);
            until_reseed = 32LL * period;
            sums = r.sums;
            var = r.var;
        }
        return var;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, until_reseed, sums.shift, sums.s1, sums.s2, window); }

    struct Reseed {
        VarSums sums;
        double var;
    };
    // The window's mean (of ring v, oldest at h) as the new shift, the deviation sums
    // afresh (two passes, in order), the variance floored at 1e-12 of the mean squared
    // deviation, and the oldest value removed again for the next bar.  Out of line: rare.
    [[gnu::noinline]] static Reseed reseed(const double* v, std::size_t n, std::size_t h, double inv) {
        auto at = [&](std::size_t j) { return v[h + j < n ? h + j : h + j - n]; };
        double t = 0.0;
        for (std::size_t j = 0; j < n; ++j) t += at(j);
        Reseed r{{t * inv, 0.0, 0.0}, 0.0};
        for (std::size_t j = 0; j < n; ++j) r.sums.add(at(j));
        r.var = r.sums.var(inv);
        if (r.var < 0.000000000001 * (r.sums.s2 * inv)) r.var = 0.0;
        r.sums.remove(at(0));
        return r;
    }
};

}  // namespace threadx::ta
