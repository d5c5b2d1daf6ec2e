// The TA-Lib 0.8 additions outside the volume group: ACCBANDS SUPERTREND VWMA (Overlap
// Studies), ADR CVI MASSI RVI (Volatility Indicators), AVGDEV HA (Price Transform),
// PERCENTILE PERCENTRANK (Statistic Functions).
//
// A NaN input poisons what holds it: running sums, EMAs and Wilder averages stay NaN
// from that bar on (as SMA and EMA do); the order statistics (PERCENTILE, PERCENTRANK)
// are NaN while their window holds the NaN.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "threadx/ta/atr.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/variance.hpp"

namespace threadx::ta {

namespace {

constexpr double kRealMax = 3e37;  // TA-Lib's TA_REAL_MAX

// ---------------------------------------------------------------- overlap studies

// Acceleration Bands: SMAs of high * (1 + 4 (high-low)/(high+low)), of the close and of
// low * (1 - 4 (high-low)/(high+low)); high and low as they are when high + low is 0.
struct AccBands {
    static constexpr int n_inputs = 3, n_outputs = 3;  // high, low, close
    Sma upper, middle, lower;
    explicit AccBands(const double* p) : upper(as_period(p[0])), middle(as_period(p[0])), lower(as_period(p[0])) {}
    void update(const double* x, double* y) {
        const double h = x[0], l = x[1], s = h + l;
        double hi = h, lo = l;
        if (!is_zero(s)) {
            const double t = 4 * (h - l) / s;
            hi = h * (1 + t);
            lo = l * (1 - t);
        }
        y[0] = upper.step(hi);
        y[1] = middle.step(x[2]);
        y[2] = lower.step(lo);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(upper, middle, lower); }
};

// Volume Weighted Moving Average: sum(real * volume) / sum(volume) over `timeperiod`
// bars (plain division: a window without volume gives NaN or inf, as TA-Lib).
struct Vwma {
    static constexpr int n_inputs = 2, n_outputs = 1;  // real, volume
    int period;
    std::int64_t count = 0;
    double sum_pv = 0, sum_v = 0;
    Ring pv, v;
    explicit Vwma(const double* p) : period(as_period(p[0])), pv(period), v(period) {}
    void update(const double* x, double* y) {
        const double w = x[0] * x[1];
        sum_pv += w;
        sum_v += x[1];
        pv.push(w);
        v.push(x[1]);
        if (++count < period) {
            y[0] = kNaN;
            return;
        }
        y[0] = sum_pv / sum_v;
        sum_pv -= pv.v[static_cast<std::size_t>(pv.head)];  // the oldest leaves
        sum_v -= v.v[static_cast<std::size_t>(v.head)];
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, sum_pv, sum_v, pv, v); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "VWMA.count", count, "must not be negative"); }
};

// SuperTrend: bands (high+low)/2 -/+ multiplier * ATR(timeperiod) that ratchet toward the
// price (each released by a previous close beyond it); the trend flips when the close
// crosses the band of the other side.  Outputs the band of the trend and the trend
// (1 up, -1 down; an integer output).  The first bar after ATR's warm-up takes both
// bands unclamped and an up trend, as TA-Lib.
struct SuperTrend {
    static constexpr int n_inputs = 3, n_outputs = 2;  // high, low, close
    Atr<false> atr;
    double mult;
    std::int64_t lookback, count = 0;
    bool up = true, poisoned = false;
    double upper = 0, lower = 0, pc = 0;
    explicit SuperTrend(const double* p)
        : atr(p), mult(p[1]), lookback(as_period(p[0]) + unstable_period(Unstable::ATR)) {}
    void update(const double* x, double* y) {
        double a = 0;
        atr.update(x, &a);
        const double h = x[0], l = x[1], c = x[2];
        poisoned |= any_nan<3>(x);
        const std::int64_t bar = count++;
        if (bar < lookback || poisoned) {
            y[0] = y[1] = kNaN;
            return;
        }
        const double mid = (h + l) / 2.0, band = mult * a;
        const double bu = mid + band, bl = mid - band;
        if (bar == lookback) {
            upper = bu;
            lower = bl;
            up = true;
        } else {
            if (bu < upper || pc > upper) upper = bu;
            if (bl > lower || pc < lower) lower = bl;
            if (up ? c < lower : c > upper) up = !up;
        }
        pc = c;
        y[0] = up ? lower : upper;
        y[1] = up ? 1.0 : -1.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(atr, count, up, poisoned, upper, lower, pc); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "SUPERTREND.count", count, "must not be negative"); }
};

