// The Momentum Indicators TA-Lib 0.8 added: AC AO CMOU COPPOCK DPO ER ERI FOSC FRACTAL
// IMI KDJ QSTICK SMI TSI VHF VORTEX WAD (ROCR100 is with the other rates of change in
// momentum.cpp).
//
// Each state follows the TA-Lib build the parity tests run against (C library 0.8.1): its
// running sums anchored where TA-Lib starts them, their add / read / drop order, its seeds
// and its zero tests, so the values agree to the last bits.  The building blocks are the
// shared ones: Sma / Ema / Wma of ma.hpp, the block window extremes of window.hpp, the
// regression line of linreg.hpp (FOSC), STOCH of stoch.hpp (KDJ), the true range of
// atr.hpp (VORTEX).  A NaN input poisons a running state and gives NaN while a window
// holds it (ThreadX's rule; TA-Lib's comparisons skip it).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "threadx/ta/atr.hpp"
#include "threadx/ta/dense.hpp"
#include "threadx/ta/linreg.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/stoch.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

// 0 for a number, NaN for a NaN: added to a running sum, it poisons the sum where
// TA-Lib's comparisons would skip the bar.
inline double nan0(double v) noexcept { return v - v; }

// An SMA (TA-Lib's running sum: add, read, drop the oldest) started `skip` bars after
// the first bar, where TA-Lib anchors it inside a composite; NaN until it has a window.
struct AnchoredSma {
    std::int64_t skip;
    Sma sma;
    AnchoredSma(int period, std::int64_t skip_bars) : skip(skip_bars), sma(period) {}
    THREADX_TA_INLINE double step(double v) {
        if (skip > 0) {
            --skip;
            return kNaN;
        }
        return sma.step(v);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(skip, sma); }
    template <class C>
    void check(const C& c) const { c.that(skip >= 0, "SMA.skip", skip, "must not be negative"); }
};

// ---------------------------------------------------------------- window recomputed

// The batch of a state S whose output is recomputed from its window each bar (TA-Lib's
// definition): S::window(p, i, x, y) fills row i from the rows before it (x[k]: input
// k as a plain pointer), as update() does from its rings; rows before S::first(p) bars
// from `start`, and rows within S::span(p) bars after a NaN, are NaN.  The cancel token
// is checked every kCheckEvery units of work (S::work_per_bar per row).
template <class S>
void window_rows(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n, const Column* out,
                 const CancelCheck& check) {
    constexpr int NI = S::n_inputs, NO = S::n_outputs;
    Dense d[NI];
    const double* x[NI];
    for (int k = 0; k < NI; ++k) x[k] = d[k].bind(in[k], n);
    const std::int64_t first = S::first(p), span = S::span(p), every = bars_between_checks<S>(p);
    std::int64_t last_nan = -(std::int64_t(1) << 62), i = start;
    double y[NO];
    while (i < n) {
        const std::int64_t stop = n - i > every ? i + every : n;
        for (; i < stop; ++i) {
            for (int k = 0; k < NI; ++k)
                if (x[k][i] != x[k][i]) last_nan = i;
            if (i - start < first || i - last_nan < span) {
                for (int j = 0; j < NO; ++j) out[j][i] = kNaN;
                continue;
            }
            S::window(p, i, x, y);
            for (int j = 0; j < NO; ++j) out[j][i] = y[j];
        }
        if (i < n) check();
    }
}

// ---------------------------------------------------------------- AO AC

// Awesome Oscillator: SMA(fast) - SMA(slow) of the median price (high + low) / 2, both
// running sums anchored where the longer window starts.  An inverted pair is not
// swapped (the result is -AO, as TA-Lib's).
struct AoCore {
    AnchoredSma fast, slow;
    static std::int64_t lookback(int f, int s) { return (f > s ? f : s) - 1; }
    AoCore(int f, int s) : fast(f, lookback(f, s) - (f - 1)), slow(s, lookback(f, s) - (s - 1)) {}
    THREADX_TA_INLINE double step(double high, double low) {
        const double median = (high + low) / 2.0;
        const double a = fast.step(median), b = slow.step(median);
        return a - b;  // NaN until both windows are full
    }
    template <class Ar>
    void fields(Ar& ar) { ar(fast, slow); }
};

