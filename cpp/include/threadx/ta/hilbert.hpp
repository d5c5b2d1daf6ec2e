#pragma once
// TA-Lib's Hilbert-transform pipeline (Ehlers), shared by HT_DCPERIOD, HT_DCPHASE,
// HT_PHASOR, HT_SINE, HT_TRENDLINE, HT_TRENDMODE and MAMA, written once:
//
//   price -> 4-bar WMA smoother -> detrender -> Q1 (quadrature), I1 (in-phase, the
//   detrender 3 bars ago) -> jI, jQ -> I2, Q2 -> Re, Im -> the cycle period
//
// Every Hilbert filter keeps TA-Lib's separate odd-bar and even-bar buffers (the bar's
// parity counted from the first bar the function sees) and the same operation order,
// so values match TA-Lib's to rounding.  Per bar O(1); the dominant-cycle phase adds a
// loop over at most 50 smoothed prices (sines and cosines from a table).
#include <array>
#include <cmath>
#include <cstdint>

#include "threadx/ta/kernel.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

// One of TA-Lib's Hilbert filters for one bar parity (Ehlers' formula, in bars):
//   out = (a*in + b*in[-2] - b*in[-4] - a*in[-6]) * adjust,  a = 0.0962, b = 0.5769
// kept as TA-Lib keeps it: a circular buffer of the last 3 a*in of this parity and the
// running b-terms, summed in TA-Lib's order.
struct HilbertFilter {
    std::array<double, 3> buf{0.0, 0.0, 0.0};
    double prev = 0, prev_in = 0;
    static constexpr double kA = 0.0962, kB = 0.5769;
    double step(double in, int idx, double adjust) noexcept {
        const double t = kA * in;
        double r = 0 - buf[static_cast<std::size_t>(idx)];
        buf[static_cast<std::size_t>(idx)] = t;
        r += t;
        r -= prev;
        prev = kB * prev_in;
        r += prev;
        prev_in = in;
        return r * adjust;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(buf, prev, prev_in); }
};

// The smoother, the Hilbert transform and the period estimate.  `start` is the bar the
// transform begins on (TA-Lib: 12 for the functions of lookback 32, 37 for those of 63);
// before it only the smoother runs.  After step(x) returned true, smoothed, q1, i1 and
// period (the estimate for the next bar) are this bar's.
struct HilbertCore {
    std::int64_t start = 12, bar = 0;
    double rad2deg = 0;
    // 4-bar WMA smoother of the price (TA-Lib's running sums, weights 1..4, * 0.1)
    double wsub = 0, wsum = 0, trailing = 0, p1 = 0, p2 = 0, p3 = 0;
    // the four filters, [0] even bars, [1] odd bars
    HilbertFilter det[2], q1f[2], jif[2], jqf[2];
    int hidx = 0;
    double i1_prev2[2] = {0, 0}, i1_prev3[2] = {0, 0};  // [0]: TA-Lib's I1ForEven*, [1]: I1ForOdd*
    double prev_q2 = 0, prev_i2 = 0, re = 0, im = 0, period = 0;
    double smoothed = 0, q1 = 0, i1 = 0;

    HilbertCore(std::int64_t start_bar, double rad2deg_) : start(start_bar), rad2deg(rad2deg_) {}

    // One price; true when the transform ran on this bar.
    bool step(double x) noexcept {
        const std::int64_t t = bar++;
        smooth(t, x);
        if (t < start) return false;
        transform((t & 1) != 0);
        adjust_period();
        return true;
    }

