// Volatility and momentum indicators of TA-Lib: ATR NATR TRANGE, the Wilder
// directional family (PLUS_DM MINUS_DM PLUS_DI MINUS_DI DX ADX ADXR), CCI WILLR AROON
// AROONOSC MFI ULTOSC BOP CMO MOM ROC ROCP ROCR.
//
// Each state follows the arithmetic of the TA-Lib build we are compared with (C library
// 0.8.1): its seeds, its Wilder steps (x - x/period + today for the DM family and
// CMO's multiply/add/divide; ATR's two-coefficient fma), the summation order of its
// windows and its groupings, so the outputs are bit-identical on the test data and
// the warm-up (unstable period included) ends on the same bar.
//
// Zero tests.  That build tests the true-range sums, the DI sum, CCI's and ULTOSC's
// divisors and the ROC/NATR denominators exactly (a true range of 1e-300 is divided
// by, not replaced by 0), BOP's range as "<= 0", and the flatness of CCI's window and
// of MFI's typical price relative to the price level (|d| <= 1e-14 * scale).  The
// helpers below name the test each state uses.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "threadx/ta/dense.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/wilder.hpp"

namespace threadx::ta {

namespace {

// TA_IS_ZERO as the compared TA-Lib build evaluates it (see the file comment).
inline bool ta_zero(double v) noexcept { return v == 0.0; }
// TA_IS_ZERO_OR_NEG likewise.
inline bool ta_zero_or_neg(double v) noexcept { return v <= 0.0; }
// TA_IS_ZERO_SCALED(v, scale).
inline bool ta_zero_scaled(double v, double scale) noexcept {
    return std::fabs(v) <= 0.00000000000001 * scale;
}

// True range, TA-Lib's order: high-low, then the two distances to the previous close.
// A NaN previous close gives NaN (the comparisons alone would drop it).
inline double true_range(double h, double l, double pc) noexcept {
    double g = h - l;
    const double v2 = std::fabs(pc - h);
    if (v2 > g) g = v2;
    const double v3 = std::fabs(pc - l);
    if (v3 > g) g = v3;
    return g + (pc - pc);  // + 0 (exact: g >= +0), or NaN for a NaN close
}

// ---------------------------------------------------------------- TRANGE ATR NATR

struct Trange {
    static constexpr int n_inputs = 3, n_outputs = 1;
    std::int64_t count = 0;
    double pc = 0;
    explicit Trange(const double*) {}
    double step(const double* x) {
        const double tr = count++ == 0 ? kNaN : true_range(x[0], x[1], pc);
        pc = x[2];
        return tr;
    }
    void update(const double* x, double* y) { y[0] = step(x); }
    static void batch(const double*, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        if (start < n) out[0][start] = kNaN;
        map_rows<3>(in, start + 1, n, out[0], check, [](const double* const* x, std::int64_t i) {
            return true_range(x[0][i], x[1][i], x[2][i - 1]);
        });
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, pc); }
};

// ATR (Normalize = false) and NATR (true): Wilder's average of the true range seeded
// with the mean of the first `period` ranges, then TA-Lib's two-coefficient step
// beta = (period-1)/period, alpha = 1 - beta, evaluated as fma(beta, atr, alpha * tr)
// (the compared build contracts it so; the result is bit-identical).  Period 1 is the
// plain true range (also for NATR, as in TA-Lib), still delayed by the unstable period.
template <bool Normalize>
struct Atr {
    static constexpr int n_inputs = 3, n_outputs = 1;
    int period;
    double pd, beta, alpha;
    std::int64_t lookback, steady, count = 0;
    double pc = 0, atr = 0;
    explicit Atr(const double* p)
        : period(as_period(p[0])), pd(period), beta(static_cast<double>(period - 1) / pd), alpha(1.0 - beta),
          lookback(period + unstable_period(Normalize ? Unstable::NATR : Unstable::ATR)),
          steady(period > 1 ? period + 1 : std::numeric_limits<std::int64_t>::max()) {}
    static double value(double atr, double c) noexcept {
        if constexpr (Normalize) return !ta_zero(c) ? atr / c * 100.0 : 0.0;
        return atr;
    }
    void update(const double* x, double* y) {
        const double tr = true_range(x[0], x[1], pc);  // meaningless on the first bar
        pc = x[2];
        const std::int64_t bar = count++;
        if (bar >= steady) [[likely]] {
            atr = std::fma(beta, atr, alpha * tr);
            y[0] = bar >= lookback ? value(atr, x[2]) : kNaN;
            return;
        }
        if (bar == 0) {
            y[0] = kNaN;
            return;
        }
        if (period == 1) {  // the true range itself, never normalized
            atr = tr;
            y[0] = bar >= lookback ? tr : kNaN;
            return;
        }
        atr += tr;
        if (bar == period) atr /= pd;
        y[0] = bar >= lookback ? value(atr, x[2]) : kNaN;
    }
    // Batch: update()'s steps straight over the columns, the steady rows in chain().
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const Atr s(p);
        if (s.period == 1 || n - start <= s.steady) {
            state_rows<Atr>(p, in, start, n, out, check);
            return;
        }
        Dense dense[3];
        const double* x[3];
        for (int k = 0; k < 3; ++k) x[k] = dense[k].bind(in[k], n);
        const Column o = out[0];
        o[start] = kNaN;
        double atr = 0;
        for (std::int64_t bar = 1; bar <= s.period; ++bar) {  // the seed (lookback >= period)
            const std::int64_t i = start + bar;
            atr += true_range(x[0][i], x[1][i], x[2][i - 1]);
            if (bar == s.period) atr /= s.pd;
            o[i] = bar >= s.lookback ? value(atr, x[2][i]) : kNaN;
        }
        const std::int64_t warm = start + s.lookback < n ? start + s.lookback : n;
        std::int64_t i = start + s.steady;
        for (; i < warm; ++i) {
            atr = std::fma(s.beta, atr, s.alpha * true_range(x[0][i], x[1][i], x[2][i - 1]));
            o[i] = kNaN;
        }
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            atr = chain(o, x[0], x[1], x[2], i, stop, atr, s.beta, s.alpha);
            if ((i = stop) < n) check();
        }
    }
    // The steady rows [from, to) of batch, out of line so the average stays in a register
    // (a call in the loop, the cancellation check, would keep it in memory), and built
    // for FMA where the CPU has it.
    [[gnu::target_clones("fma", "default"), gnu::noinline]] static double chain(
        Column o, const double* h, const double* l, const double* c, std::int64_t from, std::int64_t to,
        double atr, double beta, double alpha) {
        for (std::int64_t i = from; i < to; ++i) {
            atr = std::fma(beta, atr, alpha * true_range(h[i], l[i], c[i - 1]));
            o[i] = value(atr, c[i]);
        }
        return atr;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, pc, atr); }
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

