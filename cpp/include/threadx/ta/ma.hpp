#pragma once
// TA-Lib's moving averages as single-input states (step(x) -> latest value or NaN),
// and MaState, the run-time choice by MA_Type used by MA, BBANDS, MACDEXT, STOCH, ...
#include <cmath>
#include <type_traits>
#include <utility>
#include <variant>

#include "threadx/ta/dense.hpp"
#include "threadx/ta/hilbert.hpp"
#include "threadx/ta/kernel.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

// Forces the per-bar step into its caller's loop (the batch kernel keeps the state in
// registers only when the whole step is inlined).
#define THREADX_TA_INLINE [[gnu::always_inline]] inline

// Fused multiply-add, exactly rounded on every CPU.  TA-Lib 0.8 is built twice and runs
// its FMA build where the CPU has FMA: its EMA-family recursions (EMA steps, KAMA, T3,
// SAR, ...) are then fused.  ThreadX spells those steps with fused() - the same values
// on every CPU, streaming and batch alike - and compiles their batch loop twice the
// same way (fma_batch below), so the fused steps are single instructions where the CPU
// has FMA and exact library calls elsewhere.
THREADX_TA_INLINE double fused(double a, double b, double c) { return std::fma(a, b, c); }

// One EMA step as TA-Lib's FMA build computes it: (x - prev) * k + prev, fused.
THREADX_TA_INLINE double ema_next(double prev, double x, double k) { return fused(x - prev, k, prev); }

// TA-Lib 0.8's MA_Type.  DISABLED is the identity at every period; DEFAULT stands for
// the parameter's own default type and is replaced by it before a state is made
// (resolve_params), so no MA state ever sees it.
enum class MaType : int {
    SMA = 0, EMA = 1, WMA = 2, DEMA = 3, TEMA = 4, TRIMA = 5, KAMA = 6, MAMA = 7, T3 = 8,
    HMA = 9, DISABLED = 10, DEFAULT = 11, ZLEMA = 12, RMA = 13
};

// Simple moving average: TA-Lib's running sum (add the new value, output, then drop
// the oldest), so long series accumulate the same rounding as TA-Lib.
struct Sma {
    int period = 2;
    std::int64_t count = 0;
    double sum = 0;
    Ring window;
    explicit Sma(int p) : period(p), window(p) {}
    THREADX_TA_INLINE double step(double x) {
        // the members into locals before the ring store (which may alias them as far as
        // the compiler knows): the running sum then stays in a register across bars
        double* v = window.v.data();
        const std::int64_t h = window.head, c = count + 1;
        const std::int64_t next = h + 1 == period ? 0 : h + 1;
        const double s = sum + x;
        v[h] = x;
        window.head = next;
        count = c;
        if (c < period) {
            sum = s;
            return kNaN;
        }
        sum = s - v[next];  // the oldest of this window
        return s / period;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, sum, window); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "SMA.count", count, "must not be negative"); }
};

// Exponential moving average, TA-Lib's default: k = 2 / (period + 1) (or given: MACDFIX),
// seeded with the mean of the first `period` values (summed from 0.0 in order), the
// first `lookback` values (TA-Lib's unstable period included) withheld (NaN); then
// TA-Lib 0.8's fused step (ema_next).  The EMA of EMA, MA, DEMA, TEMA, TRIX, MACD, ...
struct Ema {
    int period = 2;
    double k = 0;
    std::int64_t lookback = 1, count = 0;
    double prev = 0;
    Ema() = default;
    Ema(int p, int unstable, double k_ = 0)
        : period(p), k(k_ != 0 ? k_ : 2.0 / (p + 1)), lookback(p - 1 + unstable) {}
    explicit Ema(int p) : Ema(p, unstable_period(Unstable::EMA)) {}
    bool ready() const noexcept { return count > lookback; }
    THREADX_TA_INLINE double step(double x) {
        if (count >= period) {
            prev = ema_next(prev, x, k);
        } else {
            prev += x;
            if (count == period - 1) prev /= period;
        }
        return count++ >= lookback ? prev : kNaN;
    }
    // The step once ready() (no bookkeeping): the composites' steady state.
    THREADX_TA_INLINE double next(double x) { return prev = ema_next(prev, x, k); }
    template <class Ar>
    void fields(Ar& ar) { ar(count, prev); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "EMA.count", count, "must not be negative"); }
};

// Period 1 through MA() is the identity, as in TA-Lib.
struct Identity {
    THREADX_TA_INLINE double step(double x) { return x; }
    template <class Ar>
    void fields(Ar&) {}
};

