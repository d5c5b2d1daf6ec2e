// Momentum Indicators (TA-Lib's group): RSI, the Wilder directional family (PLUS_DM
// MINUS_DM PLUS_DI MINUS_DI DX ADX ADXR), CCI WILLR AROON AROONOSC MFI ULTOSC BOP CMO
// MOM ROC ROCP ROCR ROCR100, the MACD family (MACD MACDEXT MACDFIX) APO PPO TRIX, and the
// stochastics (STOCH STOCHF STOCHRSI).
//
// Each state follows the arithmetic of the TA-Lib build we are compared with (C library
// 0.8.1): its seeds, its Wilder steps (x - x/period + today for the DM family and
// CMO's multiply/add/divide), the summation order of its windows and its groupings, so
// the outputs are bit-identical on the test data and the warm-up (unstable period
// included) ends on the same bar.
//
// Zero tests.  That build tests the true-range sums, the DI sum, CCI's and ULTOSC's
// divisors and the ROC denominators exactly (a true range of 1e-300 is divided by, not
// replaced by 0: is_zero), BOP's range as "<= 0" (is_zero_or_neg), and the flatness of
// CCI's window and of MFI's typical price relative to the price level (is_zero_scaled).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "threadx/ta/atr.hpp"
#include "threadx/ta/dense.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/price_osc.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/stoch.hpp"
#include "threadx/ta/wilder.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

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
                y[0] = is_zero(tr) ? 0.0 : move / tr;
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
        y[0] = !is_zero(d.tr) ? 100.0 * ((IsPlus ? d.pdm : d.mdm) / d.tr) : 0.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(d); }
};

// DX of the current Wilder sums; false when TA-Lib's zero guards skip it.
inline bool dx_of(double pdm, double mdm, double tr, double& dx) noexcept {
    if (is_zero(tr)) return false;
    const double minusDI = 100.0 * (mdm / tr);
    const double plusDI = 100.0 * (pdm / tr);
    const double sum = minusDI + plusDI;
    if (is_zero(sum)) return false;
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
        y[0] = !is_zero_scaled(num, level) && !is_zero_scaled(dev, level) ? num / (0.015 * dev) : 0.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w, count); }
};

// ---------------------------------------------------------------- window extremes

// WILLR: -100 * (highest - close) / (highest - lowest) (this grouping is the compared
// build's, bit for bit), 0 for a flat window; highest high and lowest low of the last
// `period` bars by BlockExtremes (values only).
struct Willr {
    static constexpr int n_inputs = 3, n_outputs = 1;
    using W = BlockExtremes<true, true>;
    W w;
    explicit Willr(const double* p) : w(as_period(p[0])) {}
    THREADX_TA_INLINE static double value(const W::Win& e, double close) noexcept {
        const double hi = e.max(), range = hi - e.min();
        return range != 0.0 ? -100.0 * ((hi - close) / range) : 0.0;
    }
    void update(const double* x, double* y) {
        w.push(x[0], x[1]);
        y[0] = !w.full() || w.has_nan() ? kNaN : value(w.window(), x[2]);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const Dense h(in[0], n), l(in[1], n), c(in[2], n);
        const double* close = c.p;
        const Column o = out[0];
        W::run({h.p, l.p}, start, n, as_period(p[0]),
               [&](std::int64_t i, const W::Win& e) { o[i] = value(e, close[i]); },
               [&](std::int64_t i) { o[i] = kNaN; }, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w); }
};

