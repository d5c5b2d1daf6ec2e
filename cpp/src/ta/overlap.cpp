// Overlap Studies (TA-Lib's group): SMA EMA WMA DEMA TEMA TRIMA KAMA T3 MA BBANDS
// MIDPOINT MIDPRICE SAR KC DONCHIAN.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "threadx/ta/atr.hpp"
#include "threadx/ta/dense.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/variance.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

// ---------------------------------------------------------------- moving averages

// MA(period, matype) with the concrete MA type M (MaFn's batch kernel).
template <class M>
struct MaFnOf {
    static constexpr int n_inputs = 1, n_outputs = 1;
    M m;
    explicit MaFnOf(const double* p) : m(make_ma<M>(as_matype(p[1]), as_period(p[0]))) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { y[0] = m.step(x[0]); }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

// A single-input MA state M as an indicator whose parameter is the period, with an
// FMA-built batch loop.
template <class M>
struct PeriodMa {
    static constexpr int n_inputs = 1, n_outputs = 1;
    M m;
    explicit PeriodMa(const double* p) : m(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { y[0] = m.step(x[0]); }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        if constexpr (HasColumnMa<M>) column_ma_batch<M>(as_period(p[0]), in, start, n, out, check);
        else fma_batch<PeriodMa>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

// T3 with its own vfactor.
struct T3Fn {
    static constexpr int n_inputs = 1, n_outputs = 1;
    T3 m;
    explicit T3Fn(const double* p) : m(as_period(p[0]), p[1]) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { y[0] = m.step(x[0]); }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<T3Fn>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

// MA(period, matype): period 1 is the identity for every type.  The batch kernel runs
// the concrete MA type (no variant dispatch per bar).
struct MaFn {
    static constexpr int n_inputs = 1, n_outputs = 1;
    MaState m;
    explicit MaFn(const double* p) : m(as_matype(p[1]), as_period(p[0])) {}
    void update(const double* x, double* y) { y[0] = m.step(x[0]); }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_matype(p[1]), as_period(p[0]), [&]<class M>() {
            if constexpr (HasColumnMa<M>) column_ma_batch<M>(as_period(p[0]), in, start, n, out, check);
            else fma_batch<MaFnOf<M>>(p, in, start, n, out, check);
        });
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

// Bollinger Bands: the MA as middle band, +- the population standard deviation times
// nbdevup/nbdevdn.  As in TA-Lib, the deviation's running sums start with the window
// that ends on the MA's first output bar.

// The bands of one bar from the middle band and the standard deviation (NaN in: NaN out).
THREADX_TA_INLINE void bbands_out(double mid, double sd, double up, double dn, double* y) {
    if (up == dn) {  // TA-Lib's branches: one product when the multipliers are equal
        const double t = up == 1.0 ? sd : sd * up;
        y[0] = mid + t;
        y[2] = mid - t;
    } else {  // else the upper band is fused in TA-Lib's FMA build
        y[0] = up == 1.0 ? mid + sd : fused(sd, up, mid);
        y[2] = dn == 1.0 ? mid - sd : mid - sd * dn;
    }
    y[1] = mid;
}

// Bollinger bands; TA-Lib's lookback is the MA's and at least the deviation's (period - 1:
// MAMA with a long period, MA_Type.DISABLED).
template <class M>
struct BbandsOf {
    static constexpr int n_inputs = 1, n_outputs = 3;
    M ma;
    RollingVar var;
    double up, dn;
    std::int64_t lookback, var_start, count = 0;
    explicit BbandsOf(const double* p)
        : ma(make_ma<M>(as_matype(p[3]), as_period(p[0]))),
          var(as_period(p[0])),
          up(p[1]),
          dn(p[2]),
          lookback(std::max<std::int64_t>(ma_lookback(as_matype(p[3]), as_period(p[0])), as_period(p[0]) - 1)),
          var_start(lookback - (as_period(p[0]) - 1)) {}
    // The middle band and the standard deviation of one bar (NaN before the lookback).
    THREADX_TA_INLINE void middle(double x, double& mid, double& sd) {
        const std::int64_t bar = count++;
        mid = ma.step(x);
        double v = kNaN;
        if (bar >= var_start) v = var.step(x);
        if (bar < lookback) mid = v = kNaN;
        sd = std::sqrt(v);
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        double mid, sd;
        middle(x[0], mid, sd);
        bbands_out(mid, sd, up, dn, y);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ma, var, count); }
};

// The middle band and the standard deviation as two outputs (BBANDS' shared part).
template <class M>
struct BbandsMiddle : BbandsOf<M> {
    static constexpr int n_outputs = 2;
    using BbandsOf<M>::BbandsOf;
    THREADX_TA_INLINE void update(const double* x, double* y) { this->middle(x[0], y[0], y[1]); }
};

// The bands of k sets from the middle band in out[1] and the deviation in out[0] (set
// 0's columns, overwritten last, row by row).
struct BbandsSpread {
    THREADX_TA_INLINE static void run(const double* const* sets, std::int64_t k, std::int64_t start,
                                      std::int64_t n, const Column* out, const CancelCheck& check) {
        const Column sd = out[0], mid = out[1];
        for (std::int64_t s = k - 1; s >= 0; --s) {
            const double up = sets[s][1], dn = sets[s][2];
            const Column* o = out + 3 * s;
            for (std::int64_t i = start; i < n;) {
                const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
                for (; i < stop; ++i) {
                    double y[3];
                    bbands_out(mid[i], sd[i], up, dn, y);
                    o[0][i] = y[0];
                    o[1][i] = y[1];
                    o[2][i] = y[2];
                }
                check();
            }
        }
    }
};

// BBANDS with the SMA (matype 0, its default) over a column: the SMA's running sum and
// the variance's window read straight from the column (no rings), the same steps as
// BbandsOf<Sma> in the same order (bit-identical; the SMA's lookback is period - 1, so
// the variance starts on the first bar as there).  Plain loops: it runs in the FMA build.
struct BbandsSmaColumn {
    THREADX_TA_INLINE static void run(const double* p, const ConstColumn* in, std::int64_t start,
                                      std::int64_t n, const Column* out, const CancelCheck& check) {
        const int period = as_period(p[0]);
        const double up = p[1], dn = p[2], pd = period;
        const Dense d(in[0], n);
        const double* x = d.p;
        RollingVar var(period);
        const std::int64_t warm = n - start < period - 1 ? n : start + period - 1;
        double sum = 0;
        std::int64_t i = start;
        for (; i < warm; ++i) {
            sum = sum + x[i];
            var.step(x[i], x[i], x + i, 1, 0);  // NaN: fewer than `period` values
            out[0][i] = out[1][i] = out[2][i] = kNaN;
        }
        double* const o0 = out[0].data;  // plain pointers: no call left for the FMA build to keep
        double* const o1 = out[1].data;
        double* const o2 = out[2].data;
        const std::int64_t s0 = out[0].stride, s1 = out[1].stride, s2 = out[2].stride;
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            for (; i < stop; ++i) {
                const double* w = x + (i - period + 1);  // this window, oldest first
                const double s = sum + x[i];
                const double mid = s / pd;
                sum = s - w[0];
                const double sd = std::sqrt(var.step(x[i], w[0], w, static_cast<std::size_t>(period), 0));
                double y[3];
                bbands_out(mid, sd, up, dn, y);
                o0[i * s0] = y[0];
                o1[i * s1] = y[1];
                o2[i * s2] = y[2];
            }
            if (i < n) check();
        }
    }
};

struct Bbands : BbandsOf<MaState> {
    using BbandsOf<MaState>::BbandsOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        if (as_matype(p[3]) == static_cast<int>(MaType::SMA) && as_period(p[0]) > 1) {
            fma_run<BbandsSmaColumn>(p, in, start, n, out, check);
            return;
        }
        with_ma_type(as_matype(p[3]), as_period(p[0]), [&]<class M>() {
            fma_batch<BbandsOf<M>>(p, in, start, n, out, check);
        });
    }
    // Sets of one period and MA type: the middle band and the deviation once.
    static constexpr int share[] = {0, 3};
    static void group(const double* const* sets, std::int64_t k, const ConstColumn* in, std::int64_t start,
                      std::int64_t n, const Column* out, const CancelCheck& check) {
        const double* p = sets[0];
        const Column shared[2] = {out[1], out[0]};  // set 0's middle band and upper band (the deviation)
        with_ma_type(as_matype(p[3]), as_period(p[0]), [&]<class M>() {
            fma_batch<BbandsMiddle<M>>(p, in, start, n, shared, check);
        });
        fma_run<BbandsSpread>(sets, k, start, n, out, check);
    }
};

// The midpoint of the window's highest xh and lowest xl, batch, by BlockExtremes (both
// extremes in one pass).  A NaN in the window gives NaN; the values are those of the
// streaming deques (extremes do not depend on the algorithm).
template <bool TwoInputs>
void midpoint_batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                    const Column* out, const CancelCheck& check) {
    using W = BlockExtremes<true, true>;
    const Dense ch(in[0], n), cl(in[TwoInputs ? 1 : 0], TwoInputs ? n : 0);
    const Column o = out[0];
    W::run({ch.p, TwoInputs ? cl.p : ch.p}, start, n, as_period(p[0]),
           [&](std::int64_t i, const W::Win& e) { o[i] = (e.max() + e.min()) / 2.0; },
           [&](std::int64_t i) { o[i] = kNaN; }, check);
}