// ---------------------------------------------------------------- directional movement

// TA-Lib's one-bar movements from the high's rise diffP and the low's fall diffM: +DM1 =
// diffP when it is positive and beyond diffM, -DM1 = diffM when it is positive and
// beyond diffP, else 0 (also for a NaN).  As SSE masks: which side wins is a coin flip on
// prices, and the branches the compiler makes of the selects mispredict half the time.
inline void dm1(double diffP, double diffM, double& plus1, double& minus1) noexcept {
#if defined(__SSE2__)
    const __m128d p = _mm_set_sd(diffP), m = _mm_set_sd(diffM), z = _mm_setzero_pd();
    plus1 = _mm_cvtsd_f64(_mm_and_pd(_mm_and_pd(_mm_cmpgt_sd(p, z), _mm_cmpgt_sd(p, m)), p));
    minus1 = _mm_cvtsd_f64(_mm_and_pd(_mm_and_pd(_mm_cmpgt_sd(m, z), _mm_cmplt_sd(p, m)), m));
#else
    plus1 = (diffP > 0) & (diffP > diffM) ? diffP : 0.0;
    minus1 = (diffM > 0) & (diffP < diffM) ? diffM : 0.0;
#endif
}

// +DM / -DM / TR with TA-Lib's seeding: the sums of the first (period - 1) one-bar
// values (bars 1 .. period-1), then Wilder's x - x/period + today from bar `period`.
// Plus/Minus/Tr select what is kept (DX and ADX need all three).
template <bool Plus, bool Minus, bool Tr>
struct DirCore {
    int period;
    double pd;
    std::int64_t count = 0;
    double ph = 0, pl = 0, pc = 0, pdm = 0, mdm = 0, tr = 0;
    explicit DirCore(int p) : period(p), pd(p) {}
    // Returns the bar just processed (0 = the first one).
    // Takes the bar's high and low: its bar number, the high's rise and the low's fall.
    std::int64_t moves(double h, double l, double& diffP, double& diffM) noexcept {
        diffP = h - ph;
        diffM = pl - l;
        ph = h;
        pl = l;
        return count++;
    }
    std::int64_t step(double h, double l, double c) {
        double diffP, diffM, plus1, minus1;
        const std::int64_t bar = moves(h, l, diffP, diffM);
        // adding a 0 one-bar movement to the non-negative sums is exact.  Without a true
        // range (PLUS_DM, MINUS_DM), nan0 (0, or NaN when a leg is NaN) poisons the sums
        // instead of skipping the bar; with one, the true range's own NaN does that for
        // every output.
        dm1(diffP, diffM, plus1, minus1);
        if constexpr (!Tr) {
            const double nan0 = (diffP - diffP) + (diffM - diffM);
            plus1 += nan0;
            minus1 += nan0;
        }
        double r = 0;
        if constexpr (Tr) {
            r = true_range(h, l, pc);
            pc = c;
        }
        if (bar >= period) [[likely]] {
            if constexpr (Plus) pdm = pdm - pdm / pd + plus1;
            if constexpr (Minus) mdm = mdm - mdm / pd + minus1;
            if constexpr (Tr) tr = tr - tr / pd + r;
        } else if (bar > 0) {  // seed: plain sums of bars 1 .. period-1
            if constexpr (Plus) pdm += plus1;
            if constexpr (Minus) mdm += minus1;
            if constexpr (Tr) tr += r;
        }
        return bar;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, ph, pl, pc, pdm, mdm, tr); }
};