struct Ao {
    static constexpr int n_inputs = 2, n_outputs = 1;  // high, low
    AoCore ao;
    explicit Ao(const double* p) : ao(as_period(p[0]), as_period(p[1])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { y[0] = ao.step(x[0], x[1]); }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        state_rows<Ao>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ao); }
};

// Accelerator/Decelerator: AO - SMA(signal) of AO.
struct Ac {
    static constexpr int n_inputs = 2, n_outputs = 1;  // high, low
    AoCore ao;
    Sma signal;
    explicit Ac(const double* p) : ao(as_period(p[0]), as_period(p[1])), signal(as_period(p[2])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double osc = ao.step(x[0], x[1]);
        if (osc != osc && signal.count == 0) {  // AO's warm-up (a NaN later is a NaN input)
            y[0] = kNaN;
            return;
        }
        y[0] = osc - signal.step(osc);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        state_rows<Ac>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ao, signal); }
};

// ---------------------------------------------------------------- CMOU

// Unsmoothed Chande momentum: the up and down moves of the last `period` changes as
// moving-window sums (drop the oldest change, add the newest); 100 * (up - down) / (up +
// down), 0 for a flat window.
struct Cmou {
    static constexpr int n_inputs = 1, n_outputs = 1;
    int period;
    std::int64_t count = 0;
    double prev = 0, trailing = 0, up = 0, down = 0;
    Ring w;  // the last `period` prices
    explicit Cmou(const double* p) : period(as_period(p[0])), w(period) {}
    // Adds (sign +1) or removes (-1) the change d, as TA-Lib's branches do.
    THREADX_TA_INLINE void move(double d, double sign) {
        if (d > 0.0) up += sign * d;
        else if (d < 0.0) down -= sign * d;
        else if (d != d) up = down = kNaN;
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = x[0];
        const double old = w.push(v);  // the price `period` bars ago, once there is one
        const std::int64_t bar = count++;
        y[0] = kNaN;
        if (bar == 0) {
            prev = trailing = v;
            return;
        }
        if (bar > period) {
            move(old - trailing, -1.0);
            trailing = old;
        }
        move(v - prev, 1.0);
        prev = v;
        if (bar < period) return;
        const double sum = up + down;
        y[0] = !is_zero(sum) ? 100.0 * (up - down) / sum : 0.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, prev, trailing, up, down, w); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "CMOU.count", count, "must not be negative"); }
};

// ---------------------------------------------------------------- COPPOCK

// WMA(wmaperiod) of ROC(roc1period) + ROC(roc2period) (each 0 where its base price is 0),
// the WMA being TA-Lib's running form (ma.hpp's Wma) started on the first sum.
struct Coppock {
    static constexpr int n_inputs = 1, n_outputs = 1;
    int r1, r2;
    std::int64_t lag, count = 0;
    Ring w;  // the last lag + 1 prices
    Wma wma;
    explicit Coppock(const double* p)
        : r1(as_period(p[1])), r2(as_period(p[2])), lag(r1 > r2 ? r1 : r2), w(lag + 1), wma(as_period(p[0])) {}
    static double roc(double v, double base) { return base != 0.0 ? (v / base - 1.0) * 100.0 : 0.0; }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = x[0];
        w.push(v);
        if (count < lag) {
            ++count;
            y[0] = kNaN;
            return;
        }
        y[0] = wma.step(roc(v, w.back(r1)) + roc(v, w.back(r2)));
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, w, wma); }
    template <class C>
    void check(const C& c) const { c.within("COPPOCK.count", count, 0, lag); }
};

// ---------------------------------------------------------------- DPO

// Detrended price: the price timeperiod/2 + 1 bars ago minus the SMA of the last
// `timeperiod` prices (the SMA anchored where TA-Lib starts it).
struct Dpo {
    static constexpr int n_inputs = 1, n_outputs = 1;
    int shift;
    std::int64_t lookback, count = 0;
    Ring w;  // the last shift + 1 prices
    AnchoredSma sma;
    static std::int64_t lookback_of(int p) { return std::max<std::int64_t>(p - 1, p / 2 + 1); }
    explicit Dpo(const double* p)
        : shift(as_period(p[0]) / 2 + 1),
          lookback(lookback_of(as_period(p[0]))),
          w(shift + 1),
          sma(as_period(p[0]), lookback - (as_period(p[0]) - 1)) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        w.push(x[0]);
        const double mean = sma.step(x[0]);
        if (count < lookback) {
            ++count;
            y[0] = kNaN;
            return;
        }
        y[0] = w.back(shift) - mean;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, w, sma); }
    template <class C>
    void check(const C& c) const { c.within("DPO.count", count, 0, lookback); }
};