// ---------------------------------------------------------------- volatility

// Average Daily Range: the SMA of high - low.
struct Adr {
    static constexpr int n_inputs = 2, n_outputs = 1;  // high, low
    Sma sma;
    explicit Adr(const double* p) : sma(as_period(p[0])) {}
    void update(const double* x, double* y) { y[0] = sma.step(x[0] - x[1]); }
    template <class Ar>
    void fields(Ar& ar) { ar(sma); }
};

// Chaikin Volatility: the rate of change in % over `rocperiod` bars of the EMA(timeperiod)
// of high - low (0 when the earlier EMA is exactly 0).
struct Cvi {
    static constexpr int n_inputs = 2, n_outputs = 1;  // high, low
    Ema ema;
    std::int64_t lookback, count = 0;
    Ring lag;  // the last `rocperiod` EMA values (from its seed on)
    explicit Cvi(const double* p)
        : ema(as_period(p[0])),
          lookback(as_period(p[0]) - 1 + unstable_period(Unstable::EMA) + as_period(p[1])),
          lag(as_period(p[1])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        ema.step(x[0] - x[1]);
        const double e = ema.prev;  // the running seed sum before the seed bar: never read back
        const double old = lag.push(e);
        if (count++ < lookback) {
            y[0] = kNaN;
            return;
        }
        y[0] = old != 0.0 ? 100.0 * ((e - old) / old) : 0.0;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Cvi>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ema, count, lag); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "CVI.count", count, "must not be negative"); }
};

// Mass Index: the sum over `slowperiod` bars of EMA(high-low) / EMA(EMA(high-low)), both
// EMAs of `fastperiod` (the second fed from the first one's warm-up on); a ratio of 1
// where the double EMA is exactly 0.
struct Massi {
    static constexpr int n_inputs = 2, n_outputs = 1;  // high, low
    Ema e1, e2;
    int slow;
    std::int64_t ratios = 0;  // ratios summed so far (capped at slow)
    double total = 0;
    Ring window;
    explicit Massi(const double* p)
        : e1(as_period(p[0])), e2(as_period(p[0])), slow(as_period(p[1])), window(slow) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        y[0] = kNaN;
        e1.step(x[0] - x[1]);
        if (!e1.ready()) return;
        e2.step(e1.prev);
        if (!e2.ready()) return;
        const double ratio = e2.prev == 0.0 ? 1.0 : e1.prev / e2.prev;
        total += ratio;
        window.push(ratio);
        if (ratios < slow) ++ratios;
        if (ratios < slow) return;
        y[0] = total;
        total -= window.v[static_cast<std::size_t>(window.head)];  // the oldest leaves
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Massi>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(e1, e2, ratios, total, window); }
    template <class C>
    void check(const C& c) const { c.within("MASSI.ratios", ratios, 0, slow); }
};

// Relative Volatility Index (Dorsey): the population standard deviation over
// `stddevperiod` bars (TA-Lib's STDDEV arithmetic) credited to the up or the down side
// by the sign of the bar's change, each side Wilder-averaged over `timeperiod` (seeded
// with the mean of the first ones); 100 * up / (up + down), 50 when both are 0.
// TA-Lib's RVI unstable period.
struct Rvi {
    static constexpr int n_inputs = 1, n_outputs = 1;  // real
    int tp, sp;
    double beta, alpha;
    std::int64_t lookback, count = 0;
    RollingVar var;
    double prev = 0, up = 0, dn = 0;
    explicit Rvi(const double* p)
        : tp(as_period(p[0])), sp(as_period(p[1])),
          beta(static_cast<double>(tp - 1) / static_cast<double>(tp)), alpha(1.0 - beta),
          lookback(sp - 1 + tp - 1 + unstable_period(Unstable::RVI)), var(sp) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = var.step(x[0]);
        const double delta = x[0] - prev;
        prev = x[0];
        const std::int64_t bar = count++, k = bar - (sp - 1);  // k: sigmas before this one
        y[0] = kNaN;
        if (k < 0) return;
        const double sigma = std::sqrt(v);
        double u = delta > 0.0 ? sigma : 0.0, d = delta < 0.0 ? sigma : 0.0;
        if (delta != delta || sigma != sigma) u = d = kNaN;
        if (k < tp) {
            up += u;
            dn += d;
            if (k < tp - 1) return;
            up /= tp;
            dn /= tp;
        } else {
            up = fused(beta, up, alpha * u);
            dn = fused(beta, dn, alpha * d);
        }
        if (bar < lookback) return;
        const double total = up + dn;
        y[0] = total == 0.0 ? 50.0 : 100.0 * (up / total);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Rvi>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, var, prev, up, dn); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "RVI.count", count, "must not be negative"); }
};