// Weighted moving average (weights 1..period, newest heaviest), TA-Lib 0.8's running
// form: a weighted sum and a plain sum of the window updated in TA-Lib's order, both
// recomputed from the window (in order, from 0) on every 8*period-th output.  Period 1
// is the identity.
struct Wma {
    int period = 2;
    double divider = 1;
    std::int64_t count = 0, until_rebuild = 0;
    double sum = 0, sub = 0, trailing = 0;
    Ring window;
    [[gnu::always_inline]] explicit Wma(int p)
        : period(p),
          divider(static_cast<double>(p + 1) * static_cast<double>(p) * 0.5),
          until_rebuild(8LL * p),
          window(p) {}
    THREADX_TA_INLINE double step(double x) {
        if (period == 1) return x;
        window.push(x);
        if (count < period - 1) {
            ++count;
            sub += x;
            sum += x * static_cast<double>(count);
            return kNaN;
        }
        count = period;
        double out;
        if (--until_rebuild != 0) {
            sub += x;
            sub -= trailing;
            sum += x * static_cast<double>(period);
            out = sum / divider;
        } else {  // the sums afresh from the window (a static helper: the state stays local)
            until_rebuild = 8LL * period;
            const Sums r = window_sums(window.v.data(), window.v.size(), static_cast<std::size_t>(window.head));
            sub = r.sub;
            sum = r.sum;
            out = sum / divider;
        }
        sum -= sub;
        trailing = window.v[static_cast<std::size_t>(window.head)];  // oldest of this window
        return out;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, until_rebuild, sum, sub, trailing, window); }
    // Restored: the warm-up count stops at the period; a rebuild is due within 8 periods.
    template <class C>
    void check(const C& c) const {
        c.within("WMA.count", count, 0, period);
        c.within("WMA.until_rebuild", until_rebuild, 1, 8LL * period);
    }

private:
    struct Sums {
        double sub, sum;
    };
    // Plain and weighted sums of a ring's values, oldest first (weights 1..n), from 0.
    THREADX_TA_INLINE static Sums window_sums(const double* v, std::size_t n, std::size_t h) {
        Sums r{0.0, 0.0};
        for (std::size_t j = 0; j < n; ++j) {
            const double x = v[h + j < n ? h + j : h + j - n];
            r.sub += x;
            r.sum += x * static_cast<double>(j + 1);
        }
        return r;
    }
};

// Double EMA: 2*EMA1 - EMA2, EMA2 being the EMA of EMA1's outputs (seeded with the mean
// of EMA1's first `period` outputs); each EMA withholds TA-Lib's unstable period.
// Period 1 copies the input after the lookback, as TA-Lib 0.8 does.
struct Dema {
    Ema e1, e2;
    bool warm = false;
    explicit Dema(int p) : e1(p), e2(p) {}
    THREADX_TA_INLINE double step(double x) {
        if (warm) {
            const double a = e1.next(x);
            return 2.0 * a - e2.next(a);
        }
        if (e1.period == 1) return e1.count++ >= 2 * e1.lookback ? x : kNaN;
        const double a = e1.step(x);
        if (!e1.ready()) return kNaN;
        const double b = e2.step(a);
        if (!e2.ready()) return kNaN;
        warm = true;
        return 2.0 * a - b;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(e1, e2, warm); }
};

// Triple EMA: 3*EMA1 - 3*EMA2 + EMA3 (TA-Lib's grouping); period 1 copies the input
// after the lookback.
struct Tema {
    Ema e1, e2, e3;
    bool warm = false;
    explicit Tema(int p) : e1(p), e2(p), e3(p) {}
    THREADX_TA_INLINE double step(double x) {
        if (warm) {
            const double a = e1.next(x);
            const double b = e2.next(a);
            return e3.next(b) + (3.0 * a - 3.0 * b);
        }
        if (e1.period == 1) return e1.count++ >= 3 * e1.lookback ? x : kNaN;
        const double a = e1.step(x);
        if (!e1.ready()) return kNaN;
        const double b = e2.step(a);
        if (!e2.ready()) return kNaN;
        const double c = e3.step(b);
        if (!e3.ready()) return kNaN;
        warm = true;
        return c + (3.0 * a - 3.0 * b);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(e1, e2, e3, warm); }
};

