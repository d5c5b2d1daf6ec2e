// Overlap studies and the MA-based oscillators: WMA DEMA TEMA TRIMA KAMA T3 MA BBANDS
// MIDPOINT MIDPRICE SAR, MACD MACDEXT MACDFIX APO PPO TRIX, STDDEV VAR.
#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

// ---------------------------------------------------------------- helpers

inline int as_matype(double v) noexcept { return static_cast<int>(v); }

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
        if (count == 0) sums.shift = x;
        window.push(x);
        sums.add(x);
        if (++count < period) return kNaN;
        double var = sums.var(inv);
        const double d = sums.remove(window.v[static_cast<std::size_t>(window.head)]);  // the oldest
        if (--until_reseed <= 0 || sums.unreliable(var, d, inv)) {
            const Reseed r = reseed(window.v.data(), window.v.size(),
                                    static_cast<std::size_t>(window.head), inv);
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

// Runs MA(type, period) over rows [from, to) of src into dst with the concrete MA type
// (the same steps as MaState, without its dispatch per bar), FMA-built where the CPU
// has FMA.  The state is a local of the loop so it stays in registers.
template <class M>
struct MaRows {
    THREADX_TA_INLINE static void run(int type, int period, ConstColumn src, Column dst,
                                      std::int64_t from, std::int64_t to, const CancelCheck& check) {
        M m = make_ma<M>(type, period);
        std::int64_t i = from;
        while (i < to) {
            const std::int64_t stop = to - i > kCheckEvery ? i + kCheckEvery : to;
            for (; i < stop; ++i) dst[i] = m.step(src[i]);
            if (i < to) check();
        }
    }
};
void ma_column(int type, int period, ConstColumn src, Column dst, std::int64_t from, std::int64_t to,
               const CancelCheck& check) {
    with_ma_type(type, period, [&]<class M>() { fma_run<MaRows<M>>(type, period, src, dst, from, to, check); });
}

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
        fma_batch<PeriodMa>(p, in, start, n, out, check);
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
            fma_batch<MaFnOf<M>>(p, in, start, n, out, check);
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
          lookback(ma_lookback(as_matype(p[3]), as_period(p[0]))),
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

struct Bbands : BbandsOf<MaState> {
    using BbandsOf<MaState>::BbandsOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
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

// A column as contiguous values: the column itself when its stride is 1, else a copy.
struct Contiguous {
    std::vector<double> copy;
    const double* p;
    Contiguous(const ConstColumn& c, std::int64_t n) : p(c.data) {
        if (c.stride == 1) return;
        copy.resize(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) copy[static_cast<std::size_t>(i)] = c[i];
        p = copy.data();
    }
};

// The midpoint of the window's highest xh and lowest xl, batch, by van Herk / Gil-Werman
// blocks of `period` values with both extremes in one pass: the running extremes of the
// current block against the suffix extremes of the previous one (as TA-Lib 0.8 does;
// a few branch-free operations per value whatever the data).  A NaN in the window gives
// NaN; the values are those of the streaming deques (extremes do not depend on the
// algorithm).
template <bool TwoInputs>
void midpoint_batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                    const Column* out, const CancelCheck& check) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const std::int64_t w = as_period(p[0]);
    const Contiguous ch(in[0], n), cl(in[TwoInputs ? 1 : 0], TwoInputs ? n : 0);
    const double* xh = ch.p;
    const double* xl = TwoInputs ? cl.p : ch.p;
    // suffix extremes of the previous block (read) and of the current one (written)
    std::vector<double> buf(4 * static_cast<std::size_t>(w));
    double* prev_hi = buf.data();
    double* prev_lo = prev_hi + w;
    double* cur_hi = prev_lo + w;
    double* cur_lo = cur_hi + w;
    std::fill(prev_hi, prev_hi + w, -kInf);
    std::fill(prev_lo, prev_lo + w, kInf);
    const Column o = out[0];
    std::int64_t last_nan = start - w - 1, done = 0;
    for (std::int64_t s = start; s < n; s += w) {
        const std::int64_t e = s + w < n ? s + w : n;
        const bool full = e - s == w;  // a full block also gets its suffixes (for the next)
        double hi = -kInf, lo = kInf, bhi = -kInf, blo = kInf;
        for (std::int64_t j = 0; j < e - s; ++j) {
            const std::int64_t i = s + j;
            const double h = xh[i], l = TwoInputs ? xl[i] : h;
            if (h != h || l != l) last_nan = i;
            hi = h > hi ? h : hi;  // a NaN compares false and is skipped
            lo = l < lo ? l : lo;
            double mh = hi, ml = lo;
            if (j + 1 < w) {  // the window starts in the previous block
                mh = prev_hi[j + 1] > mh ? prev_hi[j + 1] : mh;
                ml = prev_lo[j + 1] < ml ? prev_lo[j + 1] : ml;
            }
            o[i] = (i - start < w - 1 || i - last_nan < w) ? kNaN : (mh + ml) / 2.0;
            if (full) {  // the backward scan, interleaved (independent chains)
                const std::int64_t r = e - 1 - j;
                const double bh = xh[r], bl = TwoInputs ? xl[r] : bh;
                bhi = bh > bhi ? bh : bhi;
                blo = bl < blo ? bl : blo;
                cur_hi[w - 1 - j] = bhi;
                cur_lo[w - 1 - j] = blo;
            }
        }
        std::swap(prev_hi, cur_hi);
        std::swap(prev_lo, cur_lo);
        if ((done += w) >= kCheckEvery) {
            done = 0;
            check();
        }
    }
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

// ---------------------------------------------------------------- MACD family

// MACD with EMAs.  Slow and fast are swapped when slow < fast; the fast EMA is seeded
// on the window that ends where the slow one's seed window ends (TA-Lib starts it
// `slow - fast` bars late), so both emit first on the same bar; the signal EMA runs on
// the MACD line from there.  `fast_k`/`slow_k` override 2/(p+1) (MACDFIX).

// The MACD line: NaN before line_start, after which both EMAs are past their warm-up.
struct MacdLine {
    Ema fast, slow;
    std::int64_t fast_start, line_start, count = 0;
    MacdLine(int f, int s, double fast_k, double slow_k)
        : fast(f, unstable_period(Unstable::EMA), fast_k),
          slow(s, unstable_period(Unstable::EMA), slow_k),
          fast_start(s - f),
          line_start(slow.lookback) {}
    THREADX_TA_INLINE double step(double x) {
        const std::int64_t bar = count++;
        const double sv = slow.step(x);
        double fv = kNaN;
        if (bar >= fast_start) fv = fast.step(x);
        return bar < line_start ? kNaN : fv - sv;
    }
    // The step from line_start on (no bookkeeping).
    THREADX_TA_INLINE double next(double x) { return fast.next(x) - slow.next(x); }
};

struct MacdCore {
    MacdLine line;
    Ema signal;
    std::int64_t lookback;
    bool copy_signal;  // signal period 1: the signal is the MACD line (TA-Lib 0.8)
    bool warm = false;
    MacdCore(int f, int s, int sig, double fast_k, double slow_k, bool copy)
        : line(f, s, fast_k, slow_k),
          signal(sig, unstable_period(Unstable::EMA)),
          lookback(line.line_start + signal.lookback),
          copy_signal(copy) {}
    THREADX_TA_INLINE void step(double x, double* y) {
        if (warm) {
            const double macd = line.next(x);
            const double sig = copy_signal ? macd : signal.next(macd);
            y[0] = macd;
            y[1] = sig;
            y[2] = macd - sig;
            return;
        }
        const std::int64_t bar = line.count;
        const double macd = line.step(x);
        if (bar < line.line_start) {
            y[0] = y[1] = y[2] = kNaN;
            return;
        }
        const double sig = copy_signal ? macd : signal.step(macd);
        if (bar < lookback) {
            y[0] = y[1] = y[2] = kNaN;
            return;
        }
        warm = true;  // from here on every EMA steps on every bar
        y[0] = macd;
        y[1] = sig;
        y[2] = macd - sig;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(line.fast, line.slow, signal, line.count, warm); }
};

// The MACD line alone (MACD's shared part): parameters as MACD's.
struct MacdLineOnly {
    static constexpr int n_inputs = 1, n_outputs = 1;
    MacdLine line;
    bool warm = false;
    static MacdLine make(const double* p) {
        const int f = as_period(p[0]), s = as_period(p[1]);
        return s < f ? MacdLine(s, f, 0, 0) : MacdLine(f, s, 0, 0);
    }
    explicit MacdLineOnly(const double* p) : line(make(p)) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        if (warm) {
            y[0] = line.next(x[0]);
            return;
        }
        y[0] = line.step(x[0]);
        warm = line.count > line.line_start;
    }
};