// AROON (outputs aroondown, aroonup) and AROONOSC (Osc): the bars since the latest
// highest high / lowest low of the last period+1 bars (BlockExtremes with positions:
// the latest of ties, as TA-Lib's scan).
template <bool Osc>
struct Aroon {
    static constexpr int n_inputs = 2, n_outputs = Osc ? 1 : 2;
    using W = BlockExtremes<true, true, true>;
    int period;
    double factor;
    W w;
    explicit Aroon(const double* p)
        : period(as_period(p[0])), factor(100.0 / static_cast<double>(period)), w(period + 1) {}
    THREADX_TA_INLINE void emit(std::int64_t today, const W::Win& e, double* y) const noexcept {
        if constexpr (Osc) {
            y[0] = factor * static_cast<double>(static_cast<int>(e.max_at() - e.min_at()));
        } else {
            y[0] = factor * static_cast<double>(period - static_cast<int>(today - e.min_at()));
            y[1] = factor * static_cast<double>(period - static_cast<int>(today - e.max_at()));
        }
    }
    void update(const double* x, double* y) {
        w.push(x[0], x[1]);
        if (!w.full() || w.has_nan()) {
            for (int j = 0; j < n_outputs; ++j) y[j] = kNaN;
            return;
        }
        emit(w.bars() - 1, w.window(), y);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const Aroon a(p);
        const Dense h(in[0], n), l(in[1], n);
        const Column o0 = out[0], o1 = out[Osc ? 0 : 1];
        W::run({h.p, l.p}, start, n, a.period + 1,
               [&](std::int64_t i, const W::Win& e) {
                   double y[2];
                   a.emit(i, e, y);
                   o0[i] = y[0];
                   if constexpr (!Osc) o1[i] = y[1];
               },
               [&](std::int64_t i) {
                   o0[i] = kNaN;
                   if constexpr (!Osc) o1[i] = kNaN;
               },
               check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w); }
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
        const double mf = is_zero_scaled(d, scale) ? 0.0 : flow;
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
        if (!is_zero(b1)) out += 4.0 * (a1 / b1);
        if (!is_zero(b2)) out += 2.0 * (a2 / b2);
        if (!is_zero(b3)) out += a3 / b3;
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
    // Restored: the three slots (next write, the two shorter windows' tails) in the ring.
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "ULTOSC.count", count, "must not be negative");
        c.index("ULTOSC.head", head, p3);
        c.index("ULTOSC.tr1", tr1, p3);
        c.index("ULTOSC.tr2", tr2, p3);
    }
};

// ---------------------------------------------------------------- BOP CMO MOM ROC*

struct Bop : Pointwise<Bop> {
    static constexpr int n_inputs = 4, n_outputs = 1;
    explicit Bop(const double*) {}
    void update(const double* x, double* y) {
        const double range = x[1] - x[2];
        y[0] = is_zero_or_neg(range) ? 0.0 : (x[3] - x[0]) / range;
    }
};

enum class Change { Mom, Roc, Rocp, Rocr, Rocr100 };

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
        else if constexpr (K == Change::Rocr) return old != 0.0 ? v / old : 0.0;
        else return old != 0.0 ? (v / old) * 100.0 : 0.0;
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

// ---------------------------------------------------------------- stochastics

template <class M>
struct StochRsiOf {
    static constexpr int n_inputs = 1, n_outputs = 2;  // real -> fastk, fastd
    RsiSeries rsi;
    bool rsi_ready = false;
    StochWindow w;  // %K of the RSI series (its own high, low and close)
    FastSmoothing<M> smooth;
    explicit StochRsiOf(const double* p)
        : rsi(as_period(p[0])), w(as_period(p[1])), smooth(as_period(p[3]), as_period(p[2])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        y[0] = y[1] = kNaN;
        const double r = rsi.step(x[0]);
        if (!rsi_ready) {
            if (r != r) return;
            rsi_ready = true;
        }
        w.push(r);
        if (!w.full()) return;
        smooth(window_k(w, r), y);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(rsi, rsi_ready, w, smooth); }
};

struct StochRsi : StochRsiOf<MaState> {
    using StochRsiOf::StochRsiOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_period(p[3]), as_period(p[2]), [&]<class M>() {
            fma_batch<StochRsiOf<M>>(p, in, start, n, out, check);
        });
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

}  // namespace