// Triangular moving average, TA-Lib's incremental form: the numerator is adjusted by a
// rising and a falling partial sum (their split differs for odd and even periods).
struct Trima {
    int period = 2, half = 1;
    bool odd = false;
    double factor = 1;
    std::int64_t count = 0;
    double num = 0, sub = 0, add = 0;
    Ring window;  // the last period+1 values
    [[gnu::always_inline]] explicit Trima(int p) : period(p), half(p >> 1), odd(p % 2 == 1), window(p + 1) {
        const std::int64_t h = half;
        factor = 1.0 / static_cast<double>(odd ? (h + 1) * (h + 1) : h * (h + 1));
    }
    THREADX_TA_INLINE double step(double x) {
        window.push(x);
        if (count < period - 1) {
            ++count;
            return kNaN;
        }
        if (count == period - 1) {  // first window: TA-Lib's initial sums
            ++count;
            const int mid = odd ? half : half - 1;  // last index of the falling part
            // window.back(k) is the value k bars ago; bar j of the window is back(period-1-j)
            for (int j = mid; j >= 0; --j) {
                sub += window.back(period - 1 - j);
                num += sub;
            }
            for (int j = mid + 1; j <= period - 1; ++j) {
                add += window.back(period - 1 - j);
                num += add;
            }
            return num * factor;
        }
        const double old = window.back(period);     // left the window
        const double middle = window.back(half);   // moves from the rising to the falling part
        num -= sub;
        sub -= old;
        sub += middle;
        if (odd) {
            num += add;
            add -= middle;
        } else {
            add -= middle;
            num += add;
        }
        add += x;
        num += x;
        return num * factor;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, num, sub, add, window); }
    template <class C>
    void check(const C& c) const { c.within("TRIMA.count", count, 0, period); }
};

// Kaufman adaptive MA (TA-Lib 0.8): efficiency ratio |x - x[-period]| / sum of the
// `period` absolute changes (1 when that sum is <= 0 or <= the signed change, at most
// 1), smoothing between the 2- and 30-bar EMA constants, seeded with the previous value.
// The running sum is reset to exactly 0 once `period` consecutive changes are exactly 0
// (a flat window).  TA-Lib's unstable period; period 1 copies the input after it.
struct Kama {
    int period = 2;
    std::int64_t lookback = 2, count = 0, null_run = 0;
    double roc_sum = 0, prev = 0, trailing = 0, kama = 0;
    bool warm = false;
    Ring window;  // the last `period` values
    [[gnu::always_inline]] explicit Kama(int p)
        : period(p),
          lookback((p == 1 ? 0 : p) + unstable_period(Unstable::KAMA)),
          window(p) {}
    THREADX_TA_INLINE double step(double x) {
        if (period == 1) return count++ >= lookback ? x : kNaN;
        return step(x, window.push(x));  // the value `period` bars ago, once full
    }
    // step() of period > 1 with `old` given, the value `period` bars ago (0.0 before
    // `period` values are in) that the ring would return; the ring is not kept (a batch
    // reads it from the column).
    THREADX_TA_INLINE double step(double x, double old) {
        if (warm) return advance(x, old);
        const std::int64_t bar = count++;
        if (bar == 0) {
            prev = x;
            return kNaN;
        }
        if (bar > period) {
            advance(x, old);
            if (bar < lookback) return kNaN;
            warm = true;
            return kama;
        }
        // the first window: changes summed in order
        const double d = prev - x;
        roc_sum += std::fabs(d);
        null_run = d == 0.0 ? null_run + 1 : 0;
        if (bar < period) {
            prev = x;
            return kNaN;
        }
        kama = prev;  // the previous value seeds the KAMA
        adapt(x, old);
        if (bar < lookback) return kNaN;
        warm = true;
        return kama;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, null_run, roc_sum, prev, trailing, kama, warm, window); }
    // Restored: the run of flat changes stops at the period.
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "KAMA.count", count, "must not be negative");
        c.within("KAMA.null_run", null_run, 0, period);
    }

private:
    // One bar after the first window: slide the sum of changes, then adapt.
    THREADX_TA_INLINE double advance(double x, double old) {
        roc_sum -= std::fabs(trailing - old);
        const double d = x - prev;
        roc_sum += std::fabs(d);
        null_run = d == 0.0 ? null_run + 1 : 0;
        if (null_run >= period) {
            null_run = period;
            roc_sum = 0.0;
        }
        return adapt(x, old);
    }
    THREADX_TA_INLINE double adapt(double x, double old) {
        trailing = old;
        const double change = x - old;
        double er = 1.0;
        if (!(roc_sum <= 0.0 || roc_sum <= change)) {
            er = std::fabs(change / roc_sum);
            if (er > 1.0) er = 1.0;
        }
        constexpr double kMax = 2.0 / (30.0 + 1.0);
        constexpr double kDiff = 2.0 / (2.0 + 1.0) - kMax;
        double sc = fused(er, kDiff, kMax);
        sc *= sc;
        kama = fused(x - kama, sc, kama);
        prev = x;
        return kama;
    }
};