// ---------------------------------------------------------------- price transform

// Average deviation: the mean absolute deviation of the last `timeperiod` values from
// their mean (O(period) per bar, as TA-Lib).
struct AvgDev {
    static constexpr int n_inputs = 1, n_outputs = 1;  // real
    int period;
    std::int64_t count = 0;
    double sum = 0;
    Ring window;
    explicit AvgDev(const double* p) : period(as_period(p[0])), window(period) {}
    static std::int64_t work_per_bar(const double* p) { return as_period(p[0]); }
    void update(const double* x, double* y) {
        sum += x[0];
        window.push(x[0]);
        if (++count < period) {
            y[0] = kNaN;
            return;
        }
        const double mean = sum / period;
        double dev = 0;
        for (const double v : window.v) dev += std::fabs(v - mean);
        y[0] = dev / period;
        sum -= window.v[static_cast<std::size_t>(window.head)];  // the oldest leaves
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, sum, window); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "AVGDEV.count", count, "must not be negative"); }
};

// Heikin-Ashi candles: close (o+h+l+c)/4; open the mean of the previous candle's open and
// close ((o+c)/2 on the first bar); high and low the extremes of the bar's high / low and
// the candle's open and close.  NaN during TA-Lib's HA unstable period, and from a NaN
// bar on (every later open descends from it).
struct Ha {
    static constexpr int n_inputs = 4, n_outputs = 4;  // open, high, low, close
    std::int64_t lookback, count = 0;
    double ho = 0, hc = 0;
    explicit Ha(const double*) : lookback(unstable_period(Unstable::HA)) {}
    void update(const double* x, double* y) {
        const double o = x[0], h = x[1], l = x[2], c = x[3];
        ho = count == 0 ? (o + c) / 2.0 : (ho + hc) / 2.0;
        hc = (o + h + l + c) / 4.0;
        if (count++ < lookback) {
            y[0] = y[1] = y[2] = y[3] = kNaN;
            return;
        }
        // a NaN bar: no candle (its open, from the bars before, too); the next opens are NaN
        const bool nan = any_nan<4>(x) || ho != ho;
        y[0] = nan ? kNaN : ho;
        y[1] = nan ? kNaN : std::max(h, std::max(ho, hc));
        y[2] = nan ? kNaN : std::min(l, std::min(ho, hc));
        y[3] = hc;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, ho, hc); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "HA.count", count, "must not be negative"); }
};

// ---------------------------------------------------------------- statistic functions

// The non-NaN values of a window in ascending order, in a fixed buffer of the window's
// length: binary search, then one block move to insert or remove.
struct SortedValues {
    std::vector<double> v;
    std::int64_t size = 0;
    explicit SortedValues(std::int64_t cap) : v(static_cast<std::size_t>(cap < 1 ? 1 : cap), 0.0) {}
    std::int64_t capacity() const noexcept { return static_cast<std::int64_t>(v.size()); }
    double* begin() noexcept { return v.data(); }
    double* end() noexcept { return v.data() + size; }
    // How many values are < x.
    std::int64_t below(double x) const noexcept {
        return std::lower_bound(v.data(), v.data() + size, x) - v.data();
    }
    void insert(double x) noexcept {
        if (size >= capacity()) return;  // unreachable for a window of capacity() values
        double* at = std::upper_bound(begin(), end(), x);
        std::copy_backward(at, end(), end() + 1);
        *at = x;
        ++size;
    }
    void erase(double x) noexcept {
        double* at = std::lower_bound(begin(), end(), x);
        if (at == end()) return;  // not held (a corrupted state): nothing to remove
        std::copy(at + 1, end(), at);
        --size;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(v, size); }
    template <class C>
    void check(const C& c) const { c.within("SortedValues.size", size, 0, capacity()); }
};

// A window of the last `len` values, sorted (NaN values are held by the ring only).
struct SortedWindow {
    std::int64_t len, count = 0, last_nan = std::numeric_limits<std::int64_t>::min() / 2;
    Ring ring;
    SortedValues sorted;
    explicit SortedWindow(std::int64_t n) : len(n), ring(n), sorted(n) {}
    void push(double x) {
        const std::int64_t bar = count++;
        const double old = ring.push(x);
        if (bar >= len && old == old) sorted.erase(old);
        if (x == x) sorted.insert(x);
        else last_nan = bar;
    }
    // Whether the last `n` values pushed hold a NaN.
    bool nan_within(std::int64_t n) const noexcept { return count - 1 - last_nan < n; }
    template <class Ar>
    void fields(Ar& ar) { ar(count, last_nan, ring, sorted); }
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "SortedWindow.count", count, "must not be negative");
        c.that(last_nan < count, "SortedWindow.last_nan", last_nan, "must be before the next bar");
    }
};

