// Volume Indicators (TA-Lib's group): OBV AD ADOSC VWAP, plus two that TA-Lib does not
// have and that belong here by their nature: VWAP_ROLLING (VWAP over the last
// `timeperiod` bars) and VWAP_SESSION (VWAP restarting with each session).
//
// The arithmetic follows the TA-Lib build the parity tests run against (the C library
// that reports 0.8.1), including its explicit fused multiply-adds and its re-anchored
// running sums, so values agree with it to the last bit or within a few ulps.
#include <cmath>
#include <cstdint>
#include <vector>

#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

namespace {

// Typical price times volume of one bar; a bar with a non-finite price or volume
// carries no weight (TA-Lib 0.8's rule).
struct Weighted {
    double pv = 0, v = 0;
};
inline Weighted weigh(const double* x) {
    const double tp = (x[0] + x[1] + x[2]) / 3.0;
    const double pv = tp * x[3];
    if (std::isfinite(tp) && std::isfinite(x[3])) return {pv, x[3]};
    return {};
}

// VWAP(high, low, close, volume), TA-Lib's: cumulative from the first bar; the last
// value is carried while no volume has traded (0.0 before the first volume).
struct Vwap {
    static constexpr int n_inputs = 4, n_outputs = 1;
    double sum_pv = 0, sum_v = 0, vwap = 0;
    explicit Vwap(const double*) {}
    void update(const double* x, double* y) {
        const Weighted w = weigh(x);
        sum_pv += w.pv;
        sum_v += w.v;
        if (sum_v > 0.0) vwap = sum_pv / sum_v;
        y[0] = vwap;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(sum_pv, sum_v, vwap); }
};

// Rolling VWAP over the last `timeperiod` bars; NaN during the first timeperiod - 1
// bars and while the window has traded no volume.
struct VwapRolling {
    static constexpr int n_inputs = 4, n_outputs = 1;
    int period;
    std::int64_t count = 0;
    double sum_pv = 0, sum_v = 0;
    Ring pv, v;
    explicit VwapRolling(const double* p) : period(as_period(p[0])), pv(period), v(period) {}
    void update(const double* x, double* y) {
        const Weighted w = weigh(x);
        sum_pv += w.pv - pv.push(w.pv);
        sum_v += w.v - v.push(w.v);
        if (++count < period || !(sum_v > 0.0)) {
            y[0] = kNaN;
            return;
        }
        y[0] = sum_pv / sum_v;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, sum_pv, sum_v, pv, v); }
};

// Session VWAP: the fifth input is a session id; the sums restart when it changes.
// NaN until the session has traded volume.
struct VwapSession {
    static constexpr int n_inputs = 5, n_outputs = 1;
    double session = 0, sum_pv = 0, sum_v = 0;
    bool started = false;
    explicit VwapSession(const double*) {}
    void update(const double* x, double* y) {
        if (!started || x[4] != session) {
            started = true;
            session = x[4];
            sum_pv = sum_v = 0;
        }
        const Weighted w = weigh(x);
        sum_pv += w.pv;
        sum_v += w.v;
        y[0] = sum_v > 0.0 ? sum_pv / sum_v : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(session, sum_pv, sum_v, started); }
};

// ---------------------------------------------------------------- volume

// On Balance Volume: starts at the first bar's volume; a NaN close or volume poisons it.
// 1, -1 or 0 as a > b, a < b or neither, without a branch (compilers turn the plain
// comparisons back into jumps, which mispredict on prices).
inline double up_down(double a, double b) noexcept {
#if defined(__SSE2__)
    const __m128d x = _mm_set_sd(a), y = _mm_set_sd(b), one = _mm_set_sd(1.0);
    const __m128d up = _mm_and_pd(_mm_cmpgt_sd(x, y), one), down = _mm_and_pd(_mm_cmplt_sd(x, y), one);
    return _mm_cvtsd_f64(_mm_sub_sd(up, down));
#else
    return static_cast<double>(a > b) - static_cast<double>(a < b);
#endif
}

