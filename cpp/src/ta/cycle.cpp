// Cycle Indicators (TA-Lib's group): HT_DCPERIOD HT_DCPHASE HT_PHASOR HT_SINE
// HT_TRENDMODE; and the adaptive Overlap Studies: HT_TRENDLINE MAMA MAVP SAREXT HMA RMA
// ZLEMA.  The Hilbert transform is threadx/ta/hilbert.hpp's, written once.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "threadx/ta/hilbert.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

namespace {

constexpr double kRealMax = 3e37;  // TA-Lib's TA_REAL_MAX

// ---------------------------------------------------------------- Hilbert transform

// HT_DCPERIOD: the smoothed dominant-cycle period (lookback 32 + unstable period).
struct HtDcPeriod {
    static constexpr int n_inputs = 1, n_outputs = 1;
    HilbertCore core{12, rad2deg_32()};
    double smooth_period = 0;
    std::int64_t lookback = 32, count = 0;
    explicit HtDcPeriod(const double*) : lookback(32 + unstable_period(Unstable::HT_DCPERIOD)) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        if (core.step(x[0])) smooth_period = 0.33 * core.period + 0.67 * smooth_period;
        y[0] = bar >= lookback ? smooth_period : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(core, smooth_period, count); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "HT.count", count, "must not be negative"); }
};

// HT_PHASOR: the in-phase (I1) and quadrature (Q1) components (lookback 32 + unstable).
struct HtPhasor {
    static constexpr int n_inputs = 1, n_outputs = 2;
    HilbertCore core{12, rad2deg_32()};
    std::int64_t lookback = 32, count = 0;
    explicit HtPhasor(const double*) : lookback(32 + unstable_period(Unstable::HT_PHASOR)) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        core.step(x[0]);
        const bool out = bar >= lookback;
        // I1 is the detrender of 3 bars ago: NaN too once a NaN price poisoned the state
        y[0] = out && !std::isnan(core.smoothed) ? core.i1 : kNaN;
        y[1] = out ? core.q1 : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(core, count); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "HT.count", count, "must not be negative"); }
};

// The functions of lookback 63 (+ their unstable period) on HilbertCycle; Out picks the
// outputs from the cycle (and may keep state of its own).
template <class Out, Unstable Id>
struct HtCycleFn {
    static constexpr int n_inputs = 1, n_outputs = Out::n_outputs;
    HilbertCycle cycle;
    Out o;
    std::int64_t lookback = 63, count = 0;
    explicit HtCycleFn(const double*) : lookback(63 + unstable_period(Id)) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        const bool ran = cycle.update(x[0]);
        if (ran) o.bar(cycle);
        if (bar < lookback) {
            for (int j = 0; j < n_outputs; ++j) y[j] = kNaN;
            return;
        }
        o.out(cycle, y);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(cycle, o, count); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "HT.count", count, "must not be negative"); }
};

struct PhaseOut {
    static constexpr int n_outputs = 1;
    void bar(const HilbertCycle&) {}
    void out(const HilbertCycle& c, double* y) const { y[0] = c.phase; }
    template <class Ar>
    void fields(Ar&) {}
};
struct SineOut {
    static constexpr int n_outputs = 2;
    void bar(const HilbertCycle&) {}
    void out(const HilbertCycle& c, double* y) const {
        y[0] = c.sine;
        y[1] = c.lead_sine;
    }
    template <class Ar>
    void fields(Ar&) {}
};
struct TrendlineOut {
    static constexpr int n_outputs = 1;
    void bar(const HilbertCycle&) {}
    void out(const HilbertCycle& c, double* y) const { y[0] = c.trendline; }
    template <class Ar>
    void fields(Ar&) {}
};
// HT_TRENDMODE: 1 (trend) or 0 (cycle).  A crossing of the sine and lead sine starts a
// cycle; it lasts at least half a period, and while the phase advances at about the
// cycle's rate; a price 1.5% away from the trendline is a trend regardless.
struct TrendModeOut {
    static constexpr int n_outputs = 1;
    std::int64_t days = 0;
    double trend = 0;
    void bar(const HilbertCycle& c) {
        trend = 1;
        if ((c.sine > c.lead_sine && c.prev_sine <= c.prev_lead_sine) ||
            (c.sine < c.lead_sine && c.prev_sine >= c.prev_lead_sine)) {
            days = 0;
            trend = 0;
        }
        ++days;
        if (static_cast<double>(days) < 0.5 * c.smooth_period) trend = 0;
        const double d = c.phase - c.prev_phase;
        if (c.smooth_period != 0.0 && d > 0.67 * 360.0 / c.smooth_period && d < 1.5 * 360.0 / c.smooth_period)
            trend = 0;
        const double s = c.core.smoothed;
        if (c.trendline != 0.0 && std::fabs((s - c.trendline) / c.trendline) >= 0.015) trend = 1;
    }
    void out(const HilbertCycle&, double* y) const { y[0] = trend; }
    template <class Ar>
    void fields(Ar& ar) { ar(days, trend); }
};