// ---------------------------------------------------------------- ER

// Kaufman's efficiency ratio, TA-Lib's (KAMA's inner ratio): |x - x[-period]| over the
// running sum of the `period` absolute changes, 1 where that sum is <= 0 or <= the
// signed change; the sum is reset to exactly 0 after `period` exactly-zero changes.
struct Er {
    static constexpr int n_inputs = 1, n_outputs = 1;
    int period;
    std::int64_t count = 0, null_run = 0;
    double prev = 0, trailing = 0, sum = 0;
    Ring w;  // the last `period` prices
    explicit Er(const double* p) : period(as_period(p[0])), w(period) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = x[0];
        const double old = w.push(v);
        const std::int64_t bar = count++;
        y[0] = kNaN;
        if (bar <= period) {  // the first window: changes summed in order
            if (bar > 0) {
                const double d = prev - v;
                sum += std::fabs(d);
                null_run = d == 0.0 ? null_run + 1 : 0;
            }
            prev = v;
            if (bar < period) return;
            trailing = old;
            y[0] = ratio(v - old);
            return;
        }
        sum -= std::fabs(trailing - old);
        const double d = v - prev;
        sum += std::fabs(d);
        null_run = d == 0.0 ? null_run + 1 : 0;
        if (null_run >= period) {
            null_run = period;
            sum = 0.0;
        }
        trailing = old;
        prev = v;
        y[0] = ratio(v - old);
    }
    THREADX_TA_INLINE double ratio(double change) const {
        return sum <= 0.0 || sum <= change ? (change != change ? kNaN : 1.0) : std::fabs(change / sum);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, null_run, prev, trailing, sum, w); }
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "ER.count", count, "must not be negative");
        c.within("ER.null_run", null_run, 0, period);
    }
};

// ---------------------------------------------------------------- ERI

// Elder ray: high - EMA(close) and low - EMA(close) (TA-Lib's EMA, unstable period
// included); period 1 is the close itself after the unstable period.
struct Eri {
    static constexpr int n_inputs = 3, n_outputs = 2;  // high, low, close -> bull, bear
    Ema ema;
    explicit Eri(const double* p) : ema(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        double e;
        if (ema.period == 1) e = ema.count++ >= ema.lookback ? x[2] : kNaN;
        else e = ema.step(x[2]);
        y[0] = x[0] - e;
        y[1] = x[1] - e;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Eri>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ema); }
};

// ---------------------------------------------------------------- FOSC

// Forecast oscillator: 100 * (x - TSF[t-1]) / x, 0 where x is 0; TSF is the forecast of
// the regression over the `period` values before this one (linreg.hpp, TA-Lib's sums).
struct Fosc {
    static constexpr int n_inputs = 1, n_outputs = 1;
    LinRegCore c;
    double forecast = kNaN;  // TSF of the window ending on the previous bar
    explicit Fosc(const double* p) : c(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = x[0];
        y[0] = forecast != forecast ? kNaN : v != 0.0 ? 100.0 * (v - forecast) / v : 0.0;
        double m, sy;
        if (c.step(v, m, sy)) forecast = linreg_out<LinOut::Forecast>(c, m, sy);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Fosc>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(c, forecast); }
};

// ---------------------------------------------------------------- FRACTAL

