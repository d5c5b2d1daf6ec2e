// Volatility Indicators (TA-Lib's group): TRANGE, ATR, NATR (ATR's state is in
// threadx/ta/atr.hpp, shared with KC).
#include <cstdint>

#include "threadx/ta/atr.hpp"
#include "threadx/ta/dense.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

namespace {

// ---------------------------------------------------------------- TRANGE

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

}  // namespace

void register_volatility(std::vector<Info>& r) {
    const std::vector<std::string> kHLC{"high", "low", "close"};
    r.push_back(make_info<Trange>({"TRANGE", "Volatility Indicators", "True Range", kHLC, {}, {"real"}}));
    r.push_back(make_info_fma<Atr<false>>({"ATR", "Volatility Indicators", "Average True Range", kHLC,
                                       {period("timeperiod", 14, 1)}, {"real"}}));
    r.push_back(make_info_fma<Atr<true>>({"NATR", "Volatility Indicators", "Normalized Average True Range", kHLC,
                                      {period("timeperiod", 14, 1)}, {"real"}}));
}

}  // namespace threadx::ta