// MAMA(fastlimit, slowlimit): the MESA adaptive MA and its following FAMA.
struct Mama {
    static constexpr int n_inputs = 1, n_outputs = 2;
    MamaCore m;
    std::int64_t lookback = 32, count = 0;
    explicit Mama(const double* p) : m(p[0], p[1]), lookback(32 + unstable_period(Unstable::MAMA)) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        m.update(x[0]);
        const bool out = bar >= lookback;
        y[0] = out ? m.mama : kNaN;
        y[1] = out ? m.fama : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m, count); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "MAMA.count", count, "must not be negative"); }
};

// ---------------------------------------------------------------- MAVP

// The period of one bar: NaN or below the minimum -> minperiod, above -> maxperiod, else
// truncated (TA-Lib clamps in the real domain first).
inline int mavp_period(double v, int lo, int hi) noexcept {
    if (!(v >= static_cast<double>(lo))) return lo;
    if (v > static_cast<double>(hi)) return hi;
    return std::max(1, static_cast<int>(v));
}

// MAVP(minperiod, maxperiod, matype): at each bar, the MA of its clamped period.  As
// TA-Lib computes it, the MA of period p runs over the series from bar L - lookback(p)
// (L = lookback(maxperiod)), and outputs start at bar L.  The streaming state keeps one
// MA per period in [minperiod, maxperiod]; the batch kernel runs only the periods used.
struct Mavp {
    static constexpr int n_inputs = 2, n_outputs = 1;
    int lo = 2, hi = 30, type = 0;
    std::int64_t first = 0, count = 0;
    std::vector<MaState> mas;  // period lo + k
    explicit Mavp(const double* p)
        : lo(as_period(p[0])), hi(as_period(p[1])), type(as_matype(p[2])), first(ma_lookback(type, hi)) {
        fits(lo, hi);
        mas.reserve(static_cast<std::size_t>(hi - lo + 1));
        for (int q = lo; q <= hi; ++q) mas.emplace_back(type, q);
    }
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        const int want = mavp_period(x[1], lo, hi);
        double v = kNaN;
        for (int q = lo; q <= hi; ++q) {
            if (bar < first - ma_lookback(type, q)) continue;
            const double r = mas[static_cast<std::size_t>(q - lo)].step(x[0]);
            if (q == want) v = r;
        }
        y[0] = bar >= first ? v : kNaN;
    }
    // The streaming state holds (maxperiod - minperiod + 1) MAs of up to maxperiod values
    // each: a bound keeps it in memory (batch runs one MA at a time and has none).
    static void fits(int lo, int hi) {
        constexpr std::int64_t kMaxValues = std::int64_t{1} << 26;
        const std::int64_t values = static_cast<std::int64_t>(hi - lo + 1) * (hi + 1);
        if (values <= kMaxValues) return;
        FieldErrors e;
        e.add("maxperiod", repr(static_cast<long long>(hi)),
              "a streaming MAVP keeps one MA per period in [minperiod, maxperiod]: (maxperiod - minperiod + 1) * "
              "(maxperiod + 1) must be at most " + std::to_string(kMaxValues) + " (the batch function has no such limit)");
        e.throw_if_any();
    }
    static std::int64_t work_per_bar(const double* p) { return as_period(p[1]) - as_period(p[0]) + 1; }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const int lo = as_period(p[0]), hi = as_period(p[1]), type = as_matype(p[2]);
        const std::int64_t first = std::min(n, start + ma_lookback(type, hi));
        for (std::int64_t i = start; i < first; ++i) out[0][i] = kNaN;
        std::vector<std::int64_t> last(static_cast<std::size_t>(hi - lo + 1), -1);  // last row per period
        for (std::int64_t i = first; i < n; ++i)
            last[static_cast<std::size_t>(mavp_period(in[1][i], lo, hi) - lo)] = i;
        for (int q = lo; q <= hi; ++q) {
            const std::int64_t end = last[static_cast<std::size_t>(q - lo)];
            if (end < 0) continue;
            with_ma_type(type, q, [&]<class M>() {
                M m = make_ma<M>(type, q);
                for (std::int64_t i = first - ma_lookback(type, q); i <= end; ++i) {
                    const double r = m.step(in[0][i]);
                    if (i >= first && mavp_period(in[1][i], lo, hi) == q) out[0][i] = r;
                }
            });
            check();
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, mas); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "MAVP.count", count, "must not be negative"); }
};