struct Obv {
    static constexpr int n_inputs = 2, n_outputs = 1;  // real, volume
    bool started = false;
    double prev = 0, obv = 0;
    explicit Obv(const double*) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double r = x[0], v = x[1];
        if (!started) {
            started = true;
            obv = v;
            prev = r;
        }
        // Branch-free (up/down is a coin flip on real data): obv + {1, -1, 0} * volume is
        // exactly obv + volume, obv - volume or obv for a finite volume.
        double next = obv + up_down(r, prev) * v;
        if (r != r || v != v) next = kNaN;
        obv = next;
        prev = r;
        y[0] = next;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(started, prev, obv); }
};

// The Chaikin accumulation step shared by AD and ADOSC (a zero range adds nothing; a
// NaN input poisons the line, which TA-Lib's range test would skip).
inline void ad_step(double& ad, const double* x) noexcept {
    const double high = x[0], low = x[1], close = x[2];
    const double range = high - low;
    if (range > 0.0) ad += (((close - low) - (high - close)) / range) * x[3];
    else if (range != range || close != close || x[3] != x[3]) ad = kNaN;
}

struct Ad {
    static constexpr int n_inputs = 4, n_outputs = 1;  // high, low, close, volume
    double ad = 0;
    explicit Ad(const double*) {}
    void update(const double* x, double* y) {
        ad_step(ad, x);
        y[0] = ad;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ad); }
};

// Chaikin A/D Oscillator: EMA(fast) - EMA(slow) of the A/D line, both seeded with the
// first A/D value; k = 2/(period+1) and TA-Lib's fused update fma(1-k, ema, k*ad).
struct Adosc {
    static constexpr int n_inputs = 4, n_outputs = 1;
    double fk, fk1, sk, sk1;
    std::int64_t lookback, count = 0;
    double ad = 0, fast = 0, slow = 0;
    static void constants(int p, double& k, double& k1) {
        k = 2.0 / (static_cast<double>(p) + 1.0);
        k1 = 1.0 - k;
    }
    explicit Adosc(const double* p) {
        const int fp = as_period(p[0]), sp = as_period(p[1]);
        constants(fp, fk, fk1);
        constants(sp, sk, sk1);
        lookback = (fp < sp ? sp : fp) - 1 + unstable_period(Unstable::EMA);
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        ad_step(ad, x);
        if (count++ == 0) {
            fast = slow = ad;
        } else {
            fast = fused(fk1, fast, fk * ad);
            slow = fused(sk1, slow, sk * ad);
        }
        y[0] = count > lookback ? fast - slow : kNaN;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Adosc>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, ad, fast, slow); }
};

}  // namespace

void register_volume(std::vector<Info>& r) {
    r.push_back(make_info<Vwap>({"VWAP", "Volume Indicators", "Volume Weighted Average Price",
                                 {"high", "low", "close", "volume"}, {}, {"real"}}));
    r.push_back(make_info<VwapRolling>({"VWAP_ROLLING", "Volume Indicators",
                                        "Rolling Volume Weighted Average Price (ThreadX)",
                                        {"high", "low", "close", "volume"},
                                        {period("timeperiod", 20, 1)}, {"real"}}));
    r.push_back(make_info<VwapSession>({"VWAP_SESSION", "Volume Indicators",
                                        "Session Volume Weighted Average Price, restarting when the session id changes (ThreadX)",
                                        {"high", "low", "close", "volume", "session"}, {},
                                        {"real"}}));
    r.push_back(make_info<Obv>({"OBV", "Volume Indicators", "On Balance Volume", {"real", "volume"}, {}, {"real"}}));
    r.push_back(make_info<Ad>({"AD", "Volume Indicators", "Chaikin A/D Line",
                               {"high", "low", "close", "volume"}, {}, {"real"}}));
    r.push_back(make_info<Adosc>({"ADOSC", "Volume Indicators", "Chaikin A/D Oscillator",
                                  {"high", "low", "close", "volume"},
                                  {period("fastperiod", 3), period("slowperiod", 10)}, {"real"}}));
}

}  // namespace threadx::ta