// Williams' fractal, reported `rightbars` bars late: 100 where the bar `rightbars` ago
// has a high above (a low below) every other bar of the window of leftbars + rightbars
// + 1 bars, else 0 (integer outputs; NaN -> 0 while the window holds a NaN).
struct Fractal {
    static constexpr int n_inputs = 2, n_outputs = 2;  // high, low -> swinghigh, swinglow
    int left, right;
    std::int64_t len, t = -1, last_nan = -(std::int64_t(1) << 62);
    Ring hi, lo;  // the window
    explicit Fractal(const double* p)
        : left(as_period(p[0])), right(as_period(p[1])), len(left + right + 1), hi(len), lo(len) {}
    static std::int64_t first(const double* p) { return as_period(p[0]) + as_period(p[1]); }
    static std::int64_t span(const double* p) { return first(p) + 1; }
    static std::int64_t work_per_bar(const double* p) { return span(p); }
    // The window's two flags; h(k), l(k): the bar k bars ago (k <= len - 1), TA-Lib's scan
    // from the oldest bar.
    template <class H, class L>
    THREADX_TA_INLINE static void flags(std::int64_t len, std::int64_t right, const H& h, const L& l, double* y) {
        double other_hi = h(len - 1), other_lo = l(len - 1);
        for (std::int64_t k = len - 2; k >= 0; --k) {
            if (k == right) continue;
            const double a = h(k), b = l(k);
            other_hi = a > other_hi ? a : other_hi;
            other_lo = b < other_lo ? b : other_lo;
        }
        y[0] = h(right) > other_hi ? 100.0 : 0.0;
        y[1] = l(right) < other_lo ? 100.0 : 0.0;
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        hi.push(x[0]);
        lo.push(x[1]);
        if (x[0] != x[0] || x[1] != x[1]) last_nan = t + 1;
        if (++t < len - 1 || t - last_nan < len) {
            y[0] = y[1] = kNaN;
            return;
        }
        flags(len, right, [this](std::int64_t k) { return hi.back(k); }, [this](std::int64_t k) { return lo.back(k); },
              y);
    }
    THREADX_TA_INLINE static void window(const double* p, std::int64_t i, const double* const* x, double* y) {
        const double *h = x[0] + i, *l = x[1] + i;
        flags(span(p), as_period(p[1]), [h](std::int64_t k) { return h[-k]; }, [l](std::int64_t k) { return l[-k]; },
              y);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        window_rows<Fractal>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(t, last_nan, hi, lo); }
    template <class C>
    void check(const C& c) const {
        c.within("FRACTAL.t", t, -1, std::numeric_limits<std::int64_t>::max() - 1);
        c.that(last_nan <= t, "FRACTAL.last_nan", last_nan, "must not be after the last bar");
    }
};

// ---------------------------------------------------------------- IMI

// Intraday momentum index over the last `period` bars, summed afresh each bar as TA-Lib
// does: 100 * up / (up + down) of the bodies close - open, 50 for a window of doji
// bars (up + down exactly 0, as TA-Lib 0.8.1).  No unstable period: TA-Lib 0.8.1's IMI
// ignores the one its enum still lists (as MFI does).
struct Imi {
    static constexpr int n_inputs = 2, n_outputs = 1;  // open, close
    int period;
    std::int64_t count = 0;
    Ring body;  // close - open of the last `period` bars
    explicit Imi(const double* p) : period(as_period(p[0])), body(period) {}
    static std::int64_t first(const double* p) { return as_period(p[0]) - 1; }
    static std::int64_t span(const double*) { return 0; }  // a NaN body poisons the sums itself
    static std::int64_t work_per_bar(const double* p) { return as_period(p[0]); }
    // b(k): the body k bars ago (k < period), summed oldest first.
    template <class B>
    THREADX_TA_INLINE static double of(std::int64_t period, const B& b) {
        double up = 0.0, down = 0.0;
        for (std::int64_t k = period - 1; k >= 0; --k) {
            const double d = b(k);
            if (d > 0.0) up += d;
            else down += -d;
        }
        const double sum = up + down;
        return is_zero(sum) ? 50.0 : 100.0 * (up / sum);
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        body.push(x[1] - x[0]);
        if (count < period - 1) {
            ++count;
            y[0] = kNaN;
            return;
        }
        y[0] = of(period, [this](std::int64_t k) { return body.back(k); });
    }
    THREADX_TA_INLINE static void window(const double* p, std::int64_t i, const double* const* x, double* y) {
        const double *o = x[0] + i, *c = x[1] + i;
        y[0] = of(as_period(p[0]), [o, c](std::int64_t k) { return c[-k] - o[-k]; });
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        window_rows<Imi>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, body); }
    template <class C>
    void check(const C& c) const { c.within("IMI.count", count, 0, period - 1); }
};

// ---------------------------------------------------------------- KDJ