// minperiod <= maxperiod (TA-Lib rejects the inverted window), checked once both are
// valid on their own.
void mavp_check(const double* p, FieldErrors& errors) {
    for (const auto& e : errors.list())
        if (e.field == "minperiod" || e.field == "maxperiod") return;
    if (p[0] > p[1])
        errors.add("minperiod", repr(static_cast<long long>(p[0])),
                   "must not exceed maxperiod (" + repr(static_cast<long long>(p[1])) + ") for MAVP");
}

// ---------------------------------------------------------------- SAREXT

// Parabolic SAR with TA-Lib's extended controls: a forced start (startvalue > 0 long at
// it, < 0 short at its magnitude, 0 as SAR), an offset applied on every reversal, and
// separate initial / step / maximum accelerations for long and short positions (each
// initial and step acceleration cut to its maximum).  Short positions are output as
// negative values.
struct SarExt {
    static constexpr int n_inputs = 2, n_outputs = 1;
    double start = 0, offset = 0, init_long = 0, step_long = 0, max_long = 0, init_short = 0, step_short = 0,
           max_short = 0;
    std::int64_t count = 0;
    bool is_long = true;
    double af_long = 0, af_short = 0, ep = 0, sar = 0, new_high = 0, new_low = 0;
    explicit SarExt(const double* p)
        : start(p[0]), offset(p[1]), init_long(std::min(p[2], p[4])), step_long(std::min(p[3], p[4])),
          max_long(p[4]), init_short(std::min(p[5], p[7])), step_short(std::min(p[6], p[7])), max_short(p[7]),
          af_long(init_long), af_short(init_short) {}
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<SarExt>(p, in, start, n, out, check);
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
        if (bar == 1) begin(high, low);
        const double prev_low = new_low, prev_high = new_high;
        new_low = low;
        new_high = high;
        if (is_long) {
            if (new_low <= sar) {  // switch to short
                is_long = false;
                sar = std::max(std::max(ep, prev_high), new_high);
                if (offset != 0.0) sar += sar * offset;
                y[0] = 0 - sar;
                af_short = init_short;
                ep = new_low;
                sar = std::max(std::max(fused(af_short, ep - sar, sar), prev_high), new_high);
            } else {
                y[0] = sar;
                if (new_high > ep) {
                    ep = new_high;
                    af_long += step_long;
                    if (af_long > max_long) af_long = max_long;
                }
                sar = std::min(std::min(fused(af_long, ep - sar, sar), prev_low), new_low);
            }
        } else if (new_high >= sar) {  // switch to long
            is_long = true;
            sar = std::min(std::min(ep, prev_low), new_low);
            if (offset != 0.0) sar -= sar * offset;
            y[0] = sar;
            af_long = init_long;
            ep = new_high;
            sar = std::min(std::min(fused(af_long, ep - sar, sar), prev_low), new_low);
        } else {
            y[0] = 0 - sar;
            if (new_low < ep) {
                ep = new_low;
                af_short += step_short;
                if (af_short > max_short) af_short = max_short;
            }
            sar = std::max(std::max(fused(af_short, ep - sar, sar), prev_high), new_high);
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, is_long, af_long, af_short, ep, sar, new_high, new_low); }