    template <class Ar>
    void fields(Ar& ar) {
        ar(bar, wsub, wsum, trailing, p1, p2, p3, det[0], det[1], q1f[0], q1f[1], jif[0], jif[1], jqf[0], jqf[1],
           hidx, i1_prev2[0], i1_prev2[1], i1_prev3[0], i1_prev3[1], prev_q2, prev_i2, re, im, period, smoothed,
           q1, i1);
    }
    template <class C>
    void check(const C& c) const {
        c.that(bar >= 0, "HT.bar", bar, "must not be negative");
        c.index("HT.hidx", hidx, 3);
    }

private:
    void smooth(std::int64_t t, double x) noexcept {
        if (t < 3) {  // TA-Lib's unrolled start: weights 1, 2, 3, nothing smoothed yet
            wsub = t == 0 ? x : wsub + x;
            wsum = t == 0 ? x : wsum + x * static_cast<double>(t + 1);
        } else {
            wsub += x;
            wsub -= trailing;
            wsum += x * 4.0;
            trailing = p3;  // the price 3 bars ago leaves the window on the next bar
            smoothed = wsum * 0.1;
            wsum -= wsub;
        }
        p3 = p2;
        p2 = p1;
        p1 = x;
    }
    void transform(bool odd) noexcept {
        const int p = odd ? 1 : 0;
        const double adjust = 0.075 * period + 0.54;
        const double d = det[p].step(smoothed, hidx, adjust);
        q1 = q1f[p].step(d, hidx, adjust);
        i1 = i1_prev3[p];
        const double ji = jif[p].step(i1, hidx, adjust);
        const double jq = jqf[p].step(q1, hidx, adjust);
        if (!odd && ++hidx == 3) hidx = 0;
        q2 = 0.2 * (q1 + ji) + 0.8 * prev_q2;
        i2 = 0.2 * (i1 - jq) + 0.8 * prev_i2;
        i1_prev3[1 - p] = i1_prev2[1 - p];
        i1_prev2[1 - p] = d;
    }
    void adjust_period() noexcept {
        re = 0.2 * (i2 * prev_i2 + q2 * prev_q2) + 0.8 * re;
        im = 0.2 * (i2 * prev_q2 - q2 * prev_i2) + 0.8 * im;
        prev_q2 = q2;
        prev_i2 = i2;
        const double old = period;
        if (im != 0.0 && re != 0.0) period = 360.0 / (std::atan(im / re) * rad2deg);
        if (period > 1.5 * old) period = 1.5 * old;
        if (period < 0.67 * old) period = 0.67 * old;
        if (period < 6) period = 6;
        else if (period > 50) period = 50;
        period = 0.2 * period + 0.8 * old;
    }
    double q2 = 0, i2 = 0;  // this bar's (not state: recomputed every bar)
};

// TA-Lib's two spellings of 180/pi (equal or one ulp apart, kept as each function has it).
inline double rad2deg_32() { return 180.0 / (4.0 * std::atan(1.0)); }
inline double rad2deg_63() { return 45.0 / std::atan(1.0); }

// sin and cos of i * 2pi / n (i < n <= 50), as TA-Lib's phase loop computes them.
struct PhaseTable {
    std::array<std::array<double, 50>, 51> s{}, c{};
    PhaseTable() {
        const double k = std::atan(1.0) * 8.0;
        for (int n = 1; n <= 50; ++n)
            for (int i = 0; i < n; ++i) {
                const double a = static_cast<double>(i) * k / static_cast<double>(n);
                s[static_cast<std::size_t>(n)][static_cast<std::size_t>(i)] = std::sin(a);
                c[static_cast<std::size_t>(n)][static_cast<std::size_t>(i)] = std::cos(a);
            }
    }
    static const PhaseTable& get() {
        static const PhaseTable t;
        return t;
    }
};

// The cycle part of the 63-bar functions: the smoothed period, the last 50 smoothed
// prices, the dominant-cycle phase, the sine wave and the trendline (the last 50 raw
// prices).  Fed every bar; update() returns true from the first transformed bar on.
struct HilbertCycle {
    HilbertCore core{37, rad2deg_63()};
    double smooth_period = 0, phase = 0, prev_phase = 0, sine = 0, lead_sine = 0, prev_sine = 0,
           prev_lead_sine = 0, trendline = 0, it1 = 0, it2 = 0, it3 = 0;
    std::array<double, 50> sp{}, raw{};
    int sp_idx = 0, raw_idx = 0;

    bool update(double x) noexcept {
        raw[static_cast<std::size_t>(raw_idx)] = x;
        if (++raw_idx == 50) raw_idx = 0;
        if (!core.step(x)) return false;
        sp[static_cast<std::size_t>(sp_idx)] = core.smoothed;
        smooth_period = 0.33 * core.period + 0.67 * smooth_period;
        prev_phase = phase;
        dc_phase();
        prev_sine = sine;
        prev_lead_sine = lead_sine;
        const double deg2rad = 1.0 / core.rad2deg;
        sine = std::sin(phase * deg2rad);
        lead_sine = std::sin((phase + 45) * deg2rad);
        trend_line();
        if (++sp_idx == 50) sp_idx = 0;
        return true;
    }
    // (int)(smooth_period + 0.5), kept inside the 50-price rings.
    int dc_period_int() const noexcept {
        const double d = smooth_period + 0.5;
        if (!(d >= 1.0)) return 0;
        return d >= 50.0 ? 50 : static_cast<int>(d);
    }