// The lookback of PLUS_DM .. MINUS_DI: `base` bars plus the unstable period; period 1
// (the one-bar values, no smoothing) starts on the second bar.
inline std::int64_t dm_lookback(int period, int base, Unstable u) {
    return period > 1 ? base + unstable_period(u) : 1;
}

// PLUS_DM (IsPlus) and MINUS_DM.
template <bool IsPlus>
struct Dm {
    static constexpr int n_inputs = 2, n_outputs = 1;
    DirCore<IsPlus, !IsPlus, false> d;
    std::int64_t lookback;
    explicit Dm(const double* p)
        : d(as_period(p[0])),
          lookback(dm_lookback(d.period, d.period - 1, IsPlus ? Unstable::PLUS_DM : Unstable::MINUS_DM)) {}
    void update(const double* x, double* y) {
        if (d.period == 1) {  // the one-bar movement, no smoothing
            double diffP, diffM, plus1, minus1;
            const std::int64_t bar = d.moves(x[0], x[1], diffP, diffM);
            dm1(diffP, diffM, plus1, minus1);
            y[0] = bar == 0 || diffP != diffP || diffM != diffM ? kNaN : (IsPlus ? plus1 : minus1);
            return;
        }
        const std::int64_t bar = d.step(x[0], x[1], 0.0);
        y[0] = bar >= lookback ? (IsPlus ? d.pdm : d.mdm) : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(d); }
};

// PLUS_DI (IsPlus) and MINUS_DI: 100 * DM / TR.  Period 1 is TA-Lib's special case:
// the one-bar ratio DM1 / TR1 (not times 100), 0 when the bar has no such movement.
template <bool IsPlus>
struct Di {
    static constexpr int n_inputs = 3, n_outputs = 1;
    DirCore<IsPlus, !IsPlus, true> d;
    std::int64_t lookback;
    explicit Di(const double* p)
        : d(as_period(p[0])),
          lookback(dm_lookback(d.period, d.period, IsPlus ? Unstable::PLUS_DI : Unstable::MINUS_DI)) {}
    void update(const double* x, double* y) {
        if (d.period == 1) {
            double diffP, diffM, plus1, minus1;
            const std::int64_t bar = d.moves(x[0], x[1], diffP, diffM);
            dm1(diffP, diffM, plus1, minus1);
            const double move = IsPlus ? plus1 : minus1;  // > 0 exactly when there is one
            if (bar == 0) {
                y[0] = kNaN;
            } else if (move > 0) {
                const double tr = true_range(x[0], x[1], d.pc);
                y[0] = ta_zero(tr) ? 0.0 : move / tr;
            } else {
                y[0] = std::isnan(diffP) || std::isnan(diffM) || std::isnan(d.pc) ? kNaN : 0.0;
            }
            d.pc = x[2];
            return;
        }
        const std::int64_t bar = d.step(x[0], x[1], x[2]);
        if (bar < lookback) {
            y[0] = kNaN;
            return;
        }
        y[0] = !ta_zero(d.tr) ? 100.0 * ((IsPlus ? d.pdm : d.mdm) / d.tr) : 0.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(d); }
};

