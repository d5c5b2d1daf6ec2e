// SMA, EMA, RSI, MAX, MIN: the patterns the other families follow.
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

// RSI (Wilder), TA-Lib's default: average gain and loss seeded with the plain mean
// of the first `period` changes; a flat window (gain + loss within 1e-14) gives 0.
// Divisions by the period are multiplications by its reciprocal, as TA-Lib's build
// compiles them (bit-identical values, and off the critical path).
struct Rsi {
    static constexpr int n_inputs = 1, n_outputs = 1;
    int period;
    double keep, inv;  // period - 1 and 1 / period
    std::int64_t lookback, count = 0;
    double prev = 0, gain = 0, loss = 0;
    explicit Rsi(const double* p)
        : period(as_period(p[0])), keep(period - 1), inv(1.0 / period),
          lookback(period + unstable_period(Unstable::RSI)) {}
    void update(const double* x, double* y) {
        const std::int64_t bar = count++;
        if (bar == 0) {
            prev = x[0];
            y[0] = kNaN;
            return;
        }
        const double diff = x[0] - prev;
        prev = x[0];
        // branch-free split of the change (a random walk mispredicts half the branches);
        // same sums as TA-Lib's if/else, and a NaN still reaches both
        const double up = max0(diff), down = max0(-diff);
        if (bar <= period) {
            gain += up;
            loss += down;
            if (bar == period) {
                loss *= inv;
                gain *= inv;
            }
        } else {
            loss = (loss * keep + down) * inv;
            gain = (gain * keep + up) * inv;
        }
        if (bar < lookback) {
            y[0] = kNaN;
            return;
        }
        const double total = gain + loss;
        y[0] = !is_zero(total) ? 100.0 * (gain / total) : 0.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, prev, gain, loss); }
};

template <bool IsMax>
struct WindowExtreme {
    static constexpr int n_inputs = 1, n_outputs = 1;
    Extreme<IsMax> e;
    explicit WindowExtreme(const double* p) : e(as_period(p[0])) {}
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        window_extreme<IsMax>(in[0], start, n, as_period(p[0]), out[0], check);
    }
    void update(const double* x, double* y) {
        e.push(x[0]);
        y[0] = e.t >= e.period ? e.value() : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(e); }
};

}  // namespace

void register_basic(std::vector<Info>& r) {
    r.push_back(make_info<SingleMa<Sma>>({"SMA", "Overlap Studies", "Simple Moving Average",
                                          {"real"}, {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info<SingleMa<Ema>>({"EMA", "Overlap Studies", "Exponential Moving Average",
                                          {"real"}, {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info<Rsi>({"RSI", "Momentum Indicators", "Relative Strength Index",
                                {"real"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<WindowExtreme<true>>({"MAX", "Math Operators",
                                                "Highest value over a specified period", {"real"},
                                                {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info<WindowExtreme<false>>({"MIN", "Math Operators",
                                                 "Lowest value over a specified period", {"real"},
                                                 {period("timeperiod", 30)}, {"real"}}));
}

}  // namespace threadx::ta