// The signal EMAs and outputs of k MACD sets from the line in rows [from, n) of out[0]
// (set 0's macd column, overwritten last); rows [start, from) are NaN.  The signals are
// stepped up to four sets at a time, so that their latency chains overlap.
struct MacdSignals {
    THREADX_TA_INLINE static void run(const double* const* sets, std::int64_t k, std::int64_t start,
                                      std::int64_t from, std::int64_t n, const Column* out,
                                      const CancelCheck& check) {
        for (std::int64_t hi = k; hi > 0; hi -= 4) {  // set 0's block last
            const std::int64_t lo = hi > 4 ? hi - 4 : 0;
            switch (hi - lo) {
                case 4: block<4>(sets + lo, start, from, n, out + 3 * lo, out[0], check); break;
                case 3: block<3>(sets + lo, start, from, n, out + 3 * lo, out[0], check); break;
                case 2: block<2>(sets + lo, start, from, n, out + 3 * lo, out[0], check); break;
                default: block<1>(sets + lo, start, from, n, out + 3 * lo, out[0], check); break;
            }
        }
    }
    template <int B>
    THREADX_TA_INLINE static void block(const double* const* sets, std::int64_t start, std::int64_t from,
                                        std::int64_t n, const Column* out, const Column line,
                                        const CancelCheck& check) {
        Ema signal[B];
        std::int64_t lookback[B];
        bool copy[B];
        Column m[B], sg[B], h[B];
        std::int64_t warm = from;  // the first row where every signal is past its warm-up
        for (int b = 0; b < B; ++b) {
            const int sig = as_period(sets[b][2]);
            signal[b] = Ema(sig, unstable_period(Unstable::EMA));
            lookback[b] = from + signal[b].lookback;
            copy[b] = sig == 1;
            m[b] = out[3 * b];
            sg[b] = out[3 * b + 1];
            h[b] = out[3 * b + 2];
            for (std::int64_t i = start; i < from; ++i) m[b][i] = sg[b][i] = h[b][i] = kNaN;
            warm = std::max(warm, lookback[b] + 1);
        }
        warm = std::min(warm, n);
        for (std::int64_t i = from; i < warm; ++i) {
            const double macd = line[i];
            for (int b = 0; b < B; ++b) {
                const double v = copy[b] ? macd : signal[b].step(macd);
                const bool ready = i >= lookback[b];
                m[b][i] = ready ? macd : kNaN;
                sg[b][i] = ready ? v : kNaN;
                h[b][i] = ready ? macd - v : kNaN;
            }
        }
        for (std::int64_t i = warm; i < n;) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            for (; i < stop; ++i) {
                const double macd = line[i];
                for (int b = 0; b < B; ++b) {
                    const double v = copy[b] ? macd : signal[b].next(macd);
                    m[b][i] = macd;
                    sg[b][i] = v;
                    h[b][i] = macd - v;
                }
            }
            check();
        }
    }
};