private:
    // The second bar: the direction (forced by startvalue, or from -DM1 as SAR) and the
    // first SAR and extreme point.
    void begin(double high, double low) {
        if (start == 0.0) {
            const double diff_p = high - new_high, diff_m = new_low - low;
            const double minus_dm = diff_m > 0.0 && diff_p < diff_m ? diff_m : 0.0;
            is_long = !(minus_dm > 0);
            ep = is_long ? high : low;
            sar = is_long ? new_low : new_high;
        } else {
            is_long = start > 0;
            ep = is_long ? high : low;
            sar = std::fabs(start);
        }
        new_low = low;
        new_high = high;
    }
};

}  // namespace

void register_cycle(std::vector<Info>& r) {
    r.push_back(make_info<HtDcPeriod>({"HT_DCPERIOD", "Cycle Indicators", "Hilbert Transform - Dominant Cycle Period",
                                       {"real"}, {}, {"real"}}));
    r.push_back(make_info<HtCycleFn<PhaseOut, Unstable::HT_DCPHASE>>(
        {"HT_DCPHASE", "Cycle Indicators", "Hilbert Transform - Dominant Cycle Phase", {"real"}, {}, {"real"}}));
    r.push_back(make_info<HtPhasor>({"HT_PHASOR", "Cycle Indicators", "Hilbert Transform - Phasor Components",
                                     {"real"}, {}, {"inphase", "quadrature"}}));
    r.push_back(make_info<HtCycleFn<SineOut, Unstable::HT_SINE>>(
        {"HT_SINE", "Cycle Indicators", "Hilbert Transform - SineWave", {"real"}, {}, {"sine", "leadsine"}}));
    r.push_back(integer_outputs(make_info<HtCycleFn<TrendModeOut, Unstable::HT_TRENDMODE>>(
        {"HT_TRENDMODE", "Cycle Indicators", "Hilbert Transform - Trend vs Cycle Mode", {"real"}, {}, {"integer"}})));
    r.push_back(make_info<HtCycleFn<TrendlineOut, Unstable::HT_TRENDLINE>>(
        {"HT_TRENDLINE", "Overlap Studies", "Hilbert Transform - Instantaneous Trendline", {"real"}, {}, {"real"}}));
    r.push_back(make_info<Mama>({"MAMA", "Overlap Studies", "MESA Adaptive Moving Average", {"real"},
                                 {real("fastlimit", 0.5, 0.01, 0.99), real("slowlimit", 0.05, 0.01, 0.99)},
                                 {"mama", "fama"}}));
    Info mavp = make_info<Mavp>({"MAVP", "Overlap Studies", "Moving average with variable period", {"real", "periods"},
                                 {period("minperiod", 2, 1), period("maxperiod", 30, 1), matype("matype", 0)},
                                 {"real"}});
    mavp.check = &mavp_check;
    r.push_back(std::move(mavp));
    r.push_back(make_info<SarExt>(
        {"SAREXT", "Overlap Studies", "Parabolic SAR - Extended", {"high", "low"},
         {real("startvalue", 0, -kRealMax, kRealMax), real("offsetonreverse", 0, 0, kRealMax),
          real("accelerationinitlong", 0.02, 0, kRealMax), real("accelerationlong", 0.02, 0, kRealMax),
          real("accelerationmaxlong", 0.2, 0, kRealMax), real("accelerationinitshort", 0.02, 0, kRealMax),
          real("accelerationshort", 0.02, 0, kRealMax), real("accelerationmaxshort", 0.2, 0, kRealMax)},
         {"real"}}));
    r.push_back(make_info<SingleMa<Hma>>(
        {"HMA", "Overlap Studies", "Hull Moving Average", {"real"}, {period("timeperiod", 20, 1)}, {"real"}}));
    r.push_back(make_info<SingleMa<Rma>>({"RMA", "Overlap Studies", "Wilder's Smoothed Moving Average", {"real"},
                                          {period("timeperiod", 30, 1)}, {"real"}}));
    r.push_back(make_info<SingleMa<Zlema>>({"ZLEMA", "Overlap Studies", "Zero-Lag Exponential Moving Average",
                                            {"real"}, {period("timeperiod", 30, 1)}, {"real"}}));
}

}  // namespace threadx::ta