// DX of the current Wilder sums; false when TA-Lib's zero guards skip it.
inline bool dx_of(double pdm, double mdm, double tr, double& dx) noexcept {
    if (ta_zero(tr)) return false;
    const double minusDI = 100.0 * (mdm / tr);
    const double plusDI = 100.0 * (pdm / tr);
    const double sum = minusDI + plusDI;
    if (ta_zero(sum)) return false;
    dx = 100.0 * (std::fabs(minusDI - plusDI) / sum);
    return true;
}

// DX: the first value is 0 when guarded, later guarded bars repeat the previous value.
struct Dx {
    static constexpr int n_inputs = 3, n_outputs = 1;
    DirCore<true, true, true> d;
    std::int64_t lookback;
    double last = 0;
    explicit Dx(const double* p) : d(as_period(p[0])), lookback(d.period + unstable_period(Unstable::DX)) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = d.step(x[0], x[1], x[2]);
        if (bar < lookback) {
            y[0] = kNaN;
            return;
        }
        double dx;
        if (dx_of(d.pdm, d.mdm, d.tr, dx)) last = dx;
        y[0] = last;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(d, last); }
};

// ADX: the mean of the first `period` DX (guarded ones count as 0), then Wilder's
// smoothing (guarded bars keep the previous ADX).
struct AdxCore {
    DirCore<true, true, true> d;
    double pm1;
    std::int64_t first, lookback;
    double adx = 0;  // the running sum of the first DX until bar `first`
    explicit AdxCore(int p)
        : d(p), pm1(p - 1), first(2 * static_cast<std::int64_t>(p) - 1),
          lookback(first + unstable_period(Unstable::ADX)) {}
    double step(double h, double l, double c) {
        const std::int64_t bar = d.step(h, l, c);
        if (bar < d.period) return kNaN;
        double dx;
        const bool ok = dx_of(d.pdm, d.mdm, d.tr, dx);
        if (bar > first) [[likely]] {
            if (ok) adx = (adx * pm1 + dx) / d.pd;
        } else {
            if (ok) adx += dx;
            if (bar < first) return kNaN;
            adx = adx / d.pd;
        }
        return bar >= lookback ? adx : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(d, adx); }
};

struct Adx {
    static constexpr int n_inputs = 3, n_outputs = 1;
    AdxCore a;
    explicit Adx(const double* p) : a(as_period(p[0])) {}
    void update(const double* x, double* y) { y[0] = a.step(x[0], x[1], x[2]); }
    template <class Ar>
    void fields(Ar& ar) { ar(a); }
};

// ADXR: (ADX + ADX of period-1 bars earlier) / 2.  TA-Lib uses ADX's unstable period
// here, not ADXR's.
struct Adxr {
    static constexpr int n_inputs = 3, n_outputs = 1;
    AdxCore a;
    Ring lag;  // the last period-1 ADX values
    std::int64_t lookback, count = 0;
    explicit Adxr(const double* p)
        : a(as_period(p[0])), lag(as_period(p[0]) - 1), lookback(a.lookback + as_period(p[0]) - 1) {}
    void update(const double* x, double* y) {
        const double adx = a.step(x[0], x[1], x[2]);
        const double old = lag.push(adx);
        y[0] = count++ >= lookback ? (adx + old) / 2.0 : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(a, lag, count); }
};

// ---------------------------------------------------------------- CCI

// CCI over the typical price; mean and mean deviation are recomputed over the window
// every bar, summed in the ring's storage order as TA-Lib's circular buffer does.  A
// window is flat (CCI 0) when the deviation from the mean or the mean deviation is
// within 1e-14 of the mean's size (TA-Lib's scale-relative test).
struct Cci {
    static constexpr int n_inputs = 3, n_outputs = 1;
    int period;
    double pd;
    Ring w;
    std::int64_t count = 0;
    explicit Cci(const double* p) : period(as_period(p[0])), pd(period), w(period) {}
    // two passes over the window per bar (see bars_between_checks)
    static std::int64_t work_per_bar(const double* p) { return 2 * static_cast<std::int64_t>(p[0]); }
    void update(const double* x, double* y) {
        const double last = (x[0] + x[1] + x[2]) / 3;
        w.push(last);
        if (count++ < period - 1) {
            y[0] = kNaN;
            return;
        }
        const double* v = w.v.data();
        const std::size_t n = w.v.size();
        double avg = 0;
        for (std::size_t j = 0; j < n; ++j) avg += v[j];
        avg /= pd;
        double dev = 0;
        for (std::size_t j = 0; j < n; ++j) dev += std::fabs(v[j] - avg);
        dev /= pd;
        const double num = last - avg;
        const double level = std::fabs(avg);
        y[0] = !ta_zero_scaled(num, level) && !ta_zero_scaled(dev, level) ? num / (0.015 * dev) : 0.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w, count); }
};