// STOCH's slow %K and %D (stoch.hpp, any MA type) and J = 3K - 2D.
struct Kdj {
    static constexpr int n_inputs = 3, n_outputs = 3;  // high, low, close -> k, d, j
    Stoch stoch;
    explicit Kdj(const double* p) : stoch(p) {}
    static double j_of(double k, double d) { return 3.0 * k - 2.0 * d; }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        stoch.update(x, y);
        y[2] = j_of(y[0], y[1]);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        Stoch::batch(p, in, start, n, out, check);
        const Column k = out[0], d = out[1], j = out[2];
        for (std::int64_t i = start; i < n; ++i) j[i] = j_of(k[i], d[i]);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(stoch); }
};

// ---------------------------------------------------------------- QSTICK

// Qstick: the SMA of close - open.
struct Qstick {
    static constexpr int n_inputs = 2, n_outputs = 1;  // open, close
    Sma sma;
    explicit Qstick(const double* p) : sma(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { y[0] = sma.step(x[1] - x[0]); }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        state_rows<Qstick>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(sma); }
};

// ---------------------------------------------------------------- SMI TSI

// A numerator and a denominator smoothed by the same EMA (TA-Lib's, unstable period
// included), the second one started on the first's first value: Blau's stages.
struct EmaPair {
    Ema num, den;
    explicit EmaPair(int p) : num(p), den(p) {}
    bool ready() const noexcept { return num.ready(); }
    THREADX_TA_INLINE void step(double a, double b) {
        num.step(a);
        den.step(b);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(num, den); }
};

// Two stages of EMA pairs over (a, b); true once the second has a value.
struct DoubleSmoothing {
    EmaPair first, second;
    DoubleSmoothing(int p1, int p2) : first(p1), second(p2) {}
    THREADX_TA_INLINE bool step(double a, double b) {
        first.step(a, b);
        if (!first.ready()) return false;
        second.step(first.num.prev, first.den.prev);
        return second.ready();
    }
    double num() const noexcept { return second.num.prev; }
    double den() const noexcept { return second.den.prev; }
    template <class Ar>
    void fields(Ar& ar) { ar(first, second); }
};

// Stochastic momentum index: close - the window's midpoint, over half its range, each
// smoothed by EMA(slow) then EMA(fast); 0 where the smoothed range is 0; its signal
// EMA.
struct Smi {
    static constexpr int n_inputs = 3, n_outputs = 2;  // high, low, close -> smi, signal
    StochWindow w;
    DoubleSmoothing s;
    Ema signal;
    explicit Smi(const double* p)
        : w(as_period(p[0])), s(as_period(p[2]), as_period(p[1])), signal(as_period(p[3])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        y[0] = y[1] = kNaN;
        w.push(x[0], x[1]);
        if (!w.full()) return;
        const StochWindow::Win e = w.window();
        const bool nan = w.has_nan() || x[2] != x[2];
        const double hh = nan ? kNaN : e.max(), ll = nan ? kNaN : e.min();
        if (!s.step(x[2] - (hh + ll) * 0.5, hh - ll)) return;
        const double half = 0.5 * s.den();
        const double smi = half > 0.0 || half != half ? 100.0 * s.num() / half : 0.0;
        const double sig = signal.step(smi);
        if (!signal.ready()) return;
        y[0] = smi;
        y[1] = sig;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Smi>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w, s, signal); }
};

// True strength index: the one-bar momentum and its magnitude, each smoothed by
// EMA(first) then EMA(second); 100 * num / den, 0 where den is 0.
struct Tsi {
    static constexpr int n_inputs = 1, n_outputs = 1;
    DoubleSmoothing s;
    double prev = 0;
    bool started = false;
    explicit Tsi(const double* p) : s(as_period(p[0]), as_period(p[1])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        y[0] = kNaN;
        const double v = x[0], mom = v - prev;
        prev = v;
        if (!started) {
            started = true;
            return;
        }
        if (!s.step(mom, std::fabs(mom))) return;
        const double den = s.den();
        y[0] = den > 0.0 || den != den ? 100.0 * s.num() / den : 0.0;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Tsi>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(s, prev, started); }
};

// ---------------------------------------------------------------- VHF

