// Statistic Functions (TA-Lib's group): the LINEARREG family, TSF, BETA, CORREL,
// STDDEV, VAR.
//
// The arithmetic follows the TA-Lib build the parity tests run against (the C library
// that reports 0.8.1), including its explicit fused multiply-adds and its re-anchored
// running sums, so values agree with it to the last bit or within a few ulps.
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "threadx/ta/dense.hpp"
#include "threadx/ta/linreg.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/variance.hpp"

namespace threadx::ta {

namespace {

template <LinOut K>
struct LinReg {
    static constexpr int n_inputs = 1, n_outputs = 1;
    LinRegCore c;
    explicit LinReg(const double* p) : c(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        double m, sy;
        y[0] = c.step(x[0], m, sy) ? linreg_out<K>(c, m, sy) : kNaN;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_run<LinReg>(p, in, start, n, out, check);
    }
    // The batch: the window read from the column instead of a ring (the same steps).
    // Plain loops: it runs in the FMA build.
    THREADX_TA_INLINE static void run(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                                      const Column* out, const CancelCheck& check) {
        LinReg s(p);
        const std::int64_t period = s.c.period;
        const Dense d(in[0], n);
        const double* x = d.p;
        double* const o = out[0].data;
        const std::int64_t os = out[0].stride;
        const std::int64_t full = n - start < period ? n : start + period;
        std::int64_t i = start;
        double m = 0, sy = 0;
        for (; i < full; ++i) {  // no value `period` bars ago yet
            const double* w = i - start >= period - 1 ? x + (i - period + 1) : x + i;
            o[i * os] = s.c.step(x[i], 0.0, w, static_cast<std::size_t>(period), 0, m, sy) ? linreg_out<K>(s.c, m, sy)
                                                                                          : kNaN;
        }
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            for (; i < stop; ++i) {
                s.c.step(x[i], x[i - period], x + (i - period + 1), static_cast<std::size_t>(period), 0, m, sy);
                o[i * os] = linreg_out<K>(s.c, m, sy);
            }
            if (i < n) check();
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(c); }
};

// ---------------------------------------------------------------- BETA

// BETA's and CORREL's running sums of a window of pairs (x, y), each measured from a
// shift: sum x, sum y, sum x^2, sum y^2, sum xy.  Each sum sees the same additions and
// subtractions in the same order whatever the order of the five, so both indicators
// keep TA-Lib's values bit for bit.  Held in a local copy across PairWindow::push() (a struct of
// doubles the compiler keeps in registers).
struct PairSums {
    double x = 0, y = 0, xx = 0, yy = 0, xy = 0;
    THREADX_TA_INLINE void add(double dx, double dy) noexcept {
        x += dx;
        y += dy;
        xx += dx * dx;
        yy += dy * dy;
        xy += dx * dy;
    }
    THREADX_TA_INLINE void remove(double dx, double dy) noexcept {
        x -= dx;
        y -= dy;
        xx -= dx * dx;
        yy -= dy * dy;
        xy -= dx * dy;
    }
};

// The rebuild of the shifted sums: the window's means (`mean` of each total; each
// indicator rounds its own way) as the new shifts, then the sums of the values measured
// from them.  The rings of p values are read oldest first, from slot `from`.  (`mean`
// must not capture the state: its address would escape, and the running sums of
// update() would then go through memory on every bar.)
struct ShiftedSums {
    double shift_x = 0, shift_y = 0;
    PairSums s;
};
template <class Mean>
THREADX_TA_INLINE ShiftedSums shifted_sums(const double* bx, const double* by, std::int64_t p, std::int64_t from, Mean mean) {
    ShiftedSums r;
    double tx = 0.0, ty = 0.0;
    for (std::int64_t k = 0, j = from; k < p; ++k, j = j + 1 == p ? 0 : j + 1) {
        tx += bx[j];
        ty += by[j];
    }
    r.shift_x = mean(tx);
    r.shift_y = mean(ty);
    for (std::int64_t k = 0, j = from; k < p; ++k, j = j + 1 == p ? 0 : j + 1)
        r.s.add(bx[j] - r.shift_x, by[j] - r.shift_y);
    return r;
}

// The window of `period` pairs BETA and CORREL share, after TA-Lib: the rings, the sums
// measured from a shift (the first pair, later the window's mean), rebuilt every
// 32*period pairs or when the indicator's rule says they have cancelled, and the leaving
// pair's squared terms (for the next pair's rebuild test).  push() runs pair number k
// (0 = the first) through it and returns the output (NaN until the window is full).
// A rule R gives what differs: `Measure measure(sums)`, `bool cancelled(m, sums,
// leaving_xx, leaving_yy)`, `double mean(total)` (each indicator rounds its own way),
// `void clamp(m)` after a rebuild and `double value(m, sums)`; `kCountFromFull`, where the
// 32*period countdown starts: BETA at the first full window, CORREL at the first pair
// (the same rows; it keeps what a saved state means, and spares CORREL's full rows a
// test: 4.7 % of its instructions).  (The running values are
// locals of push(), read before the ring's stores, so they stay in registers.)
struct PairWindow {
    std::int64_t period;
    std::int64_t since_reseed = 0, head = 0;
    double shift_x = 0, shift_y = 0;
    PairSums sums;
    double leaving_xx = 0, leaving_yy = 0;
    std::vector<double> wx, wy;  // the window (ring, oldest at head once full)