// ---------------------------------------------------------------- window extremes

// Extreme of the last `len` values in O(1) per bar (van Herk / Gil-Werman blocks of
// `len` bars): the window is the tail of the previous block (its suffix extremes,
// built once per block) plus the head of the current one (a running extreme).
// With Index, the bar of the extreme is kept too and ties go to the latest bar, which
// is what TA-Lib's AROON scan (>= / <= everywhere) yields.  Values only (WILLR): the
// tie rule cannot matter.  A NaN never leaks into a window that does not hold it; the
// caller reports NaN while one is inside (nan_in_window).
template <bool IsMax, bool Index>
struct BlockExtreme {
    std::int64_t len;
    std::vector<double> raw, suf;          // current block's values; previous block's suffix extremes
    std::vector<std::int64_t> suf_at;      // bars of suf (Index only)
    std::int64_t b = 0, t = 0, last_nan = -1;
    double pre = 0;                        // extreme of the current block so far
    std::int64_t pre_at = 0;
    double ext = 0;                        // extreme of the window after the last push
    std::int64_t at = 0;                   // its bar (Index only)
    explicit BlockExtreme(std::int64_t n)
        : len(n), raw(static_cast<std::size_t>(n)), suf(static_cast<std::size_t>(n)),
          suf_at(Index ? static_cast<std::size_t>(n) : 0) {}

    static bool better(double a, double b) noexcept { return IsMax ? a > b : a < b; }
    // The more extreme value (either one on a tie: they are equal); maxsd / minsd.
    static double pick(double a, double b) noexcept { return IsMax ? std::max(a, b) : std::min(a, b); }
    // c ? a : b on bar numbers, as arithmetic (the compiler turns selects into branches,
    // and which side wins is a coin flip on price data).
    static std::int64_t sel(bool c, std::int64_t a, std::int64_t b) noexcept {
        return b + ((a - b) & -static_cast<std::int64_t>(c));
    }
    static constexpr double kWorst = IsMax ? -std::numeric_limits<double>::infinity()
                                           : std::numeric_limits<double>::infinity();

    void push(double x) {
        const std::int64_t today = t++;
        if (x != x) last_nan = today;
        double* r = raw.data();
        r[b] = x;
        if (b == 0) pre = kWorst;
        // newest wins ties inside the current block
        if constexpr (Index) pre_at = sel(!better(pre, x), today, pre_at);
        pre = pick(pre, x);
        if (b + 1 == len) {  // block complete: the window is exactly this block
            ext = pre;
            if constexpr (Index) at = pre_at;
            double* sf = suf.data();
            double e = r[len - 1];
            sf[len - 1] = e;
            if constexpr (Index) {
                std::int64_t* sa = suf_at.data();
                std::int64_t ea = today;
                sa[len - 1] = ea;
                const std::int64_t base = today - (len - 1);
                for (std::int64_t i = len - 2; i >= 0; --i) {
                    const double v = r[i];
                    ea = sel(better(v, e), base + i, ea);  // the later bar keeps a tie
                    e = pick(e, v);
                    sf[i] = e;
                    sa[i] = ea;
                }
            } else {
                for (std::int64_t i = len - 2; i >= 0; --i) {
                    e = pick(e, r[i]);
                    sf[i] = e;
                }
            }
            b = 0;
            return;
        }
        // older part: suffix of the previous block from b+1; the newer part wins ties
        const std::size_t k = static_cast<std::size_t>(b + 1);
        const double so = suf[k];
        if constexpr (Index) at = sel(better(so, pre), suf_at[k], pre_at);
        ext = pick(pre, so);
        ++b;
    }
    bool nan_in_window() const noexcept { return last_nan >= 0 && t - 1 - last_nan < len; }
    template <class Ar>
    void fields(Ar& ar) { ar(raw, suf, suf_at, b, t, last_nan, pre, pre_at, ext, at); }
};

