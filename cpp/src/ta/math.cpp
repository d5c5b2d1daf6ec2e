// Math Operators (TA-Lib's group): MAX MIN SUM MAXINDEX MININDEX (the others are in
// transform.cpp).
#include <cmath>
#include <cstdint>
#include <vector>

#include "threadx/ta/dense.hpp"
#include "threadx/ta/extreme_index.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
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

// ---------------------------------------------------------------- SUM

// TA-Lib's running total: add the new value, output, drop the oldest.  The drop is done
// on the next bar, just before its add: the same sequence of operations on the total.
// (Locals, so the ring's store cannot force the total through memory every bar.)
struct Sum {
    static constexpr int n_inputs = 1, n_outputs = 1;
    std::int64_t period, count = 0, head = 0;
    double total = 0;
    std::vector<double> buf;
    explicit Sum(const double* p) : period(as_period(p[0])), buf(static_cast<std::size_t>(period), 0.0) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = x[0];
        double* b = buf.data();
        const std::int64_t h = head, c = count;
        double t = total;
        const double old = b[h];  // the value `period` bars ago
        if (c >= period) t -= old;
        t += v;
        b[h] = v;
        head = h + 1 == period ? 0 : h + 1;
        total = t;
        count = c + 1;
        y[0] = c + 1 < period ? kNaN : t;
    }
    // The same steps with the value leaving read from the column (no ring).
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const std::int64_t period = as_period(p[0]);
        const Dense d(in[0], n);
        const double* x = d.p;
        double* const o = out[0].data;
        const std::int64_t os = out[0].stride;
        const std::int64_t full = n - start < period ? n : start + period;
        double t = 0;
        std::int64_t i = start;
        for (; i < full; ++i) {
            t += x[i];
            o[i * os] = i - start + 1 < period ? kNaN : t;
        }
        while (i < n) {  // chunks out of line: the total stays in a register (no call in the loop)
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            t = steady(t, period, x, o, os, i, stop);
            if ((i = stop) < n) check();
        }
    }
    [[gnu::noinline]] static double steady(double t, std::int64_t period, const double* x, double* o, std::int64_t os,
                                           std::int64_t from, std::int64_t to) {
        for (std::int64_t i = from; i < to; ++i) {
            t -= x[i - period];
            t += x[i];
            o[i * os] = t;
        }
        return t;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, head, total, buf); }
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "SUM.count", count, "must not be negative");
        c.index("SUM.head", head, period);
    }
};

}  // namespace

void register_math(std::vector<Info>& r) {
    r.push_back(make_info<WindowExtreme<true>>({"MAX", "Math Operators",
                                                "Highest value over a specified period", {"real"},
                                                {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info<WindowExtreme<false>>({"MIN", "Math Operators",
                                                 "Lowest value over a specified period", {"real"},
                                                 {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info<Sum>({"SUM", "Math Operators", "Summation", {"real"}, {period("timeperiod", 30)}, {"real"}}));
    r.push_back(integer_outputs(make_info<ExtremeIndex<true>>({"MAXINDEX", "Math Operators",
                                               "Index of highest value over a specified period", {"real"},
                                               {period("timeperiod", 30)}, {"integer"}})));
    r.push_back(integer_outputs(make_info<ExtremeIndex<false>>({"MININDEX", "Math Operators",
                                                "Index of lowest value over a specified period", {"real"},
                                                {period("timeperiod", 30)}, {"integer"}})));
}

}  // namespace threadx::ta
