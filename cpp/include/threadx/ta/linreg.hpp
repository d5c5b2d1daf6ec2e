#pragma once
// The least-squares line of TA-Lib's LINEARREG family (and TSF, FOSC): the sliding sums
// with TA-Lib's re-anchoring, and the line's outputs.
#include <cmath>
#include <cstdint>

#include "threadx/ta/kernel.hpp"
#include "threadx/ta/ma.hpp"  // fused, THREADX_TA_INLINE

namespace threadx::ta {

// ---------------------------------------------------------------- linear regression

// The least-squares line over the last `period` values, x = period-1 (oldest) .. 0
// (newest) as TA-Lib counts it.  TA-Lib slides SumY and SumXY in O(1) per bar and
// rebuilds them from the window every 32*period bars and on the bar a value that
// outweighs 100x the window's absolute sum leaves; the rebuild walks the window the
// way the priming scan does, so a rebuilt bar equals a fresh start there.
struct LinRegCore {
    int period;
    double pd, sum_x, divisor;
    std::int64_t count = 0, since_reseed = 0;
    double sum_y = 0, sum_xy = 0, sum_abs = 0;
    Ring window;

    explicit LinRegCore(int p) : period(p), pd(p), window(p) {
        sum_x = static_cast<double>(p) * (p - 1) * 0.5;
        const double sum_x_sqr = static_cast<double>(p) * (p - 1) * (2 * p - 1) / 6.0;
        divisor = sum_x * sum_x - pd * sum_x_sqr;
    }

    // The sums afresh from the window held oldest first from slot h of ring (win, n).
    void rebuild(const double* win, std::size_t n, std::size_t h) {
        since_reseed = 32 * static_cast<std::int64_t>(period);
        sum_y = sum_xy = sum_abs = 0;
        double w = static_cast<double>(period - 1);
        for (std::size_t k = h; k < n; ++k, w -= 1.0) {
            const double v = win[k];
            sum_y += v;
            sum_xy += w * v;
            sum_abs += std::fabs(v);
        }
        for (std::size_t k = 0; k < h; ++k, w -= 1.0) {
            const double v = win[k];
            sum_y += v;
            sum_xy += w * v;
            sum_abs += std::fabs(v);
        }
    }

    // Adds v; true (with the slope m and the window sum sy) once a full window is in.
    // The sums are read before the ring's store, so they can stay in registers.
    THREADX_TA_INLINE bool step(double v, double& m, double& sy) {
        const double trailing = window.push(v);
        const std::size_t h = static_cast<std::size_t>(window.head);
        return step(v, trailing, window.v.data(), window.v.size(), h, m, sy);
    }
    // step() with the window given instead of the ring: `trailing` the value `period` bars
    // ago (0.0 before), the last `period` values oldest first from slot h of ring (win, n).
    // A batch passes its column's slice (n = period, h = 0).
    THREADX_TA_INLINE bool step(double v, double trailing, const double* win, std::size_t n, std::size_t h,
                                double& m, double& sy) {
        const std::int64_t t = count;
        double sxy = sum_xy, sa = sum_abs;
        sy = sum_y;
        std::int64_t left = since_reseed;
        count = t + 1;
        if (t < period - 1) return false;
        bool reseed = t == period - 1;
        if (!reseed) {
            const double weighted = pd * trailing;
            sxy = sxy + sy - weighted;
            sy = sy - trailing + v;
            sa = sa - std::fabs(trailing) + std::fabs(v);
            reseed = --left <= 0 || std::fabs(weighted) > 100.0 * sa;
        }
        if (reseed) {
            rebuild(win, n, h);
            sy = sum_y;
            sxy = sum_xy;
        } else {
            sum_y = sy;
            sum_xy = sxy;
            sum_abs = sa;
            since_reseed = left;
        }
        m = (pd * sxy - sum_x * sy) / divisor;
        return true;
    }
    THREADX_TA_INLINE double intercept(double m, double sy) const { return (sy - m * sum_x) / pd; }

    template <class Ar>
    void fields(Ar& ar) { ar(count, since_reseed, sum_y, sum_xy, sum_abs, window); }
};

enum class LinOut { Value, Slope, Angle, Intercept, Forecast };

// The output of the line (m: slope, sy: window sum).
template <LinOut K>
THREADX_TA_INLINE double linreg_out(const LinRegCore& c, double m, double sy) {
    if constexpr (K == LinOut::Value) return fused(m, static_cast<double>(c.period - 1), c.intercept(m, sy));
    else if constexpr (K == LinOut::Slope) return m;
    else if constexpr (K == LinOut::Angle) return std::atan(m) * (180.0 / 3.14159265358979323846);
    else if constexpr (K == LinOut::Intercept) return c.intercept(m, sy);
    else return fused(m, c.pd, c.intercept(m, sy));
}

}  // namespace threadx::ta