    explicit PairWindow(std::int64_t p)
        : period(p), wx(static_cast<std::size_t>(p), 0.0), wy(static_cast<std::size_t>(p), 0.0) {}

    template <class R>
    THREADX_TA_INLINE double push(std::int64_t k, double xv, double yv, R rule) {
        const std::int64_t p = period;
        double shx = shift_x, shy = shift_y;
        PairSums s = sums;
        const double lxx = leaving_xx, lyy = leaving_yy;
        std::int64_t left = since_reseed;
        if (k == 0) {
            shx = xv;
            shy = yv;
            if constexpr (!R::kCountFromFull) left = 32 * p;
        }
        double* bx = wx.data();
        double* by = wy.data();
        const std::int64_t h = head, hn = h + 1 == p ? 0 : h + 1;
        bx[h] = xv;
        by[h] = yv;
        head = hn;
        s.add(xv - shx, yv - shy);
        double value = kNaN;
        if (k >= p - 1) {
            typename R::Measure m = rule.measure(s);
            if constexpr (R::kCountFromFull)
                if (k == p - 1) left = 32 * p;
            if (--left <= 0 || rule.cancelled(m, s, lxx, lyy)) {
                left = 32 * p;
                const ShiftedSums r = shifted_sums(bx, by, p, hn, [rule](double t) { return rule.mean(t); });
                shx = r.shift_x;
                shy = r.shift_y;
                s = r.s;
                m = rule.measure(s);
                rule.clamp(m);
            }
            const double x = bx[hn] - shx, y = by[hn] - shy;  // the oldest pair leaves after this output
            value = rule.value(m, s);
            leaving_xx = x * x;
            leaving_yy = y * y;
            s.remove(x, y);
        }
        shift_x = shx;
        shift_y = shy;
        sums = s;
        since_reseed = left;
        return value;
    }
};

// Beta of the returns of real1 against those of real0 over `period` returns (lookback
// = period): the slope n*Sxy - Sx*Sy over n*Sxx - Sx^2 of the shifted sums, rebuilt when
// that denominator has cancelled below 1e-6 of its scale or a leaving squared term
// outweighs 1000x the remaining sum.  A zero base price gives a zero return.
struct BetaRule {
    static constexpr bool kCountFromFull = true;
    double n;
    struct Measure {
        double scale, denom;
    };
    THREADX_TA_INLINE Measure measure(const PairSums& s) const {
        const double scale = n * s.xx;
        return {scale, scale - (s.x * s.x)};
    }
    THREADX_TA_INLINE bool cancelled(const Measure& m, const PairSums& s, double lxx, double lyy) const {
        return m.denom < 0.000001 * m.scale || lxx > 1000.0 * s.xx || lyy > 1000.0 * s.yy;
    }
    THREADX_TA_INLINE double mean(double total) const { return total / n; }
    THREADX_TA_INLINE static void clamp(Measure& m) {
        if (m.denom < 0.0) m.denom = 0.0;
    }
    THREADX_TA_INLINE double value(const Measure& m, const PairSums& s) const {
        if (m.denom > 0.00000000000001 * m.scale) return ((n * s.xy) - (s.x * s.y)) / m.denom;
        return m.denom != m.denom ? kNaN : 0.0;  // a NaN return gives NaN, not "flat"
    }
};

struct Beta {
    static constexpr int n_inputs = 2, n_outputs = 1;  // real0 (x), real1 (y)
    PairWindow w;  // of the returns
    BetaRule rule;
    std::int64_t count = 0;  // prices seen
    double last_x = 0, last_y = 0;

    explicit Beta(const double* p) : w(as_period(p[0])), rule{static_cast<double>(w.period)} {}