struct Macd {
    static constexpr int n_inputs = 1, n_outputs = 3;
    MacdCore c;
    static MacdCore make(const double* p) {
        int f = as_period(p[0]), s = as_period(p[1]);
        if (s < f) std::swap(f, s);
        return MacdCore(f, s, as_period(p[2]), 0, 0, as_period(p[2]) == 1);
    }
    explicit Macd(const double* p) : c(make(p)) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { c.step(x[0], y); }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Macd>(p, in, start, n, out, check);
    }
    // Sets of one fast and slow period: the MACD line once.
    static constexpr int share[] = {0, 1};
    static void group(const double* const* sets, std::int64_t k, const ConstColumn* in, std::int64_t start,
                      std::int64_t n, const Column* out, const CancelCheck& check) {
        fma_batch<MacdLineOnly>(sets[0], in, start, n, out, check);
        const std::int64_t from = std::min(start + MacdLineOnly::make(sets[0]).line_start, n);
        fma_run<MacdSignals>(sets, k, start, from, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(c); }
};

// MACD 12/26 with TA-Lib's fixed k = 0.15 and 0.075.
struct Macdfix {
    static constexpr int n_inputs = 1, n_outputs = 3;
    MacdCore c;
    explicit Macdfix(const double* p) : c(12, 26, as_period(p[0]), 0.15, 0.075, as_period(p[0]) == 1) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { c.step(x[0], y); }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Macdfix>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(c); }
};