// Tillson's T3: six chained EMAs e = (1-k)*e + k*input (fused as TA-Lib's FMA build
// does), each seeded with the mean of the first `period` outputs of the one before,
// combined as c1*e6 + c2*e5 + c3*e4 + c4*e3; TA-Lib's unstable period.  Period 1
// copies the input after the unstable period.
struct T3 {
    int period = 2;
    double k = 0, omk = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0;
    std::int64_t lookback = 0, count = 0;
    int stage = 0;  // EMAs seeded so far
    bool warm = false;
    double sum = 0, e1 = 0, e2 = 0, e3 = 0, e4 = 0, e5 = 0, e6 = 0;  // scalars: kept in registers
    T3(int p, double v)
        : period(p),
          k(2.0 / (p + 1.0)),
          omk(1.0 - k),
          lookback(6 * static_cast<std::int64_t>(p - 1) + unstable_period(Unstable::T3)) {
        const double v2 = v * v;
        c1 = 0 - v2 * v;
        c2 = 3.0 * (v2 - c1);
        c3 = (0 - 6.0) * v2 - 3.0 * (v - c1);
        c4 = fused(3.0, v2, fused(3.0, v, 1.0) - c1);
    }
    THREADX_TA_INLINE double step(double x) {
        if (warm) {
            advance(x, 6);
            return out();
        }
        const std::int64_t bar = count++;
        if (period == 1) return bar >= lookback ? x : kNaN;
        if (stage == 0) {
            sum = bar == 0 ? x : sum + x;
            if (bar == period - 1) seed();
        } else {
            advance(x, stage);
            if (stage < 6) {
                sum += stage == 1 ? e1 : stage == 2 ? e2 : stage == 3 ? e3 : stage == 4 ? e4 : e5;
                if (bar == static_cast<std::int64_t>(stage + 1) * (period - 1)) seed();
            }
        }
        if (stage < 6 || bar < lookback) return kNaN;
        warm = true;
        return out();
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, stage, warm, sum, e1, e2, e3, e4, e5, e6); }
    // Restored: at most six EMAs are seeded.
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "T3.count", count, "must not be negative");
        c.within("T3.stage", stage, 0, 6);
    }

private:
    // Steps the first `n` seeded EMAs (TA-Lib's FMA build: (1-k)*e fused with k*input).
    THREADX_TA_INLINE void advance(double x, int n) {
        e1 = fused(omk, e1, k * x);
        if (n < 2) return;
        e2 = fused(omk, e2, k * e1);
        if (n < 3) return;
        e3 = fused(omk, e3, k * e2);
        if (n < 4) return;
        e4 = fused(omk, e4, k * e3);
        if (n < 5) return;
        e5 = fused(omk, e5, k * e4);
        if (n < 6) return;
        e6 = fused(omk, e6, k * e5);
    }
    THREADX_TA_INLINE double out() const { return fused(c4, e3, fused(c3, e4, fused(c1, e6, c2 * e5))); }
    void seed() {
        const double m = sum / period;
        switch (stage++) {
            case 0: e1 = m; break;
            case 1: e2 = m; break;
            case 2: e3 = m; break;
            case 3: e4 = m; break;
            case 4: e5 = m; break;
            default: e6 = m; break;
        }
        sum = m;  // the next EMA's seed sum starts with this one's first output
    }
};

// Hull MA: WMA(2 * WMA(x, period / 2) - WMA(x, period), (int)sqrt(period)), each WMA
// TA-Lib's running form.  As TA-Lib's fused pass, the half-period WMA starts on the bar
// it needs to give its first value together with the full one (its rounding then
// equals TA-Lib's); periods 2 and 3 reduce to 2x - WMA(x, period), period 1 copies x.
struct Hma {
    int period = 2, half = 1, root = 1;
    std::int64_t count = 0;  // bars seen, up to the period
    Wma full, halfw, rootw;
    explicit Hma(int p)
        : period(p),
          half(p / 2 < 1 ? 1 : p / 2),
          root(std::max(1, static_cast<int>(std::sqrt(static_cast<double>(p))))),
          full(p),
          halfw(p / 2 < 1 ? 1 : p / 2),
          rootw(std::max(1, static_cast<int>(std::sqrt(static_cast<double>(p))))) {}
    THREADX_TA_INLINE double step(double x) {
        if (period == 1) return x;
        const std::int64_t bar = count;
        if (count < period) ++count;
        const double f = full.step(x);
        if (bar < period - half) return kNaN;
        const double h = halfw.step(x);
        if (bar < period - 1) return kNaN;
        return rootw.step(2.0 * h - f);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, full, halfw, rootw); }
    template <class C>
    void check(const C& c) const { c.within("HMA.count", count, 0, period); }
};