// Midpoint of the highest and lowest value over the period.
struct Midpoint {
    static constexpr int n_inputs = 1, n_outputs = 1;
    Highest hi;
    Lowest lo;
    explicit Midpoint(const double* p) : hi(as_period(p[0])), lo(as_period(p[0])) {}
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        midpoint_batch<false>(p, in, start, n, out, check);
    }
    void update(const double* x, double* y) {
        hi.push(x[0]);
        lo.push(x[0]);
        y[0] = hi.t >= hi.period ? (hi.value() + lo.value()) / 2.0 : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(hi, lo); }
};

// Midpoint of the highest high and the lowest low over the period.
struct Midprice {
    static constexpr int n_inputs = 2, n_outputs = 1;
    Highest hi;
    Lowest lo;
    explicit Midprice(const double* p) : hi(as_period(p[0])), lo(as_period(p[0])) {}
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        midpoint_batch<true>(p, in, start, n, out, check);
    }
    void update(const double* x, double* y) {
        hi.push(x[0]);
        lo.push(x[1]);
        y[0] = hi.t >= hi.period ? (hi.value() + lo.value()) / 2.0 : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(hi, lo); }
};

// Parabolic SAR, TA-Lib's bootstrap: the first bar is consumed; the direction on the
// second bar is short when its -DM1 is positive, long otherwise; the first SAR is the
// first bar's low (long) or high (short).  An acceleration above the maximum is cut to
// the maximum.
struct Sar {
    static constexpr int n_inputs = 2, n_outputs = 1;
    double acc, max;
    std::int64_t count = 0;
    bool is_long = true;
    double af = 0, ep = 0, sar = 0, new_high = 0, new_low = 0;
    explicit Sar(const double* p) : acc(p[0]), max(p[1]) {
        if (acc > max) acc = max;
        af = acc;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Sar>(p, in, start, n, out, check);
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double high = x[0], low = x[1];
        const std::int64_t bar = count++;
        if (bar == 0) {
            new_high = high;
            new_low = low;
            y[0] = kNaN;
            return;
        }
        if (bar == 1) {
            const double diff_p = high - new_high;
            const double diff_m = new_low - low;
            const double minus_dm = (diff_m > 0.0 ? diff_m : 0.0);
            is_long = !((diff_p < diff_m ? minus_dm : 0.0) > 0);
            if (is_long) {
                ep = high;
                sar = new_low;
            } else {
                ep = low;
                sar = new_high;
            }
            new_low = low;
            new_high = high;
        }
        const double prev_low = new_low, prev_high = new_high;
        new_low = low;
        new_high = high;
        if (is_long) {
            if (new_low <= sar) {  // switch to short
                is_long = false;
                sar = ep;
                if (sar < prev_high) sar = prev_high;
                if (sar < new_high) sar = new_high;
                y[0] = sar;
                af = acc;
                ep = new_low;
                sar = fused(af, ep - sar, sar);
                if (sar < prev_high) sar = prev_high;
                if (sar < new_high) sar = new_high;
            } else {
                y[0] = sar;
                if (new_high > ep) {
                    ep = new_high;
                    af += acc;
                    if (af > max) af = max;
                }
                sar = fused(af, ep - sar, sar);
                if (sar > prev_low) sar = prev_low;
                if (sar > new_low) sar = new_low;
            }
        } else if (new_high >= sar) {  // switch to long
            is_long = true;
            sar = ep;
            if (sar > prev_low) sar = prev_low;
            if (sar > new_low) sar = new_low;
            y[0] = sar;
            af = acc;
            ep = new_high;
            sar = fused(af, ep - sar, sar);
            if (sar > prev_low) sar = prev_low;
            if (sar > new_low) sar = new_low;
        } else {
            y[0] = sar;
            if (new_low < ep) {
                ep = new_low;
                af += acc;
                if (af > max) af = max;
            }
            sar = fused(af, ep - sar, sar);
            if (sar < prev_high) sar = prev_high;
            if (sar < new_high) sar = new_high;
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, is_long, af, ep, sar, new_high, new_low); }
};