    THREADX_TA_INLINE void update(const double* in, double* out) {
        const std::int64_t t = count;
        const double px = in[0], py = in[1], lx = last_x, ly = last_y;
        count = t + 1;
        last_x = px;
        last_y = py;
        if (t == 0) {
            out[0] = kNaN;
            return;
        }
        const double rxv = lx != 0.0 ? (px - lx) / lx : 0.0;
        const double ryv = ly != 0.0 ? (py - ly) / ly : 0.0;
        out[0] = w.push(t - 1, rxv, ryv, rule);
    }
    // Restored: the window's slot and the bar count.
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "BETA.count", count, "must not be negative");
        c.index("BETA.head", w.head, w.period);
    }
    template <class Ar>
    void fields(Ar& ar) {
        ar(count, w.since_reseed, w.head, last_x, last_y, w.shift_x, w.shift_y, w.sums.xx, w.sums.yy, w.sums.xy,
           w.sums.x, w.sums.y, w.leaving_xx, w.leaving_yy, w.wx, w.wy);
    }
};

// ---------------------------------------------------------------- CORREL

// Pearson's r over `period` bars from the shifted sums, rebuilt when a sum of squares
// has cancelled below 1e-6 of its raw sum or a leaving squared term outweighs 1e6x the
// sum; clamped to [-1, 1].
struct CorrelRule {
    static constexpr bool kCountFromFull = false;
    double inv;
    struct Measure {
        double ss_x, ss_y, sp;
    };
    THREADX_TA_INLINE Measure measure(const PairSums& s) const {
        return {s.xx - ((s.x * s.x) * inv), s.yy - ((s.y * s.y) * inv), s.xy - ((s.x * s.y) * inv)};
    }
    THREADX_TA_INLINE static bool cancelled(const Measure& m, const PairSums& s, double lxx, double lyy) {
        return m.ss_x < 0.000001 * s.xx || m.ss_y < 0.000001 * s.yy || lxx > 1000000.0 * s.xx ||
               lyy > 1000000.0 * s.yy;
    }
    THREADX_TA_INLINE double mean(double total) const { return total * inv; }
    THREADX_TA_INLINE static void clamp(Measure& m) {
        if (m.ss_x < 0.0) m.ss_x = 0.0;
        if (m.ss_y < 0.0) m.ss_y = 0.0;
    }
    THREADX_TA_INLINE static double value(const Measure& m, const PairSums& s) {
        if (m.ss_x > 0.00000000000001 * s.xx && m.ss_y > 0.00000000000001 * s.yy) {
            const double r = m.sp / std::sqrt(m.ss_x * m.ss_y);
            return r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
        }
        return m.ss_x != m.ss_x || m.ss_y != m.ss_y ? kNaN : 0.0;  // a NaN gives NaN, not "flat"
    }
};

struct Correl {
    static constexpr int n_inputs = 2, n_outputs = 1;
    PairWindow w;
    CorrelRule rule;
    std::int64_t count = 0;

    explicit Correl(const double* p) : w(as_period(p[0])), rule{1.0 / static_cast<double>(w.period)} {}

    THREADX_TA_INLINE void update(const double* in, double* out) {
        const std::int64_t t = count;
        count = t + 1;
        out[0] = w.push(t, in[0], in[1], rule);
    }
    // Restored: the window's slot and the bar count.
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "CORREL.count", count, "must not be negative");
        c.index("CORREL.head", w.head, w.period);
    }
    template <class Ar>
    void fields(Ar& ar) {
        ar(count, w.since_reseed, w.head, w.shift_x, w.shift_y, w.sums.x, w.sums.y, w.sums.xx, w.sums.yy, w.sums.xy,
           w.leaving_xx, w.leaving_yy, w.wx, w.wy);
    }
};

// ---------------------------------------------------------------- statistics

// VAR/STDDEV batch: RollingVar's steps with the window read from the input column
// instead of a ring (the same operations in the same order).
struct VarCarry {
    VarSums sums;
    std::int64_t until_reseed, i;
    bool reseed;
};

// Rows [c.i, stop) up to the first one that needs a reseed (returned with reseed set).
// Out of line and call-free, with the running sums in locals: they stay in registers.
template <class Emit>
[[gnu::noinline]] VarCarry var_run(VarCarry c, const double* x, std::int64_t stop, int period,
                                   double inv, Emit emit) {
    VarSums s = c.sums;
    std::int64_t until = c.until_reseed, i = c.i;
    for (; i < stop; ++i) {
        s.add(x[i]);
        const double var = s.var(inv);
        const double d = s.remove(x[i - period + 1]);
        if (--until <= 0 || s.unreliable(var, d, inv)) return {s, until, i, true};
        emit(i, var);
    }
    return {s, until, i, false};
}

