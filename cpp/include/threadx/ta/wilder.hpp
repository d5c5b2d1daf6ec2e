#pragma once
// Wilder's averages of up and down moves, shared by RSI and CMO: seeded with the plain
// mean of the first `period` changes, then avg = (avg * (period - 1) + move) / period.
// TA-Lib's build divides by the period in CMO but multiplies by its reciprocal in RSI;
// `Reciprocal` picks which, so both stay bit-identical to it.
#include <cstdint>

#include "threadx/ta/kernel.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

template <bool Reciprocal>
struct WilderMoves {
    double pd, keep, inv;
    std::int64_t period, count = 0;
    double prev = 0, gain = 0, loss = 0;
    explicit WilderMoves(int p) : pd(p), keep(p - 1), inv(1.0 / p), period(p) {}

    // Feeds one value; returns its bar number (0 for the first value, which has no move).
    std::int64_t step(double x) {
        const std::int64_t bar = count++;
        if (bar == 0) {
            prev = x;
            return 0;
        }
        const double diff = x - prev;
        prev = x;
        const double up = max0(diff), down = max0(-diff);  // TA-Lib's if/else, branch-free
        if (bar > period) [[likely]] {
            loss = scale(loss * keep + down);
            gain = scale(gain * keep + up);
        } else {
            gain += up;
            loss += down;
            if (bar == period) {
                loss = scale(loss);
                gain = scale(gain);
            }
        }
        return bar;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, prev, gain, loss); }

private:
    double scale(double v) const noexcept { return Reciprocal ? v * inv : v / pd; }
};

// RSI (IsRsi: 100 * gain / (gain + loss)) and CMO (100 * (gain - loss) / (gain + loss))
// of Wilder's averages, TA-Lib's defaults; a flat stretch (gain + loss exactly 0) gives
// 0.  NaN before the lookback (period plus the unstable period).  RSI is also the input
// series of STOCHRSI.
template <bool IsRsi>
struct WilderOscillator {
    WilderMoves<IsRsi> m;
    std::int64_t lookback;
    explicit WilderOscillator(int p)
        : m(p), lookback(p + unstable_period(IsRsi ? Unstable::RSI : Unstable::CMO)) {}
    double step(double x) {
        if (m.step(x) < lookback) return kNaN;
        const double total = m.gain + m.loss;
        return !is_zero(total) ? 100.0 * ((IsRsi ? m.gain : m.gain - m.loss) / total) : 0.0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

using RsiSeries = WilderOscillator<true>;
using CmoSeries = WilderOscillator<false>;

}  // namespace threadx::ta