// KC (Keltner channels, TA-Lib 0.8): middle = EMA(timeperiod) of the typical price
// (H+L+C)/3, bands = middle +- nbdev * ATR(atrperiod).  As TA-Lib, each leg starts at its
// own lookback before the first output (max of the two lookbacks), so the shorter one
// is seeded late rather than warmed longer.
struct Kc {
    static constexpr int n_inputs = 3, n_outputs = 3;
    Ema ema;
    Atr<false> atr;
    double nbdev;
    std::int64_t lookback, ema_from, atr_from, count = 0;
    explicit Kc(const double* p)
        : ema(as_period(p[0])), atr(p + 1), nbdev(p[2]),
          lookback(std::max(ema.lookback, atr.lookback)),
          ema_from(lookback - ema.lookback), atr_from(lookback - atr.lookback) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        double mid = kNaN, range = kNaN;
        if (bar >= ema_from) mid = ema.step((x[0] + x[1] + x[2]) / 3.0);
        if (bar >= atr_from) atr.update(x, &range);
        if (bar < lookback) {
            y[0] = y[1] = y[2] = kNaN;
            return;
        }
        const double d = range * nbdev;
        y[0] = mid + d;
        y[1] = mid;
        y[2] = mid - d;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ema, atr, count); }
};

// DONCHIAN(high, low, timeperiod): upper = highest high, lower = lowest low of the
// last `timeperiod` bars, middle = (upper + lower) / 2.
struct Donchian {
    static constexpr int n_inputs = 2, n_outputs = 3;
    Highest hi;
    Lowest lo;
    explicit Donchian(const double* p) : hi(as_period(p[0])), lo(as_period(p[0])) {}
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        window_extreme<true>(in[0], start, n, as_period(p[0]), out[0], check);
        window_extreme<false>(in[1], start, n, as_period(p[0]), out[2], check);
        for (std::int64_t i = start; i < n; ++i) out[1][i] = (out[0][i] + out[2][i]) / 2.0;
    }
    void update(const double* x, double* y) {
        hi.push(x[0]);
        lo.push(x[1]);
        if (hi.t < hi.period) {
            y[0] = y[1] = y[2] = kNaN;
            return;
        }
        y[0] = hi.value();
        y[2] = lo.value();
        y[1] = (y[0] + y[2]) / 2.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(hi, lo); }
};