// Zero-lag EMA (TA-Lib 0.8): the EMA, k = 1 - (period-1)/(period+1), of the de-lagged
// series 2*x - x[-lag], lag = (period-1)/2, seeded with the mean of its first `period`
// values; EMA's unstable period.  Period 1 copies x after the unstable period.
struct Zlema {
    int period = 2, lag = 0;
    double k = 0, beta = 0;
    std::int64_t lookback = 0, count = 0;
    double ma = 0;
    Ring window;  // the last `lag` prices
    explicit Zlema(int p)
        : period(p),
          lag((p - 1) / 2),
          lookback((p - 1) / 2 + p - 1 + unstable_period(Unstable::EMA)),
          window((p - 1) / 2) {
        k = 1.0 - static_cast<double>(p - 1) / static_cast<double>(p + 1);
        beta = 1.0 - k;
    }
    THREADX_TA_INLINE double step(double x) {
        const std::int64_t bar = count++;
        if (period == 1) return bar >= lookback ? x : kNaN;
        const double old = lag == 0 ? x : window.push(x);  // the price `lag` bars ago
        if (bar < lag) return kNaN;
        const double d = 2.0 * x - old;
        const std::int64_t seeded = lag + period - 1;  // the bar of the seed
        if (bar < seeded) {
            ma += d;
            return kNaN;
        }
        if (bar == seeded) ma = (ma + d) / period;
        else ma = k * d + beta * ma;
        return bar >= lookback ? ma : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, ma, window); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "ZLEMA.count", count, "must not be negative"); }
};

// Wilder's smoothing (RMA, TA-Lib 0.8): seeded with the mean of the first `period`
// values, then (1/period) * x + ((period-1)/period) * prev (the weights as TA-Lib forms
// them, summing to exactly 1); RMA's unstable period.  Period 1 copies x.
struct Rma {
    int period = 2;
    double alpha = 0, beta = 0;
    std::int64_t lookback = 0, count = 0;
    double ma = 0;
    explicit Rma(int p)
        : period(p),
          alpha(1.0 - static_cast<double>(p - 1) / static_cast<double>(p)),
          beta(static_cast<double>(p - 1) / static_cast<double>(p)),
          lookback(p - 1 + unstable_period(Unstable::RMA)) {}
    THREADX_TA_INLINE double step(double x) {
        const std::int64_t bar = count++;
        if (bar < period - 1) {
            ma += x;
            return kNaN;
        }
        if (bar == period - 1) ma = (ma + x) / period;
        else ma = alpha * x + beta * ma;
        return bar >= lookback ? ma : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, ma); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "RMA.count", count, "must not be negative"); }
};

// TA-Lib's lookback of MA(period, type) (MA_Type as in MaState).
inline std::int64_t ma_lookback(int type, int period) {
    if (period <= 1) return 0;
    const std::int64_t p = period;
    const std::int64_t ema = p - 1 + unstable_period(Unstable::EMA);
    switch (static_cast<MaType>(type)) {
        case MaType::SMA: return p - 1;
        case MaType::EMA: return ema;
        case MaType::WMA: return p - 1;
        case MaType::DEMA: return 2 * ema;
        case MaType::TEMA: return 3 * ema;
        case MaType::TRIMA: return p - 1;
        case MaType::KAMA: return p + unstable_period(Unstable::KAMA);
        case MaType::T3: return 6 * (p - 1) + unstable_period(Unstable::T3);
        case MaType::MAMA: return 32 + unstable_period(Unstable::MAMA);
        case MaType::HMA: {
            const std::int64_t root = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(period))));
            return p - 1 + root - 1;
        }
        case MaType::ZLEMA: return (p - 1) / 2 + ema;
        case MaType::RMA: return p - 1 + unstable_period(Unstable::RMA);
        default: return 0;  // DISABLED: the identity
    }
}

// The MA chosen by MA_Type.  Add a type: a state with step(x) and fields(ar), an
// alternative here, and a case in make().
struct MaState {
    std::variant<Identity, Sma, Ema, Wma, Dema, Tema, Trima, Kama, T3, MamaMa, Hma, Zlema, Rma> v;
    MaState(int type, int period) : v(make(type, period)) {}
    THREADX_TA_INLINE double step(double x) {
        return std::visit([x](auto& m) { return m.step(x); }, v);
    }
    template <class Ar>
    void fields(Ar& ar) {
        std::visit([&ar](auto& m) { ar(m); }, v);
    }

private:
    static decltype(v) make(int type, int period) {
        if (period == 1) return Identity{};
        switch (static_cast<MaType>(type)) {
            case MaType::SMA: return Sma(period);
            case MaType::EMA: return Ema(period);
            case MaType::WMA: return Wma(period);
            case MaType::DEMA: return Dema(period);
            case MaType::TEMA: return Tema(period);
            case MaType::TRIMA: return Trima(period);
            case MaType::KAMA: return Kama(period);
            case MaType::T3: return T3(period, 0.7);  // MA() uses vfactor 0.7
            case MaType::MAMA: return MamaMa(period);
            case MaType::HMA: return Hma(period);
            case MaType::DISABLED: return Identity{};
            case MaType::ZLEMA: return Zlema(period);
            case MaType::RMA: return Rma(period);
            default:
                throw IndicatorError("MA_Type " + std::to_string(type) + " is not available");
        }
    }
};