// WILLR: -100 * (highest - close) / (highest - lowest) (this grouping is the compared
// build's, bit for bit), 0 for a flat window.  Highest high and lowest low of the last
// `period` bars by the same van Herk / Gil-Werman blocks as BlockExtreme, both sides
// in one pass (values only, so ties cannot matter).
struct Willr {
    static constexpr int n_inputs = 3, n_outputs = 1;
    std::int64_t len;
    std::vector<double> raw, suf;  // interleaved (high, low) of the current block / suffix extremes of the previous
    std::int64_t b = 0, t = 0, last_nan = -1;
    double pre_h = -std::numeric_limits<double>::infinity(), pre_l = std::numeric_limits<double>::infinity();
    explicit Willr(const double* p)
        : len(as_period(p[0])), raw(2 * static_cast<std::size_t>(len)), suf(2 * static_cast<std::size_t>(len)) {}
    void update(const double* x, double* y) {
        const double h = x[0], l = x[1];
        const std::int64_t today = t++;
        if ((h != h) | (l != l)) last_nan = today;
        double* r = raw.data() + 2 * b;
        r[0] = h;
        r[1] = l;
        pre_h = std::max(pre_h, h);
        pre_l = std::min(pre_l, l);
        double hi, lo;
        if (b + 1 == len) {  // block complete: the window is exactly this block
            hi = pre_h;
            lo = pre_l;
            const double* rr = raw.data();
            double* sf = suf.data();
            double eh = h, el = l;
            sf[2 * len - 2] = eh;
            sf[2 * len - 1] = el;
            for (std::int64_t i = len - 2; i >= 0; --i) {
                eh = std::max(eh, rr[2 * i]);
                el = std::min(el, rr[2 * i + 1]);
                sf[2 * i] = eh;
                sf[2 * i + 1] = el;
            }
            pre_h = -std::numeric_limits<double>::infinity();
            pre_l = std::numeric_limits<double>::infinity();
            b = 0;
        } else {
            const double* so = suf.data() + 2 * (b + 1);
            hi = std::max(pre_h, so[0]);
            lo = std::min(pre_l, so[1]);
            ++b;
        }
        if (today < len - 1 || today - last_nan < len) {
            y[0] = kNaN;
            return;
        }
        const double range = hi - lo;
        y[0] = range != 0.0 ? -100.0 * ((hi - x[2]) / range) : 0.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(raw, suf, b, t, last_nan, pre_h, pre_l); }
};

// AROON (outputs aroondown, aroonup) and AROONOSC (Osc): the bars since the latest
// highest high / lowest low of the last period+1 bars.
template <bool Osc>
struct Aroon {
    static constexpr int n_inputs = 2, n_outputs = Osc ? 1 : 2;
    int period;
    double factor;
    BlockExtreme<true, true> hi;
    BlockExtreme<false, true> lo;
    explicit Aroon(const double* p)
        : period(as_period(p[0])), factor(100.0 / static_cast<double>(period)), hi(period + 1), lo(period + 1) {}
    void update(const double* x, double* y) {
        const bool warm = lo.t < period;
        hi.push(x[0]);
        lo.push(x[1]);
        if (warm || lo.nan_in_window() || hi.nan_in_window()) {
            for (int j = 0; j < n_outputs; ++j) y[j] = kNaN;
            return;
        }
        const std::int64_t today = lo.t - 1;
        if constexpr (Osc) {
            y[0] = factor * static_cast<double>(static_cast<int>(hi.at - lo.at));
        } else {
            y[0] = factor * static_cast<double>(period - static_cast<int>(today - lo.at));
            y[1] = factor * static_cast<double>(period - static_cast<int>(today - hi.at));
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(hi, lo); }
};

// ---------------------------------------------------------------- MFI

// MFI as the TA-Lib release compared with: no unstable period; a bar whose typical
// price moved by no more than 1e-14 of its size carries no flow; a whole period of
// flowless bars resets the sums to exactly 0; the ratio is clamped into [0, 100].
struct Mfi {
    static constexpr int n_inputs = 4, n_outputs = 1;
    int period;
    Ring pos, neg;
    std::int64_t count = 0, null_run = 0;
    double prev = 0, pos_sum = 0, neg_sum = 0;
    explicit Mfi(const double* p) : period(as_period(p[0])), pos(period), neg(period) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        const double tp = (x[0] + x[1] + x[2]) / 3.0;
        if (bar == 0) {
            prev = tp;
            y[0] = kNaN;
            return;
        }
        const double d = tp - prev;
        const double scale = std::fabs(tp) + std::fabs(prev);
        prev = tp;
        const double flow = tp * x[3];
        const double mf = ta_zero_scaled(d, scale) ? 0.0 : flow;
        const double pf = d < 0.0 ? 0.0 : mf;
        const double nf = d < 0.0 ? mf : 0.0;
        pos_sum -= pos.push(pf);  // the slot is 0.0 until the window has filled
        neg_sum -= neg.push(nf);
        pos_sum += pf;
        neg_sum += nf;
        null_run = mf == 0.0 ? null_run + 1 : 0;
        if (null_run >= period) {
            null_run = period;
            pos_sum = 0.0;
            neg_sum = 0.0;
        }
        if (bar < period) {
            y[0] = kNaN;
            return;
        }
        const double total = pos_sum + neg_sum;
        const double pc = pos_sum < 0.0 ? 0.0 : (pos_sum > total ? total : pos_sum);
        y[0] = total <= 0.0 ? 0.0 : 100.0 * (pc / total);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(pos, neg, count, null_run, prev, pos_sum, neg_sum); }
};