// Percentile by nearest rank: the ceil(percentile * timeperiod / 100)-th smallest (at
// least the first) of the last `timeperiod` values.
struct Percentile {
    static constexpr int n_inputs = 1, n_outputs = 1;  // real
    std::int64_t period, rank;
    SortedWindow w;
    static std::int64_t rank_of(std::int64_t n, double pct) {
        const auto r = static_cast<std::int64_t>(std::ceil(pct * static_cast<double>(n) / 100.0));
        return std::clamp<std::int64_t>(r, 1, n);
    }
    explicit Percentile(const double* p)
        : period(as_period(p[0])), rank(rank_of(period, p[1])), w(period) {}
    void update(const double* x, double* y) {
        w.push(x[0]);
        y[0] = w.count < period || w.nan_within(period) ? kNaN : w.sorted.v[static_cast<std::size_t>(rank - 1)];
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w); }
};

// Percent rank: the share (in %) of the `timeperiod` values before the bar that are
// strictly below its value.
struct PercentRank {
    static constexpr int n_inputs = 1, n_outputs = 1;  // real
    std::int64_t period;
    SortedWindow w;
    explicit PercentRank(const double* p) : period(as_period(p[0])), w(period) {}
    void update(const double* x, double* y) {
        const bool ready = w.count >= period && x[0] == x[0] && !w.nan_within(period);
        y[0] = ready ? static_cast<double>(w.sorted.below(x[0])) / static_cast<double>(period) * 100.0 : kNaN;
        w.push(x[0]);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w); }
};

}  // namespace

void register_band(std::vector<Info>& r) {
    const char* overlap = "Overlap Studies";
    const char* vol = "Volatility Indicators";
    const char* price = "Price Transform";
    const char* stat = "Statistic Functions";
    r.push_back(make_info<AccBands>({"ACCBANDS", overlap, "Acceleration Bands", {"high", "low", "close"},
                                     {period("timeperiod", 20)}, {"upperband", "middleband", "lowerband"}}));
    r.push_back(make_info<Vwma>({"VWMA", overlap, "Volume Weighted Moving Average", {"real", "volume"},
                                 {period("timeperiod", 30, 1)}, {"real"}}));
    Info st = make_info<SuperTrend>({"SUPERTREND", overlap, "SuperTrend", {"high", "low", "close"},
                                     {period("timeperiod", 10), real("multiplier", 3.0, 0, kRealMax)},
                                     {"supertrend", "trend"}});
    st.integer = {false, true};
    r.push_back(std::move(st));
    r.push_back(make_info<Adr>({"ADR", vol, "Average Day Range", {"high", "low"}, {period("timeperiod", 14, 1)},
                                {"real"}}));
    r.push_back(make_info<Cvi>({"CVI", vol, "Chaikin's Volatility", {"high", "low"},
                                {period("timeperiod", 10), period("rocperiod", 10, 1)}, {"real"}}));
    r.push_back(make_info<Massi>({"MASSI", vol, "Mass Index", {"high", "low"},
                                  {period("fastperiod", 9), period("slowperiod", 25)}, {"real"}}));
    r.push_back(make_info<Rvi>({"RVI", vol, "Relative Volatility Index", {"real"},
                                {period("timeperiod", 14, 1), period("stddevperiod", 10)}, {"real"}}));
    r.push_back(make_info<AvgDev>({"AVGDEV", price, "Average Deviation", {"real"}, {period("timeperiod", 14)},
                                   {"real"}}));
    r.push_back(make_info<Ha>({"HA", price, "Heikin-Ashi Candles", {"open", "high", "low", "close"}, {},
                               {"haopen", "hahigh", "halow", "haclose"}}));
    r.push_back(make_info<Percentile>({"PERCENTILE", stat, "Percentile (nearest rank)", {"real"},
                                       {period("timeperiod", 30), real("percentile", 50.0, 0, 100)}, {"real"}}));
    r.push_back(make_info<PercentRank>({"PERCENTRANK", stat, "Percent Rank", {"real"}, {period("timeperiod", 100)},
                                        {"real"}}));
}

}  // namespace threadx::ta