constexpr double kRealMax = 3e37;  // TA-Lib's TA_REAL_MAX

}  // namespace

void register_overlap(std::vector<Info>& r) {
    const std::vector<std::string> kHLC{"high", "low", "close"};
    r.push_back(make_info<SingleMa<Sma>>({"SMA", "Overlap Studies", "Simple Moving Average",
                                          {"real"}, {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info<SingleMa<Ema>>({"EMA", "Overlap Studies", "Exponential Moving Average",
                                          {"real"}, {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info_fma<Kc>({"KC", "Overlap Studies", "Keltner Channels", kHLC,
                                   {period("timeperiod", 20), period("atrperiod", 10, 1),
                                    real("nbdev", 2.0, -3e37, 3e37)},
                                   {"upperband", "middleband", "lowerband"}}));
    r.push_back(make_info<Donchian>({"DONCHIAN", "Overlap Studies", "Donchian Channels",
                                     {"high", "low"}, {period("timeperiod", 20)},
                                     {"upperband", "middleband", "lowerband"}}));
    r.push_back(make_info<PeriodMa<Wma>>({"WMA", "Overlap Studies", "Weighted Moving Average", {"real"},
                                          {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<PeriodMa<Dema>>({"DEMA", "Overlap Studies", "Double Exponential Moving Average",
                                           {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<PeriodMa<Tema>>({"TEMA", "Overlap Studies", "Triple Exponential Moving Average",
                                           {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<PeriodMa<Trima>>({"TRIMA", "Overlap Studies", "Triangular Moving Average", {"real"},
                                            {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<PeriodMa<Kama>>({"KAMA", "Overlap Studies", "Kaufman Adaptive Moving Average",
                                           {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<T3Fn>({"T3", "Overlap Studies", "Triple Exponential Moving Average (T3)", {"real"},
                                 {period("timeperiod", 5, 1), real("vfactor", 0.7, 0, 1)},
                                 {"real"}}));
    r.push_back(make_info<MaFn>({"MA", "Overlap Studies", "Moving average", {"real"},
                                 {period("timeperiod", 30, 1), matype("matype", 0)}, {"real"}}));
    r.push_back(make_info<Bbands>(
        {"BBANDS", "Overlap Studies", "Bollinger Bands", {"real"},
         {period("timeperiod", 20), real("nbdevup", 2, -kRealMax, kRealMax),
          real("nbdevdn", 2, -kRealMax, kRealMax), matype("matype", 0)},
         {"upperband", "middleband", "lowerband"}}));
    r.push_back(make_info<Midpoint>({"MIDPOINT", "Overlap Studies", "MidPoint over period", {"real"},
                                     {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Midprice>({"MIDPRICE", "Overlap Studies", "Midpoint Price over period",
                                     {"high", "low"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Sar>({"SAR", "Overlap Studies", "Parabolic SAR", {"high", "low"},
                                {real("acceleration", 0.02, 0, kRealMax),
                                 real("maximum", 0.2, 0, kRealMax)},
                                {"real"}}));
}

}  // namespace threadx::ta