// ---------------------------------------------------------------- ULTOSC

// Ultimate oscillator.  TA-Lib sorts the three periods: the shortest gets weight 4,
// the middle 2, the longest 1, whatever the argument order.  Each bar's two terms
// (close - true low, true range) go into one ring of the longest period; the three
// sums add a bar when it arrives and drop it when it leaves their own window, each
// starting with the bars of its first window only, as TA-Lib's do.
struct Ultosc {
    static constexpr int n_inputs = 3, n_outputs = 1;
    int p1, p2, p3;                   // shortest .. longest
    std::vector<double> ring;         // interleaved (a, b) of the last p3 bars
    std::int64_t count = 0, head = 0, tr1 = 0, tr2 = 0;  // slots: next write, window 1 and 2 tails
    double pc = 0, a1 = 0, a2 = 0, a3 = 0, b1 = 0, b2 = 0, b3 = 0;
    static int nth(const double* p, int k) {
        int v[3] = {as_period(p[0]), as_period(p[1]), as_period(p[2])};
        std::sort(v, v + 3);
        return v[k];
    }
    explicit Ultosc(const double* p)
        : p1(nth(p, 0)), p2(nth(p, 1)), p3(nth(p, 2)), ring(2 * static_cast<std::size_t>(p3)),
          tr1(p3 - p1), tr2(p3 - p2) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        const double tl = x[1] < pc ? x[1] : pc;
        const double a = x[2] - tl;
        const double b = true_range(x[0], x[1], pc);
        pc = x[2];
        if (bar == 0) {
            y[0] = kNaN;
            return;
        }
        double* r = ring.data();
        r[2 * head] = a;
        r[2 * head + 1] = b;
        if (++head == p3) head = 0;
        if (bar < p3) [[unlikely]] {  // warm-up: each sum takes only its own first window
            if (bar >= p3 - p1 + 1) {
                a1 += a;
                b1 += b;
            }
            if (bar >= p3 - p2 + 1) {
                a2 += a;
                b2 += b;
            }
            a3 += a;
            b3 += b;
            y[0] = kNaN;
            return;
        }
        a1 += a;
        a2 += a;
        a3 += a;
        b1 += b;
        b2 += b;
        b3 += b;
        double out = 0.0;
        if (!ta_zero(b1)) out += 4.0 * (a1 / b1);
        if (!ta_zero(b2)) out += 2.0 * (a2 / b2);
        if (!ta_zero(b3)) out += a3 / b3;
        // drop the oldest bar of each window: window 3's is the slot written next
        a1 -= r[2 * tr1];
        b1 -= r[2 * tr1 + 1];
        if (++tr1 == p3) tr1 = 0;
        a2 -= r[2 * tr2];
        b2 -= r[2 * tr2 + 1];
        if (++tr2 == p3) tr2 = 0;
        a3 -= r[2 * head];
        b3 -= r[2 * head + 1];
        y[0] = 100.0 * (out / 7.0);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ring, count, head, tr1, tr2, pc, a1, a2, a3, b1, b2, b3); }
};

// ---------------------------------------------------------------- BOP CMO MOM ROC*

struct Bop : Pointwise<Bop> {
    static constexpr int n_inputs = 4, n_outputs = 1;
    explicit Bop(const double*) {}
    void update(const double* x, double* y) {
        const double range = x[1] - x[2];
        y[0] = ta_zero_or_neg(range) ? 0.0 : (x[3] - x[0]) / range;
    }
};

enum class Change { Mom, Roc, Rocp, Rocr };

