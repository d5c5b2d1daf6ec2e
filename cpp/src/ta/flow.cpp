// Volume Indicators that TA-Lib 0.8 added: CMF EFI MARKETFI NVI PVI PVO PVT RVOL.
//
// A NaN input poisons what holds it: the running sums (CMF, RVOL), the EMA (EFI, PVO)
// and the cumulative lines (NVI, PVI, PVT) stay NaN from that bar on; MARKETFI is NaN
// at that bar only.  TA-Lib's guards against a zero divisor are kept as it has them.
#include <cmath>
#include <cstdint>
#include <vector>

#include "threadx/ta/dense.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/price_osc.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

namespace {

// Chaikin Money Flow: the money flow volume ((close-low) - (high-close)) / range * volume
// (0 for a bar without range) summed over `timeperiod` bars, over the volume of those
// bars; 0 when that volume is not positive.
struct Cmf {
    static constexpr int n_inputs = 4, n_outputs = 1;  // high, low, close, volume
    int period;
    std::int64_t count = 0;
    double sum_mfv = 0, sum_v = 0;
    Ring mfv, vol;
    explicit Cmf(const double* p) : period(as_period(p[0])), mfv(period), vol(period) {}
    static double flow(const double* x) noexcept {
        const double range = x[0] - x[1];
        if (range > 0.0) return ((x[2] - x[1]) - (x[0] - x[2])) / range * x[3];
        return range == range && x[2] == x[2] && x[3] == x[3] ? 0.0 : kNaN;
    }
    void update(const double* x, double* y) {
        const double f = flow(x);
        sum_mfv += f;
        sum_v += x[3];
        mfv.push(f);
        vol.push(x[3]);
        if (++count < period) {
            y[0] = kNaN;
            return;
        }
        y[0] = sum_v > 0.0 ? sum_mfv / sum_v : (sum_v == sum_v && sum_mfv == sum_mfv ? 0.0 : kNaN);
        // the oldest leaves once the window is full (read back: it is the next slot)
        sum_mfv -= mfv.v[static_cast<std::size_t>(mfv.head)];
        sum_v -= vol.v[static_cast<std::size_t>(vol.head)];
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, sum_mfv, sum_v, mfv, vol); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "CMF.count", count, "must not be negative"); }
};

// Elder's Force Index: the EMA(timeperiod) of (close - previous close) * volume, from the
// second bar (TA-Lib's EMA: seeded with the mean, its unstable period).
struct Efi {
    static constexpr int n_inputs = 2, n_outputs = 1;  // close, volume
    bool started = false;
    double prev = 0;
    Ema ema;
    explicit Efi(const double* p) : ema(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        if (!started) {
            started = true;
            prev = x[0];
            y[0] = kNaN;
            return;
        }
        const double force = (x[0] - prev) * x[1];
        prev = x[0];
        y[0] = ema.step(force);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Efi>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(started, prev, ema); }
};

// Market Facilitation Index: (high - low) / volume; 0 for a zero volume.
struct MarketFi : Pointwise<MarketFi> {
    static constexpr int n_inputs = 3, n_outputs = 1;  // high, low, volume
    explicit MarketFi(const double*) {}
    void update(const double* x, double* y) {
        const double range = x[0] - x[1];
        y[0] = x[2] == 0.0 && range == range ? 0.0 : range / x[2];
    }
};

// NVI / PVI: from 1000, the line moves by the close's rate of change on bars whose volume
// is below (NVI) / above (PVI) the previous bar's, and not after a zero close.
template <bool Positive>
struct VolumeIndex {
    static constexpr int n_inputs = 2, n_outputs = 1;  // close, volume
    bool started = false;
    double pc = 0, pv = 0, line = 1000.0;
    explicit VolumeIndex(const double*) {}
    void update(const double* x, double* y) {
        const double c = x[0], v = x[1];
        if (!started) {
            started = true;
        } else if ((Positive ? v > pv : v < pv) && pc != 0.0) {
            line *= 1.0 + (c - pc) / pc;
        }
        if (c != c || v != v) line = kNaN;
        pc = c;
        pv = v;
        y[0] = line;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(started, pc, pv, line); }
};

// Price Volume Trend: from 0, adds volume * the close's rate of change (nothing after a
// zero close).
struct Pvt {
    static constexpr int n_inputs = 2, n_outputs = 1;  // close, volume
    bool started = false;
    double pc = 0, line = 0;
    explicit Pvt(const double*) {}
    void update(const double* x, double* y) {
        const double c = x[0], v = x[1];
        if (!started) started = true;
        else if (pc != 0.0) line += (c - pc) / pc * v;
        if (c != c || v != v) line = kNaN;
        pc = c;
        y[0] = line;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(started, pc, line); }
};

// Relative Volume: the volume over the mean volume of the `timeperiod` bars before it
// (plain division: a zero mean gives inf or NaN, as TA-Lib).
struct Rvol {
    static constexpr int n_inputs = 1, n_outputs = 1;  // volume
    int period;
    double pd;
    std::int64_t count = 0;
    double sum = 0;
    Ring window;
    explicit Rvol(const double* p) : period(as_period(p[0])), pd(period), window(period) {}
    void update(const double* x, double* y) {
        const double v = x[0];
        y[0] = count >= period ? v / (sum / pd) : kNaN;
        const double old = window.push(v);
        sum += v;
        if (count >= period) sum -= old;
        ++count;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, sum, window); }
    template <class C>
    void check(const C& c) const { c.that(count >= 0, "RVOL.count", count, "must not be negative"); }
};

}  // namespace

void register_flow(std::vector<Info>& r) {
    const char* g = "Volume Indicators";
    r.push_back(make_info<Cmf>({"CMF", g, "Chaikin Money Flow", {"high", "low", "close", "volume"},
                                {period("timeperiod", 20)}, {"real"}}));
    r.push_back(make_info<Efi>({"EFI", g, "Elder's Force Index", {"close", "volume"},
                                {period("timeperiod", 13, 1)}, {"real"}}));
    r.push_back(make_info<MarketFi>({"MARKETFI", g, "Market Facilitation Index", {"high", "low", "volume"}, {},
                                     {"real"}}));
    r.push_back(make_info<VolumeIndex<false>>({"NVI", g, "Negative Volume Index", {"close", "volume"}, {}, {"real"}}));
    r.push_back(make_info<VolumeIndex<true>>({"PVI", g, "Positive Volume Index", {"close", "volume"}, {}, {"real"}}));
    r.push_back(make_info<PriceOsc<true>>({"PVO", g, "Percentage Volume Oscillator", {"volume"},
                                           {period("fastperiod", 12), period("slowperiod", 26), matype("matype", 1)},
                                           {"real"}}));
    r.push_back(make_info<Pvt>({"PVT", g, "Price Volume Trend", {"close", "volume"}, {}, {"real"}}));
    r.push_back(make_info<Rvol>({"RVOL", g, "Relative Volume", {"volume"}, {period("timeperiod", 20, 1)}, {"real"}}));
}

}  // namespace threadx::ta