// MACD with any MA types.  Periods (and their types) are swapped when slow < fast; both
// MAs emit first on the bar of the larger lookback (the other one starts late, as
// TA-Lib computes both from that bar's lookback), and the signal MA runs on the MACD
// line from there.  All-EMA with a signal period >= 2 is MACD itself (TA-Lib 0.8
// delegates it to MACD).
struct Macdext {
    static constexpr int n_inputs = 1, n_outputs = 3;
    MaState fast, slow, signal;
    std::int64_t fast_start = 0, slow_start = 0, first = 0, signal_lookback = 0, count = 0;
    bool as_macd;
    MacdCore core;
    static bool all_ema(const double* p) {
        const int ema = static_cast<int>(MaType::EMA);
        return as_matype(p[1]) == ema && as_matype(p[3]) == ema && as_matype(p[5]) == ema &&
               as_period(p[4]) >= 2;
    }
    struct Spec {
        int fp, ft, sp, st;
    };
    static Spec spec(const double* p) {
        Spec s{as_period(p[0]), as_matype(p[1]), as_period(p[2]), as_matype(p[3])};
        if (s.sp < s.fp) {
            std::swap(s.fp, s.sp);
            std::swap(s.ft, s.st);
        }
        return s;
    }
    explicit Macdext(const double* p) : Macdext(spec(p), as_period(p[4]), as_matype(p[5]), all_ema(p)) {}
    Macdext(Spec s, int sigp, int sigt, bool ema)
        : fast(s.ft, s.fp),
          slow(s.st, s.sp),
          signal(sigt, sigp),
          as_macd(ema),
          core(s.fp, s.sp, sigp, 0, 0, sigp == 1) {
        const std::int64_t lf = ma_lookback(s.ft, s.fp), ls = ma_lookback(s.st, s.sp);
        first = lf > ls ? lf : ls;
        fast_start = first - lf;
        slow_start = first - ls;
        signal_lookback = ma_lookback(sigt, sigp);
    }
    // Batch: the two MAs, the MACD line and the signal as whole columns, computed in the
    // output columns (fast MA and MACD line in out[0], slow MA and signal in out[1]).
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        if (all_ema(p)) {
            const double q[3] = {p[0], p[2], p[4]};
            fma_batch<Macd>(q, in, start, n, out, check);
            return;
        }
        signal_rows(p, start, line_rows(p, in[0], start, n, out, check), n, out, check);
    }
    // The MACD line into rows [first, n) of out[0] (out[1]: the slow MA); returns first.
    static std::int64_t line_rows(const double* p, ConstColumn x, std::int64_t start, std::int64_t n,
                                  const Column* out, const CancelCheck& check) {
        const Spec s = spec(p);
        const Macdext m(p);
        const std::int64_t first = start + m.first;
        ma_column(s.ft, s.fp, x, out[0], std::min(start + m.fast_start, n), n, check);
        ma_column(s.st, s.sp, x, out[1], std::min(start + m.slow_start, n), n, check);
        for (std::int64_t i = first; i < n; ++i) out[0][i] = out[0][i] - out[1][i];
        return first;
    }
    // The signal and the outputs from the line in out[0], rows [start, n).
    static void signal_rows(const double* p, std::int64_t start, std::int64_t first, std::int64_t n,
                            const Column* out, const CancelCheck& check) {
        const std::int64_t lookback = first + ma_lookback(as_matype(p[5]), as_period(p[4]));
        ma_column(as_matype(p[5]), as_period(p[4]), ConstColumn{out[0].data, out[0].stride}, out[1],
                  std::min(first, n), n, check);
        for (std::int64_t i = start; i < n; ++i) {
            if (i < lookback) {
                out[0][i] = out[1][i] = out[2][i] = kNaN;
            } else {
                out[2][i] = out[0][i] - out[1][i];
            }
        }
    }
    // Sets of one fast and slow MA: the MACD line once (the all-EMA sets: MACD's group).
    static constexpr int share[] = {0, 1, 2, 3};
    static void group(const double* const* sets, std::int64_t k, const ConstColumn* in, std::int64_t start,
                      std::int64_t n, const Column* out, const CancelCheck& check) {
        std::vector<std::array<double, 3>> q;  // the all-EMA sets as MACD parameters
        std::vector<const double*> macd_sets, ext_sets;
        std::vector<Column> macd_out, ext_out;
        for (std::int64_t s = 0; s < k; ++s) {
            const double* p = sets[s];
            const bool ema = all_ema(p);
            if (ema) q.push_back({p[0], p[2], p[4]});
            else ext_sets.push_back(p);
            auto& o = ema ? macd_out : ext_out;
            o.insert(o.end(), out + 3 * s, out + 3 * s + 3);
        }
        for (const auto& p : q) macd_sets.push_back(p.data());
        run_sets(&Macd::batch, &Macd::group, macd_sets, in, start, n, macd_out.data(), check);
        run_sets(&Macdext::batch, &ext_group, ext_sets, in, start, n, ext_out.data(), check);
    }
    // Sets that are not all-EMA: one line, copied into every set's macd column.
    static void ext_group(const double* const* sets, std::int64_t k, const ConstColumn* in, std::int64_t start,
                          std::int64_t n, const Column* out, const CancelCheck& check) {
        const std::int64_t first = line_rows(sets[0], in[0], start, n, out, check);
        for (std::int64_t s = 1; s < k; ++s) {
            const Column* o = out + 3 * s;
            for (std::int64_t i = first; i < n; ++i) o[0][i] = out[0][i];
            signal_rows(sets[s], start, first, n, o, check);
        }
        signal_rows(sets[0], start, first, n, out, check);
    }
    // None, one set alone (batch) or several together (group).
    using BatchFn = void (*)(const double*, const ConstColumn*, std::int64_t, std::int64_t, const Column*,
                             const CancelCheck&);
    using SetsFn = void (*)(const double* const*, std::int64_t, const ConstColumn*, std::int64_t, std::int64_t,
                            const Column*, const CancelCheck&);
    static void run_sets(BatchFn one, SetsFn many, const std::vector<const double*>& sets, const ConstColumn* in,
                         std::int64_t start, std::int64_t n, const Column* out, const CancelCheck& check) {
        if (sets.size() == 1) one(sets[0], in, start, n, out, check);
        if (sets.size() > 1) many(sets.data(), static_cast<std::int64_t>(sets.size()), in, start, n, out, check);
    }
    void update(const double* x, double* y) {
        if (as_macd) {
            core.step(x[0], y);
            return;
        }
        const std::int64_t bar = count++;
        double fv = kNaN, sv = kNaN;
        if (bar >= fast_start) fv = fast.step(x[0]);
        if (bar >= slow_start) sv = slow.step(x[0]);
        if (bar < first) {
            y[0] = y[1] = y[2] = kNaN;
            return;
        }
        const double macd = fv - sv;
        const double sig = signal.step(macd);
        if (bar < first + signal_lookback) {
            y[0] = y[1] = y[2] = kNaN;
            return;
        }
        y[0] = macd;
        y[1] = sig;
        y[2] = macd - sig;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(fast, slow, signal, count, core); }
};