// Vertical horizontal filter: (highest - lowest) of the last `period` values over the
// sum of the last `period` absolute changes (summed afresh, as TA-Lib), 0 for a flat
// window.
struct Vhf {
    static constexpr int n_inputs = 1, n_outputs = 1;
    int period;
    std::int64_t t = -1, last_nan = -(std::int64_t(1) << 62);
    Ring w;  // the last period + 1 values
    explicit Vhf(const double* p) : period(as_period(p[0])), w(period + 1) {}
    static std::int64_t first(const double* p) { return as_period(p[0]); }
    static std::int64_t span(const double* p) { return as_period(p[0]) + 1; }
    static std::int64_t work_per_bar(const double* p) { return as_period(p[0]); }
    // v(k): the value k bars ago (k <= period), TA-Lib's scan from the oldest.
    template <class V>
    THREADX_TA_INLINE static double of(std::int64_t period, const V& v) {
        double hh = v(0), ll = hh, sum = 0.0, prev = v(period);
        for (std::int64_t k = period - 1; k >= 0; --k) {
            const double c = v(k);
            sum += std::fabs(c - prev);
            hh = c > hh ? c : hh;
            ll = c < ll ? c : ll;
            prev = c;
        }
        return sum > 0.0 ? (hh - ll) / sum : 0.0;
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        w.push(x[0]);
        if (x[0] != x[0]) last_nan = t + 1;
        if (++t < period || t - last_nan <= period) {
            y[0] = kNaN;
            return;
        }
        y[0] = of(period, [this](std::int64_t k) { return w.back(k); });
    }
    THREADX_TA_INLINE static void window(const double* p, std::int64_t i, const double* const* x, double* y) {
        const double* v = x[0] + i;
        y[0] = of(as_period(p[0]), [v](std::int64_t k) { return v[-k]; });
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        window_rows<Vhf>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(t, last_nan, w); }
    template <class C>
    void check(const C& c) const {
        c.within("VHF.t", t, -1, std::numeric_limits<std::int64_t>::max() - 1);
        c.that(last_nan <= t, "VHF.last_nan", last_nan, "must not be after the last bar");
    }
};

// ---------------------------------------------------------------- VORTEX

// Vortex: the moving-window sums of |high - previous low| and |low - previous high| over
// the sum of the true ranges; the true-range sum is reset to exactly 0 after `period`
// zero ranges, and a zero sum gives 0 for both lines.
struct Vortex {
    static constexpr int n_inputs = 3, n_outputs = 2;  // high, low, close -> plusvi, minusvi
    int period;
    std::int64_t count = 0, null_run = 0;
    double ph = 0, pl = 0, pc = 0, str = 0, svp = 0, svm = 0;
    Ring tr, vp, vm;  // the window's terms, oldest at head
    explicit Vortex(const double* p) : period(as_period(p[0])), tr(period), vp(period), vm(period) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double h = x[0], l = x[1];
        const std::int64_t bar = count++;
        y[0] = y[1] = kNaN;
        if (bar > 0) {
            const double r = true_range(h, l, pc), a = std::fabs(h - pl), b = std::fabs(l - ph);
            str += r;
            svp += a;
            svm += b;
            tr.push(r);
            vp.push(a);
            vm.push(b);
            null_run = r == 0.0 ? null_run + 1 : 0;
            if (bar >= period) {
                if (null_run >= period) {
                    null_run = period;
                    str = 0.0;
                }
                const double ctr = str, cvp = svp, cvm = svm;
                const std::size_t oldest = static_cast<std::size_t>(tr.head);
                str -= tr.v[oldest];
                svp -= vp.v[oldest];
                svm -= vm.v[oldest];
                const bool pos = ctr > 0.0 || ctr != ctr;
                y[0] = pos ? cvp / ctr : 0.0;
                y[1] = pos ? cvm / ctr : 0.0;
            }
        }
        ph = h;
        pl = l;
        pc = x[2];
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, null_run, ph, pl, pc, str, svp, svm, tr, vp, vm); }
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "VORTEX.count", count, "must not be negative");
        c.within("VORTEX.null_run", null_run, 0, period);
        c.that(tr.head == vp.head && vp.head == vm.head, "VORTEX.head", tr.head, "must be the same in the three rings");
    }
};

// ---------------------------------------------------------------- WAD