// ---------------------------------------------------------------- batch kernels

// The batch loop of run_column, fed from row `start` (the rows before it are filled).
template <class S>
THREADX_TA_INLINE void state_rows(const double* params, const ConstColumn* in, std::int64_t start,
                                  std::int64_t n, const Column* out, const CancelCheck& check) {
    constexpr int NI = S::n_inputs, NO = S::n_outputs;
    double x[NI], y[NO];
    S s(params);
    ConstColumn src[NI];  // local copies: the output stores cannot alias them
    Column dst[NO];
    for (int k = 0; k < NI; ++k) src[k] = in[k];
    for (int j = 0; j < NO; ++j) dst[j] = out[j];
    std::int64_t i = start;
    while (i < n) {
        const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
        for (; i < stop; ++i) {
            for (int k = 0; k < NI; ++k) x[k] = src[k][i];
            s.update(x, y);
            for (int j = 0; j < NO; ++j) dst[j][i] = y[j];
        }
        if (i < n) check();
    }
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define THREADX_TA_FMA_CLONE 1
// The FMA build of a batch loop: only the explicit fused() steps may fuse (no
// contraction of a*b + c elsewhere, which would part batch from streaming).
#if defined(__clang__)
#pragma clang fp contract(off)
#define THREADX_TA_FMA_BUILD [[gnu::target("fma")]]
#else
#define THREADX_TA_FMA_BUILD [[gnu::target("fma"), gnu::optimize("fp-contract=off")]]
#endif
inline bool cpu_has_fma() noexcept {
    static const bool has = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx");
    return has;
}
template <class K, class... A>
THREADX_TA_FMA_BUILD void fma_run_clone(A&&... a) {
    K::run(a...);
}
#endif

// Calls K::run(a...), compiled for FMA where the CPU has it (same values either way:
// fused() is exactly rounded).  K::run and every step it calls with fused operations
// must be THREADX_TA_INLINE, so that the fused steps land in the FMA build.
template <class K, class... A>
void fma_run(A&&... a) {
#ifdef THREADX_TA_FMA_CLONE
    if (cpu_has_fma()) {
        fma_run_clone<K>(a...);
        return;
    }
#endif
    K::run(a...);
}

// A batch hook for states with fused steps: state_rows through fma_run (the state's
// update() must be THREADX_TA_INLINE).
template <class S>
struct StateRows {
    THREADX_TA_INLINE static void run(const double* params, const ConstColumn* in, std::int64_t start,
                                      std::int64_t n, const Column* out, const CancelCheck& check) {
        state_rows<S>(params, in, start, n, out, check);
    }
};
template <class S>
void fma_batch(const double* params, const ConstColumn* in, std::int64_t start, std::int64_t n,
               const Column* out, const CancelCheck& check) {
    fma_run<StateRows<S>>(params, in, start, n, out, check);
}

// Registers state S with a batch column that is compiled a second time for FMA (all of
// run_column, the state and std::fma flattened into it, no other contraction) and chosen
// where the CPU has FMA, as TA-Lib's own ifunc does; for states whose steps use
// fused() / std::fma, which is otherwise a libm call on the loop-carried chain.
#ifdef THREADX_TA_FMA_CLONE
template <class S>
THREADX_TA_FMA_BUILD [[gnu::flatten]] void run_column_fma(const double* params, const ConstColumn* in,
                                                          std::int64_t n, const Column* out,
                                                          const CancelCheck& check) {
    run_column<S>(params, in, n, out, check);
}
#endif
template <class S>
Info make_info_fma(Info info) {
    info = make_info<S>(std::move(info));
#ifdef THREADX_TA_FMA_CLONE
    if (cpu_has_fma()) info.column = &run_column_fma<S>;
#endif
    return info;
}

// ---------------------------------------------------------------- column forms

// Batch forms of MA states that read the values leaving the window straight from the
// input column instead of a ring (fewer loads, stores and index updates per bar): the
// same operations on the same values in the same order as the state's step(), so the
// results are bit-identical (the streaming tests check it).  ColumnMa<M>::run(period,
// x, start, n, out, check) fills rows [start, n) of out as M fed from row `start` would.
// The steady rows run in chunks through an out-of-line function taking and returning
// the running values: a call in the loop (the cancellation check) would otherwise keep
// them in memory (every XMM register is caller-saved), which cost WMA and TRIMA half
// their speed.
template <class M>
struct ColumnMa;

template <class M>
concept HasColumnMa = requires { ColumnMa<M>::kColumn; };

template <>
struct ColumnMa<Sma> {
    static constexpr bool kColumn = true;
    static void run(int period, const double* x, std::int64_t start, std::int64_t n, const Column& o,
                    const CancelCheck& check) {
        const double pd = period;
        const std::int64_t warm = n - start < period - 1 ? n : start + period - 1;
        double sum = 0;
        for (std::int64_t i = start; i < warm; ++i) {
            sum = sum + x[i];
            o[i] = kNaN;
        }
        for (std::int64_t i = warm; i < n;) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            sum = steady(sum, period, pd, x, o, i, stop);
            if ((i = stop) < n) check();
        }
    }
    [[gnu::noinline]] static double steady(double sum, std::int64_t period, double pd, const double* x, Column o,
                                           std::int64_t from, std::int64_t to) {
        for (std::int64_t i = from; i < to; ++i) {
            const double s = sum + x[i];
            o[i] = s / pd;
            sum = s - x[i - period + 1];  // the oldest of this window
        }
        return sum;
    }
};