// APO / PPO: fast MA minus slow MA (periods swapped when slow < fast), both from the
// first bar; PPO divides by the slow MA (0 when it is within 1e-8 of zero) and * 100.
template <bool Percent, class M>
struct PriceOscOf {
    static constexpr int n_inputs = 1, n_outputs = 1;
    M fast, slow;
    static int lo(const double* p) { return std::min(as_period(p[0]), as_period(p[1])); }
    static int hi(const double* p) { return std::max(as_period(p[0]), as_period(p[1])); }
    explicit PriceOscOf(const double* p)
        : fast(make_ma<M>(as_matype(p[2]), lo(p))), slow(make_ma<M>(as_matype(p[2]), hi(p))) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double f = fast.step(x[0]);
        const double s = slow.step(x[0]);
        if constexpr (Percent) {
            if (s != s) y[0] = kNaN;
            else y[0] = !is_zero(s) ? (f - s) / s * 100.0 : 0.0;
        } else {
            y[0] = f - s;
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(fast, slow); }
};

template <bool Percent>
struct PriceOsc : PriceOscOf<Percent, MaState> {
    using PriceOscOf<Percent, MaState>::PriceOscOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_matype(p[2]), 2, [&]<class M>() {
            fma_batch<PriceOscOf<Percent, M>>(p, in, start, n, out, check);
        });
    }
};