// Williams' accumulation/distribution (no volume): the close against the true-range
// extreme on the side it moved to, accumulated from 0 on the first bar.
struct Wad {
    static constexpr int n_inputs = 3, n_outputs = 1;  // high, low, close
    bool started = false;
    double prev = 0, sum = 0;
    explicit Wad(const double*) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double h = x[0], l = x[1], c = x[2];
        if (!started) {
            started = true;
            prev = c;
        }
        if (c > prev) sum += c - (prev < l ? prev : l);
        else if (c < prev) sum += c - (prev > h ? prev : h);
        sum += nan0(h) + nan0(l) + nan0(c);
        prev = c;
        y[0] = sum;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(started, prev, sum); }
};

}  // namespace

void register_oscillator(std::vector<Info>& r) {
    const char* kG = "Momentum Indicators";
    const std::vector<std::string> kHL{"high", "low"}, kHLC{"high", "low", "close"}, kOC{"open", "close"};
    r.push_back(make_info<Ac>({"AC", kG, "Accelerator/Decelerator Oscillator", kHL,
                               {period("fastperiod", 5), period("slowperiod", 34), period("signalperiod", 5)},
                               {"real"}}));
    r.push_back(make_info<Ao>({"AO", kG, "Awesome Oscillator", kHL, {period("fastperiod", 5), period("slowperiod", 34)},
                               {"real"}}));
    r.push_back(make_info<Cmou>({"CMOU", kG, "Chande Momentum Oscillator (Unsmoothed)", {"real"},
                                 {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Coppock>({"COPPOCK", kG, "Coppock Curve", {"real"},
                                    {period("wmaperiod", 10, 1), period("roc1period", 11, 1),
                                     period("roc2period", 14, 1)},
                                    {"real"}}));
    r.push_back(make_info<Dpo>({"DPO", kG, "Detrended Price Oscillator", {"real"}, {period("timeperiod", 20)},
                                {"real"}}));
    r.push_back(make_info<Er>({"ER", kG, "Kaufman Efficiency Ratio", {"real"}, {period("timeperiod", 10)}, {"real"}}));
    r.push_back(make_info<Eri>({"ERI", kG, "Elder Ray Index (Bull Power / Bear Power)", kHLC,
                                {period("timeperiod", 13, 1)}, {"bullpower", "bearpower"}}));
    r.push_back(make_info<Fosc>({"FOSC", kG, "Forecast Oscillator", {"real"}, {period("timeperiod", 5)}, {"real"}}));
    r.push_back(integer_outputs(make_info<Fractal>({"FRACTAL", kG, "Williams Fractal", kHL,
                                                    {period("leftbars", 2, 1), period("rightbars", 2, 1)},
                                                    {"swinghigh", "swinglow"}})));
    r.push_back(make_info<Imi>({"IMI", kG, "Intraday Momentum Index", kOC, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Kdj>({"KDJ", kG, "KDJ Stochastic", kHLC,
                                {period("fastk_period", 9, 1), period("slowk_period", 3, 1), matype("slowk_matype", 13),
                                 period("slowd_period", 3, 1), matype("slowd_matype", 13)},
                                {"k", "d", "j"}}));
    r.push_back(make_info<Qstick>({"QSTICK", kG, "Qstick", kOC, {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<Smi>({"SMI", kG, "Stochastic Momentum Index", kHLC,
                                {period("timeperiod", 13), period("fastperiod", 2), period("slowperiod", 25),
                                 period("signalperiod", 9)},
                                {"smi", "smisignal"}}));
    r.push_back(make_info<Tsi>({"TSI", kG, "True Strength Index", {"real"},
                                {period("firstperiod", 25), period("secondperiod", 13)}, {"real"}}));
    r.push_back(make_info<Vhf>({"VHF", kG, "Vertical Horizontal Filter", {"real"}, {period("timeperiod", 28)},
                                {"real"}}));
    r.push_back(make_info<Vortex>({"VORTEX", kG, "Vortex Indicator", kHLC, {period("timeperiod", 14, 1)},
                                   {"plusvi", "minusvi"}}));
    r.push_back(make_info<Wad>({"WAD", kG, "Williams' Accumulation/Distribution", kHLC, {}, {"real"}}));
}

}  // namespace threadx::ta