// MOM and the rates of change against the value `period` bars earlier (0 when that
// value is exactly 0, as TA-Lib).
template <Change K>
struct PriceChange {
    static constexpr int n_inputs = 1, n_outputs = 1;
    int period;
    Ring w;
    std::int64_t count = 0;
    explicit PriceChange(const double* p) : period(as_period(p[0])), w(period) {}
    static double value(double v, double old) noexcept {
        if constexpr (K == Change::Mom) return v - old;
        else if constexpr (K == Change::Roc) return old != 0.0 ? ((v / old) - 1.0) * 100.0 : 0.0;
        else if constexpr (K == Change::Rocp) return old != 0.0 ? (v - old) / old : 0.0;
        else return old != 0.0 ? v / old : 0.0;
    }
    void update(const double* x, double* y) {
        const double v = x[0];
        const double old = w.push(v);
        if (count < period) {
            ++count;
            y[0] = kNaN;
            return;
        }
        y[0] = value(v, old);
    }
    // Straight over the column: row i against row i - period (vectorised).
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const std::int64_t lag = as_period(p[0]);
        const std::int64_t from = start + lag < n ? start + lag : n;
        for (std::int64_t i = start; i < from; ++i) out[0][i] = kNaN;
        map_rows<1>(in, from, n, out[0], check,
                    [lag](const double* const* x, std::int64_t i) { return value(x[0][i], x[0][i - lag]); });
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w, count); }
};

}  // namespace

void register_directional(std::vector<Info>& r) {
    const std::vector<std::string> kHLC{"high", "low", "close"};
    const std::vector<std::string> kHL{"high", "low"};
    const char* vol = "Volatility Indicators";
    const char* mom = "Momentum Indicators";
    r.push_back(make_info<Trange>({"TRANGE", vol, "True Range", kHLC, {}, {"real"}}));
    r.push_back(make_info_fma<Kc>({"KC", "Overlap Studies", "Keltner Channels", kHLC,
                                   {period("timeperiod", 20), period("atrperiod", 10, 1),
                                    real("nbdev", 2.0, -3e37, 3e37)},
                                   {"upperband", "middleband", "lowerband"}}));
    r.push_back(make_info_fma<Atr<false>>({"ATR", vol, "Average True Range", kHLC,
                                       {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info_fma<Atr<true>>({"NATR", vol, "Normalized Average True Range", kHLC,
                                      {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Dm<true>>({"PLUS_DM", mom, "Plus Directional Movement", kHL,
                                     {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Dm<false>>({"MINUS_DM", mom, "Minus Directional Movement", kHL,
                                      {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Di<true>>({"PLUS_DI", mom, "Plus Directional Indicator", kHLC,
                                     {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Di<false>>({"MINUS_DI", mom, "Minus Directional Indicator", kHLC,
                                      {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Dx>({"DX", mom, "Directional Movement Index", kHLC,
                               {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Adx>({"ADX", mom, "Average Directional Movement Index", kHLC,
                                {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Adxr>({"ADXR", mom, "Average Directional Movement Index Rating", kHLC,
                                 {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Cci>({"CCI", mom, "Commodity Channel Index", kHLC,
                                {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Willr>({"WILLR", mom, "Williams' %R", kHLC,
                                  {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Aroon<false>>({"AROON", mom, "Aroon", kHL, {period("timeperiod", 14)},
                                         {"aroondown", "aroonup"}}));
    r.push_back(make_info<Aroon<true>>({"AROONOSC", mom, "Aroon Oscillator", kHL,
                                        {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Mfi>({"MFI", mom, "Money Flow Index", {"high", "low", "close", "volume"},
                                {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Ultosc>({"ULTOSC", mom, "Ultimate Oscillator", kHLC,
                                   {period("timeperiod1", 7, 1), period("timeperiod2", 14, 1),
                                    period("timeperiod3", 28, 1)},
                                   {"real"}}));
    r.push_back(make_info<Bop>({"BOP", mom, "Balance Of Power", {"open", "high", "low", "close"}, {},
                                {"real"}}));
    r.push_back(make_info<SingleMa<CmoSeries>>({"CMO", mom, "Chande Momentum Oscillator", {"real"},
                                {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Mom>>({"MOM", mom, "Momentum", {"real"},
                                                     {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Roc>>(
        {"ROC", mom, "Rate of change : ((price/prevPrice)-1)*100", {"real"},
         {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Rocp>>(
        {"ROCP", mom, "Rate of change Percentage: (price-prevPrice)/prevPrice", {"real"},
         {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Rocr>>(
        {"ROCR", mom, "Rate of change ratio: (price/prevPrice)", {"real"},
         {period("timeperiod", 10, 1)}, {"real"}}));
}

}  // namespace threadx::ta