// TRIX: the 1-bar rate of change (in %) of a triple-smoothed EMA; 0 after a zero EMA3.
struct Trix {
    static constexpr int n_inputs = 1, n_outputs = 1;
    Ema e1, e2, e3;
    double prev = 0;
    bool warm = false;
    explicit Trix(const double* p) : e1(as_period(p[0])), e2(as_period(p[0])), e3(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        if (warm) {
            const double last = prev;
            prev = e3.next(e2.next(e1.next(x[0])));
            y[0] = last != 0.0 ? (prev / last - 1.0) * 100.0 : 0.0;
            return;
        }
        y[0] = kNaN;
        const double a = e1.step(x[0]);
        if (!e1.ready()) return;
        const double b = e2.step(a);
        if (!e2.ready()) return;
        const double c = e3.step(b);
        if (!e3.ready()) return;
        if (e3.count > e3.lookback + 1) {
            y[0] = prev != 0.0 ? (c / prev - 1.0) * 100.0 : 0.0;
            warm = true;
        }
        prev = c;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Trix>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(e1, e2, e3, prev, warm); }
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
    const Contiguous cx(col, n);
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

void register_overlap(std::vector<Info>& r) {
    const char* ov = "Overlap Studies";
    const char* mom = "Momentum Indicators";
    const char* st = "Statistic Functions";
    r.push_back(make_info<PeriodMa<Wma>>({"WMA", ov, "Weighted Moving Average", {"real"},
                                          {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<PeriodMa<Dema>>({"DEMA", ov, "Double Exponential Moving Average",
                                           {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<PeriodMa<Tema>>({"TEMA", ov, "Triple Exponential Moving Average",
                                           {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<PeriodMa<Trima>>({"TRIMA", ov, "Triangular Moving Average", {"real"},
                                            {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<PeriodMa<Kama>>({"KAMA", ov, "Kaufman Adaptive Moving Average",
                                           {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<T3Fn>({"T3", ov, "Triple Exponential Moving Average (T3)", {"real"},
                                 {period("timeperiod", 5, 1), real("vfactor", 0.7, 0, 1)},
                                 {"real"}}));
    r.push_back(make_info<MaFn>({"MA", ov, "Moving average", {"real"},
                                 {period("timeperiod", 30, 1), matype("matype", 0)}, {"real"}}));
    r.push_back(make_info<Bbands>(
        {"BBANDS", ov, "Bollinger Bands", {"real"},
         {period("timeperiod", 20), real("nbdevup", 2, -kRealMax, kRealMax),
          real("nbdevdn", 2, -kRealMax, kRealMax), matype("matype", 0)},
         {"upperband", "middleband", "lowerband"}}));
    r.push_back(make_info<Midpoint>({"MIDPOINT", ov, "MidPoint over period", {"real"},
                                     {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Midprice>({"MIDPRICE", ov, "Midpoint Price over period",
                                     {"high", "low"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Sar>({"SAR", ov, "Parabolic SAR", {"high", "low"},
                                {real("acceleration", 0.02, 0, kRealMax),
                                 real("maximum", 0.2, 0, kRealMax)},
                                {"real"}}));
    r.push_back(make_info<Macd>({"MACD", mom, "Moving Average Convergence/Divergence", {"real"},
                                 {period("fastperiod", 12), period("slowperiod", 26),
                                  period("signalperiod", 9, 1)},
                                 {"macd", "macdsignal", "macdhist"}}));
    r.push_back(make_info<Macdext>(
        {"MACDEXT", mom, "MACD with controllable MA type", {"real"},
         {period("fastperiod", 12), matype("fastmatype", 0), period("slowperiod", 26),
          matype("slowmatype", 0), period("signalperiod", 9, 1), matype("signalmatype", 0)},
         {"macd", "macdsignal", "macdhist"}}));
    r.push_back(make_info<Macdfix>({"MACDFIX", mom,
                                    "Moving Average Convergence/Divergence Fix 12/26", {"real"},
                                    {period("signalperiod", 9, 1)},
                                    {"macd", "macdsignal", "macdhist"}}));
    r.push_back(make_info<PriceOsc<false>>({"APO", mom, "Absolute Price Oscillator", {"real"},
                                            {period("fastperiod", 12), period("slowperiod", 26),
                                             matype("matype", 1)},
                                            {"real"}}));
    r.push_back(make_info<PriceOsc<true>>({"PPO", mom, "Percentage Price Oscillator", {"real"},
                                           {period("fastperiod", 12), period("slowperiod", 26),
                                            matype("matype", 1)},
                                           {"real"}}));
    r.push_back(make_info<Trix>({"TRIX", mom, "1-day Rate-Of-Change (ROC) of a Triple Smooth EMA",
                                 {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<Stddev>({"STDDEV", st, "Standard Deviation", {"real"},
                                   {period("timeperiod", 5), real("nbdev", 1, -kRealMax, kRealMax)},
                                   {"real"}}));
    r.push_back(make_info<Var>({"VAR", st, "Variance", {"real"},
                                {period("timeperiod", 5, 1), real("nbdev", 1, -kRealMax, kRealMax)},
                                {"real"}}));
}

}  // namespace threadx::ta