template <>
struct ColumnMa<Wma> {
    static constexpr bool kColumn = true;
    struct Run {
        double sum, sub, trailing;
        std::int64_t left;
    };
    static void run(int period, const double* x, std::int64_t start, std::int64_t n, const Column& o,
                    const CancelCheck& check) {
        if (period == 1) {
            for (std::int64_t i = start; i < n; ++i) o[i] = x[i];
            return;
        }
        const Wma w(period);  // its constants
        const std::int64_t warm = n - start < period - 1 ? n : start + period - 1;
        Run r{0.0, 0.0, 0.0, w.until_rebuild};
        for (std::int64_t i = start; i < warm; ++i) {
            r.sub += x[i];
            r.sum += x[i] * static_cast<double>(i - start + 1);
            o[i] = kNaN;
        }
        for (std::int64_t i = warm; i < n;) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            r = steady(r, period, w.divider, x, o, i, stop);
            if ((i = stop) < n) check();
        }
    }
    [[gnu::noinline]] static Run steady(Run r, std::int64_t period, double divider, const double* x, Column o,
                                        std::int64_t from, std::int64_t to) {
        const double pd = static_cast<double>(period);
        double sum = r.sum, sub = r.sub, trailing = r.trailing;
        std::int64_t left = r.left;
        for (std::int64_t i = from; i < to; ++i) {
            const double v = x[i];
            if (--left != 0) [[likely]] {
                sub += v;
                sub -= trailing;
                sum += v * pd;
            } else {
                left = 8LL * period;
                const Sums f = rebuilt(x + (i - period + 1), period);
                sub = f.sub;
                sum = f.sum;
            }
            o[i] = sum / divider;
            sum -= sub;
            trailing = x[i - period + 1];  // the oldest of this window
        }
        return {sum, sub, trailing, left};
    }
    struct Sums {
        double sub, sum;
    };
    // The sums afresh from the window w (oldest first, weights 1..period, from 0), as Wma's.
    [[gnu::noinline]] static Sums rebuilt(const double* w, std::int64_t period) {
        Sums f{0.0, 0.0};
        for (std::int64_t j = 0; j < period; ++j) {
            f.sub += w[j];
            f.sum += w[j] * static_cast<double>(j + 1);
        }
        return f;
    }
};

template <>
struct ColumnMa<Trima> {
    static constexpr bool kColumn = true;
    struct Run {
        double num, sub, add;
    };
    static void run(int period, const double* x, std::int64_t start, std::int64_t n, const Column& o,
                    const CancelCheck& check) {
        const Trima t(period);  // its constants
        const std::int64_t first = start + period - 1;  // the first window's last row
        for (std::int64_t i = start; i < n && i < first; ++i) o[i] = kNaN;
        if (first >= n) return;
        Run r{0.0, 0.0, 0.0};
        const int mid = t.odd ? t.half : t.half - 1;  // last index of the falling part
        const double* w = x + (first - (period - 1));  // the first window, oldest first
        for (int j = mid; j >= 0; --j) {
            r.sub += w[j];
            r.num += r.sub;
        }
        for (int j = mid + 1; j <= period - 1; ++j) {
            r.add += w[j];
            r.num += r.add;
        }
        o[first] = r.num * t.factor;
        for (std::int64_t i = first + 1; i < n;) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            r = t.odd ? steady<true>(r, period, t.half, t.factor, x, o, i, stop)
                      : steady<false>(r, period, t.half, t.factor, x, o, i, stop);
            if ((i = stop) < n) check();
        }
    }
    template <bool Odd>
    [[gnu::noinline]] static Run steady(Run r, std::int64_t period, std::int64_t half, double factor, const double* x,
                                        Column o, std::int64_t from, std::int64_t to) {
        double num = r.num, sub = r.sub, add = r.add;
        for (std::int64_t i = from; i < to; ++i) {
            const double v = x[i], old = x[i - period], middle = x[i - half];
            num -= sub;
            sub -= old;
            sub += middle;
            if constexpr (Odd) {
                num += add;
                add -= middle;
            } else {
                add -= middle;
                num += add;
            }
            add += v;
            num += v;
            o[i] = num * factor;
        }
        return {num, sub, add};
    }
};

