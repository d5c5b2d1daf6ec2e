// Indicators beyond TA-Lib 0.4's list: Donchian channels and VWAP (both also in
// TA-Lib 0.8, whose definitions they follow), plus ThreadX's rolling and session VWAP.
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

// DONCHIAN(high, low, timeperiod): upper = highest high, lower = lowest low of the
// last `timeperiod` bars, middle = (upper + lower) / 2.
struct Donchian {
    static constexpr int n_inputs = 2, n_outputs = 3;
    Highest hi;
    Lowest lo;
    explicit Donchian(const double* p) : hi(as_period(p[0])), lo(as_period(p[0])) {}
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        window_extreme<true>(in[0], start, n, as_period(p[0]), out[0], check);
        window_extreme<false>(in[1], start, n, as_period(p[0]), out[2], check);
        for (std::int64_t i = start; i < n; ++i) out[1][i] = (out[0][i] + out[2][i]) / 2.0;
    }
    void update(const double* x, double* y) {
        hi.push(x[0]);
        lo.push(x[1]);
        if (hi.t < hi.period) {
            y[0] = y[1] = y[2] = kNaN;
            return;
        }
        y[0] = hi.value();
        y[2] = lo.value();
        y[1] = (y[0] + y[2]) / 2.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(hi, lo); }
};

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

}  // namespace

void register_extra(std::vector<Info>& r) {
    r.push_back(make_info<Donchian>({"DONCHIAN", "Overlap Studies", "Donchian Channels",
                                     {"high", "low"}, {period("timeperiod", 20)},
                                     {"upperband", "middleband", "lowerband"}}));
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
}

}  // namespace threadx::ta
