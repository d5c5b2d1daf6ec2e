// SMA, EMA, RSI, MAX, MIN: the patterns the other families follow.
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/wilder.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

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
    r.push_back(make_info<SingleMa<RsiSeries>>({"RSI", "Momentum Indicators", "Relative Strength Index",
                                {"real"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<WindowExtreme<true>>({"MAX", "Math Operators",
                                                "Highest value over a specified period", {"real"},
                                                {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info<WindowExtreme<false>>({"MIN", "Math Operators",
                                                 "Lowest value over a specified period", {"real"},
                                                 {period("timeperiod", 30)}, {"real"}}));
}

}  // namespace threadx::ta