void register_momentum(std::vector<Info>& r) {
    const std::vector<std::string> kHLC{"high", "low", "close"};
    const std::vector<std::string> kHL{"high", "low"};
    r.push_back(make_info<SingleMa<RsiSeries>>({"RSI", "Momentum Indicators", "Relative Strength Index",
                                {"real"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Dm<true>>({"PLUS_DM", "Momentum Indicators", "Plus Directional Movement", kHL,
                                     {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Dm<false>>({"MINUS_DM", "Momentum Indicators", "Minus Directional Movement", kHL,
                                      {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Di<true>>({"PLUS_DI", "Momentum Indicators", "Plus Directional Indicator", kHLC,
                                     {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Di<false>>({"MINUS_DI", "Momentum Indicators", "Minus Directional Indicator", kHLC,
                                      {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info<Dx>({"DX", "Momentum Indicators", "Directional Movement Index", kHLC,
                               {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Adx>({"ADX", "Momentum Indicators", "Average Directional Movement Index", kHLC,
                                {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Adxr>({"ADXR", "Momentum Indicators", "Average Directional Movement Index Rating", kHLC,
                                 {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Cci>({"CCI", "Momentum Indicators", "Commodity Channel Index", kHLC,
                                {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Willr>({"WILLR", "Momentum Indicators", "Williams' %R", kHLC,
                                  {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Aroon<false>>({"AROON", "Momentum Indicators", "Aroon", kHL, {period("timeperiod", 14)},
                                         {"aroondown", "aroonup"}}));
    r.push_back(make_info<Aroon<true>>({"AROONOSC", "Momentum Indicators", "Aroon Oscillator", kHL,
                                        {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Mfi>({"MFI", "Momentum Indicators", "Money Flow Index", {"high", "low", "close", "volume"},
                                {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Ultosc>({"ULTOSC", "Momentum Indicators", "Ultimate Oscillator", kHLC,
                                   {period("timeperiod1", 7, 1), period("timeperiod2", 14, 1),
                                    period("timeperiod3", 28, 1)},
                                   {"real"}}));
    r.push_back(make_info<Bop>({"BOP", "Momentum Indicators", "Balance Of Power", {"open", "high", "low", "close"}, {},
                                {"real"}}));
    r.push_back(make_info<SingleMa<CmoSeries>>({"CMO", "Momentum Indicators", "Chande Momentum Oscillator", {"real"},
                                {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Mom>>({"MOM", "Momentum Indicators", "Momentum", {"real"},
                                                     {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Roc>>(
        {"ROC", "Momentum Indicators", "Rate of change : ((price/prevPrice)-1)*100", {"real"},
         {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Rocp>>(
        {"ROCP", "Momentum Indicators", "Rate of change Percentage: (price-prevPrice)/prevPrice", {"real"},
         {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Rocr>>(
        {"ROCR", "Momentum Indicators", "Rate of change ratio: (price/prevPrice)", {"real"},
         {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<PriceChange<Change::Rocr100>>(
        {"ROCR100", "Momentum Indicators", "Rate of change ratio 100 scale: (price/prevPrice)*100", {"real"},
         {period("timeperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<Stoch>({"STOCH", "Momentum Indicators", "Stochastic", {"high", "low", "close"},
                                  {period("fastk_period", 5, 1), period("slowk_period", 3, 1), matype("slowk_matype"),
                                   period("slowd_period", 3, 1), matype("slowd_matype")},
                                  {"slowk", "slowd"}}));
    r.push_back(make_info<StochF>({"STOCHF", "Momentum Indicators", "Stochastic Fast", {"high", "low", "close"},
                                   {period("fastk_period", 5, 1), period("fastd_period", 3, 1), matype("fastd_matype")},
                                   {"fastk", "fastd"}}));
    r.push_back(make_info<StochRsi>({"STOCHRSI", "Momentum Indicators", "Stochastic Relative Strength Index",
                                     {"real"},
                                     {period("timeperiod", 14), period("fastk_period", 5, 1),
                                      period("fastd_period", 3, 1), matype("fastd_matype")},
                                     {"fastk", "fastd"}}));
    r.push_back(make_info<Macd>({"MACD", "Momentum Indicators", "Moving Average Convergence/Divergence", {"real"},
                                 {period("fastperiod", 12), period("slowperiod", 26),
                                  period("signalperiod", 9, 1)},
                                 {"macd", "macdsignal", "macdhist"}}));
    r.push_back(make_info<Macdext>(
        {"MACDEXT", "Momentum Indicators", "MACD with controllable MA type", {"real"},
         {period("fastperiod", 12), matype("fastmatype", 0), period("slowperiod", 26),
          matype("slowmatype", 0), period("signalperiod", 9, 1), matype("signalmatype", 0)},
         {"macd", "macdsignal", "macdhist"}}));
    r.push_back(make_info<Macdfix>({"MACDFIX", "Momentum Indicators",
                                    "Moving Average Convergence/Divergence Fix 12/26", {"real"},
                                    {period("signalperiod", 9, 1)},
                                    {"macd", "macdsignal", "macdhist"}}));
    r.push_back(make_info<PriceOsc<false>>({"APO", "Momentum Indicators", "Absolute Price Oscillator", {"real"},
                                            {period("fastperiod", 12), period("slowperiod", 26),
                                             matype("matype", 1)},
                                            {"real"}}));
    r.push_back(make_info<PriceOsc<true>>({"PPO", "Momentum Indicators", "Percentage Price Oscillator", {"real"},
                                           {period("fastperiod", 12), period("slowperiod", 26),
                                            matype("matype", 1)},
                                           {"real"}}));
    r.push_back(make_info<Trix>({"TRIX", "Momentum Indicators", "1-day Rate-Of-Change (ROC) of a Triple Smooth EMA",
                                 {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
}

}  // namespace threadx::ta