template <class Emit>
void var_rows(const ConstColumn& col, std::int64_t start, std::int64_t n, int period, Emit emit,
              const CancelCheck& check) {
    const Dense cx(col, n);
    const double* x = cx.p;
    const double inv = 1.0 / static_cast<double>(period);
    VarCarry c{{start < n ? x[start] : 0.0, 0, 0}, 32LL * period, start, false};
    for (; c.i < n && c.i - start + 1 < period; ++c.i) {
        c.sums.add(x[c.i]);
        emit(c.i, kNaN);
    }
    while (c.i < n) {
        const std::int64_t stop = n - c.i > kCheckEvery ? c.i + kCheckEvery : n;
        c = var_run(c, x, stop, period, inv, emit);
        if (c.reseed) {
            const RollingVar::Reseed r =
                RollingVar::reseed(x + (c.i - period + 1), static_cast<std::size_t>(period), 0, inv);
            c = {r.sums, 32LL * period, c.i + 1, false};
            emit(c.i - 1, r.var);
        } else if (c.i < n) {
            check();
        }
    }
}

struct Stddev {
    static constexpr int n_inputs = 1, n_outputs = 1;
    RollingVar var;
    double nbdev;
    explicit Stddev(const double* p) : var(as_period(p[0])), nbdev(p[1]) {}
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const double nbdev = p[1];
        const Column o = out[0];
        if (nbdev != 1.0)
            var_rows(in[0], start, n, as_period(p[0]), [o, nbdev](std::int64_t i, double v) { o[i] = std::sqrt(v) * nbdev; }, check);
        else
            var_rows(in[0], start, n, as_period(p[0]), [o](std::int64_t i, double v) { o[i] = std::sqrt(v); }, check);
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = var.step(x[0]);
        y[0] = nbdev != 1.0 ? std::sqrt(v) * nbdev : std::sqrt(v);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(var); }
};

// VAR ignores nbdev, as TA-Lib does.
struct Var {
    static constexpr int n_inputs = 1, n_outputs = 1;
    RollingVar var;
    explicit Var(const double* p) : var(as_period(p[0])) {}
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const Column o = out[0];
        var_rows(in[0], start, n, as_period(p[0]), [o](std::int64_t i, double v) { o[i] = v; }, check);
    }
    THREADX_TA_INLINE void update(const double* x, double* y) { y[0] = var.step(x[0]); }
    template <class Ar>
    void fields(Ar& ar) { ar(var); }
};

constexpr double kRealMax = 3e37;  // TA-Lib's TA_REAL_MAX

}  // namespace

void register_statistic(std::vector<Info>& r) {
    r.push_back(make_info<LinReg<LinOut::Value>>({"LINEARREG", "Statistic Functions", "Linear Regression",
                                                  {"real"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<LinReg<LinOut::Slope>>({"LINEARREG_SLOPE", "Statistic Functions",
                                                  "Linear Regression Slope", {"real"},
                                                  {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<LinReg<LinOut::Angle>>({"LINEARREG_ANGLE", "Statistic Functions",
                                                  "Linear Regression Angle", {"real"},
                                                  {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<LinReg<LinOut::Intercept>>({"LINEARREG_INTERCEPT", "Statistic Functions",
                                                      "Linear Regression Intercept", {"real"},
                                                      {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<LinReg<LinOut::Forecast>>({"TSF", "Statistic Functions", "Time Series Forecast",
                                                     {"real"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Beta>({"BETA", "Statistic Functions", "Beta", {"real0", "real1"},
                                 {period("timeperiod", 5, 1)}, {"real"}}));
    r.push_back(make_info<Correl>({"CORREL", "Statistic Functions", "Pearson's Correlation Coefficient (r)",
                                   {"real0", "real1"}, {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<Stddev>({"STDDEV", "Statistic Functions", "Standard Deviation", {"real"},
                                   {period("timeperiod", 5), real("nbdev", 1, -kRealMax, kRealMax)},
                                   {"real"}}));
    r.push_back(make_info<Var>({"VAR", "Statistic Functions", "Variance", {"real"},
                                {period("timeperiod", 5, 1), real("nbdev", 1, -kRealMax, kRealMax)},
                                {"real"}}));
}

}  // namespace threadx::ta
