#pragma once
// The true range and ATR's state, shared by ATR/NATR (volatility.cpp) and KC (overlap.cpp).
#include <cmath>
#include <cstdint>

#include "threadx/ta/dense.hpp"
#include "threadx/ta/kernel.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

// True range, TA-Lib's order: high-low, then the two distances to the previous close.
// A NaN previous close gives NaN (the comparisons alone would drop it).
inline double true_range(double h, double l, double pc) noexcept {
    double g = h - l;
    const double v2 = std::fabs(pc - h);
    if (v2 > g) g = v2;
    const double v3 = std::fabs(pc - l);
    if (v3 > g) g = v3;
    return g + (pc - pc);  // + 0 (exact: g >= +0), or NaN for a NaN close
}

// ATR (Normalize = false) and NATR (true): Wilder's average of the true range seeded
// with the mean of the first `period` ranges, then TA-Lib's two-coefficient step
// beta = (period-1)/period, alpha = 1 - beta, evaluated as fma(beta, atr, alpha * tr)
// (the compared build contracts it so; the result is bit-identical).  Period 1 is the
// plain true range (also for NATR, as in TA-Lib), still delayed by the unstable period.
template <bool Normalize>
struct Atr {
    static constexpr int n_inputs = 3, n_outputs = 1;
    int period;
    double pd, beta, alpha;
    std::int64_t lookback, steady, count = 0;
    double pc = 0, atr = 0;
    explicit Atr(const double* p)
        : period(as_period(p[0])), pd(period), beta(static_cast<double>(period - 1) / pd), alpha(1.0 - beta),
          lookback(period + unstable_period(Normalize ? Unstable::NATR : Unstable::ATR)),
          steady(period > 1 ? period + 1 : std::numeric_limits<std::int64_t>::max()) {}
    static double value(double atr, double c) noexcept {
        if constexpr (Normalize) return !is_zero(c) ? atr / c * 100.0 : 0.0;
        return atr;
    }
    void update(const double* x, double* y) {
        const double tr = true_range(x[0], x[1], pc);  // meaningless on the first bar
        pc = x[2];
        const std::int64_t bar = count++;
        if (bar >= steady) [[likely]] {
            atr = std::fma(beta, atr, alpha * tr);
            y[0] = bar >= lookback ? value(atr, x[2]) : kNaN;
            return;
        }
        if (bar == 0) {
            y[0] = kNaN;
            return;
        }
        if (period == 1) {  // the true range itself, never normalized
            atr = tr;
            y[0] = bar >= lookback ? tr : kNaN;
            return;
        }
        atr += tr;
        if (bar == period) atr /= pd;
        y[0] = bar >= lookback ? value(atr, x[2]) : kNaN;
    }
    // Batch: update()'s steps straight over the columns, the steady rows in chain().
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const Atr s(p);
        if (s.period == 1 || n - start <= s.steady) {
            state_rows<Atr>(p, in, start, n, out, check);
            return;
        }
        Dense dense[3];
        const double* x[3];
        for (int k = 0; k < 3; ++k) x[k] = dense[k].bind(in[k], n);
        const Column o = out[0];
        o[start] = kNaN;
        double atr = 0;
        for (std::int64_t bar = 1; bar <= s.period; ++bar) {  // the seed (lookback >= period)
            const std::int64_t i = start + bar;
            atr += true_range(x[0][i], x[1][i], x[2][i - 1]);
            if (bar == s.period) atr /= s.pd;
            o[i] = bar >= s.lookback ? value(atr, x[2][i]) : kNaN;
        }
        const std::int64_t warm = start + s.lookback < n ? start + s.lookback : n;
        std::int64_t i = start + s.steady;
        for (; i < warm; ++i) {
            atr = std::fma(s.beta, atr, s.alpha * true_range(x[0][i], x[1][i], x[2][i - 1]));
            o[i] = kNaN;
        }
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            atr = chain(o, x[0], x[1], x[2], i, stop, atr, s.beta, s.alpha);
            if ((i = stop) < n) check();
        }
    }
    // The steady rows [from, to) of batch, out of line so the average stays in a register
    // (a call in the loop, the cancellation check, would keep it in memory), and built
    // for FMA where the CPU has it.
    [[gnu::target_clones("fma", "default"), gnu::noinline]] static double chain(
        Column o, const double* h, const double* l, const double* c, std::int64_t from, std::int64_t to,
        double atr, double beta, double alpha) {
        for (std::int64_t i = from; i < to; ++i) {
            atr = std::fma(beta, atr, alpha * true_range(h[i], l[i], c[i - 1]));
            o[i] = value(atr, c[i]);
        }
        return atr;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, pc, atr); }
};

}  // namespace threadx::ta