template <>
struct ColumnMa<Kama> {
    static constexpr bool kColumn = true, kFused = true;
    THREADX_TA_INLINE static void run(int period, const double* x, std::int64_t start, std::int64_t n,
                                      const Column& o, const CancelCheck& check) {
        // plain loops, no lambdas: this runs in the FMA build, where only always-inline
        // calls are inlined
        Kama k(period);
        const std::int64_t full = period == 1 ? n : n - start < period ? n : start + period;
        std::int64_t i = start;
        for (; i < full; ++i) o[i] = period == 1 ? k.step(x[i]) : k.step(x[i], 0.0);
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            for (; i < stop; ++i) o[i] = k.step(x[i], x[i - period]);
            if (i < n) check();
        }
    }
};

// The batch hook of a single-input MA indicator through ColumnMa<M>, FMA-built where the
// CPU has it when M's steps are fused (kFused: KAMA).
template <class M>
struct ColumnMaRun {
    THREADX_TA_INLINE static void run(int period, const ConstColumn* in, std::int64_t start, std::int64_t n,
                                      const Column* out, const CancelCheck& check) {
        const Dense d(in[0], n);
        ColumnMa<M>::run(period, d.p, start, n, out[0], check);
    }
};
template <class M>
void column_ma_batch(int period, const ConstColumn* in, std::int64_t start, std::int64_t n, const Column* out,
                     const CancelCheck& check) {
    if constexpr (requires { ColumnMa<M>::kFused; }) fma_run<ColumnMaRun<M>>(period, in, start, n, out, check);
    else ColumnMaRun<M>::run(period, in, start, n, out, check);
}

// Adapter: a single-input MA state as a registry state whose first parameter is the
// period.  SMA and EMA get the batch loop of state_rows, FMA-built where the CPU has FMA
// (EMA's fused steps); other states (RSI, CMO) keep run_column's loop.
template <class M>
struct SingleMa {
    static constexpr int n_inputs = 1, n_outputs = 1;
    M m;
    explicit SingleMa(const double* p) : m(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { y[0] = m.step(x[0]); }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check)
        requires(std::is_same_v<M, Sma> || std::is_same_v<M, Ema>)
    {
        if constexpr (HasColumnMa<M>) column_ma_batch<M>(as_period(p[0]), in, start, n, out, check);
        else fma_batch<SingleMa>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

// The concrete MA state for (type, period): what MaState holds, by type.
template <class M>
M make_ma(int type, int period) {
    if constexpr (std::is_same_v<M, MaState>) return MaState(type, period);
    else if constexpr (std::is_same_v<M, Identity>) return Identity{};
    else if constexpr (std::is_same_v<M, T3>) return T3(period, 0.7);
    else return M(period);
}

// Calls f.template operator()<M>() with M the concrete type MaState(type, period) holds,
// so a batch kernel can run an MA without the variant dispatch per bar.
template <class F>
decltype(auto) with_ma_type(int type, int period, F&& f) {
    if (period == 1) return f.template operator()<Identity>();
    switch (static_cast<MaType>(type)) {
        case MaType::SMA: return f.template operator()<Sma>();
        case MaType::EMA: return f.template operator()<Ema>();
        case MaType::WMA: return f.template operator()<Wma>();
        case MaType::DEMA: return f.template operator()<Dema>();
        case MaType::TEMA: return f.template operator()<Tema>();
        case MaType::TRIMA: return f.template operator()<Trima>();
        case MaType::KAMA: return f.template operator()<Kama>();
        case MaType::T3: return f.template operator()<T3>();
        case MaType::MAMA: return f.template operator()<MamaMa>();
        case MaType::HMA: return f.template operator()<Hma>();
        case MaType::DISABLED: return f.template operator()<Identity>();
        case MaType::ZLEMA: return f.template operator()<Zlema>();
        case MaType::RMA: return f.template operator()<Rma>();
        default: return f.template operator()<MaState>();  // MaState reports the bad type
    }
}

}  // namespace threadx::ta