    template <class Ar>
    void fields(Ar& ar) {
        ar(core, smooth_period, phase, prev_phase, sine, lead_sine, prev_sine, prev_lead_sine, trendline, it1, it2,
           it3, sp, raw, sp_idx, raw_idx);
    }
    template <class C>
    void check(const C& c) const {
        c.index("HT.sp_idx", sp_idx, 50);
        c.index("HT.raw_idx", raw_idx, 50);
    }

private:
    void dc_phase() noexcept {
        const int n = dc_period_int();
        const PhaseTable& t = PhaseTable::get();
        double real = 0.0, imag = 0.0;
        int idx = sp_idx;
        for (int i = 0; i < n; ++i) {
            const double v = sp[static_cast<std::size_t>(idx)];
            real += t.s[static_cast<std::size_t>(n)][static_cast<std::size_t>(i)] * v;
            imag += t.c[static_cast<std::size_t>(n)][static_cast<std::size_t>(i)] * v;
            idx = idx == 0 ? 49 : idx - 1;
        }
        const double a = std::fabs(imag);
        if (a > 0.0) {
            phase = std::atan(real / imag) * core.rad2deg;
        } else if (a <= 0.01) {
            if (real < 0.0) phase -= 90.0;
            else if (real > 0.0) phase += 90.0;
        }
        phase += 90.0;
        phase += 360.0 / smooth_period;  // the smoother's one-bar lag
        if (imag < 0.0) phase += 180.0;
        if (phase > 315.0) phase -= 360.0;
    }
    // The average raw price over the dominant cycle, smoothed over 4 bars (TA-Lib
    // averages the raw price, as Ehlers publishes it).
    void trend_line() noexcept {
        const int n = dc_period_int();
        double sum = 0.0;
        int idx = raw_idx == 0 ? 49 : raw_idx - 1;  // this bar's price
        for (int i = 0; i < n; ++i) {
            sum += raw[static_cast<std::size_t>(idx)];
            idx = idx == 0 ? 49 : idx - 1;
        }
        if (n > 0) sum = sum / static_cast<double>(n);
        else if (std::isnan(smooth_period)) sum = kNaN;  // a NaN price poisons the trendline too
        trendline = (4.0 * sum + 3.0 * it1 + 2.0 * it2 + it3) / 10.0;
        it3 = it2;
        it2 = it1;
        it1 = sum;
    }
};

// MESA adaptive MA (MAMA and FAMA) on the transform of lookback 32: the phase
// atan(Q1 / I1) in degrees; its decrease since the last bar (at least 1) divides the
// fast limit (bounded below by the slow limit) into the smoothing constant alpha.
struct MamaCore {
    HilbertCore core{12, rad2deg_32()};
    double fast = 0.5, slow = 0.05, prev_phase = 0, mama = 0, fama = 0;
    MamaCore(double fast_limit, double slow_limit) : fast(fast_limit), slow(slow_limit) {}
    // One price; true when mama and fama were updated (from the first transformed bar).
    bool update(double x) noexcept {
        if (!core.step(x)) return false;
        const double phase = core.i1 != 0.0 ? std::atan(core.q1 / core.i1) * core.rad2deg : 0.0;
        double delta = prev_phase - phase;
        prev_phase = phase;
        if (delta < 1.0) delta = 1.0;
        double alpha = fast;
        if (delta > 1.0) {
            alpha = fast / delta;
            if (alpha < slow) alpha = slow;
        }
        mama = alpha * x + (1 - alpha) * mama;
        alpha *= 0.5;
        fama = alpha * mama + (1 - alpha) * fama;
        return true;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(core, prev_phase, mama, fama); }
};

// MAMA's line alone as an MA type (MA_Type.MAMA: limits 0.5 and 0.05, the period
// ignored), NaN until TA-Lib's lookback of 32 + MAMA's unstable period.
struct MamaMa {
    MamaCore m{0.5, 0.05};
    std::int64_t lookback = 32, count = 0;
    explicit MamaMa(int /*period*/ = 0) : lookback(32 + unstable_period(Unstable::MAMA)) {}
    double step(double x) noexcept {
        m.update(x);
        return count++ >= lookback ? m.mama : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m, count); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "MAMA.count", count, "must not be negative"); }
};

}  // namespace threadx::ta
