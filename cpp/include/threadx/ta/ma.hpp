#pragma once
// TA-Lib's moving averages as single-input states (step(x) -> latest value or NaN),
// and MaState, the run-time choice by MA_Type used by MA, BBANDS, MACDEXT, STOCH, ...
#include <variant>

#include "threadx/ta/kernel.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

enum class MaType : int { SMA = 0, EMA = 1, WMA = 2, DEMA = 3, TEMA = 4, TRIMA = 5, KAMA = 6, MAMA = 7, T3 = 8 };

// Simple moving average: TA-Lib's running sum (add the new value, output, then drop
// the oldest), so long series accumulate the same rounding as TA-Lib.
struct Sma {
    int period = 2;
    std::int64_t count = 0;
    double sum = 0;
    Ring window;
    explicit Sma(int p) : period(p), window(p) {}
    double step(double x) {
        sum += x;
        window.push(x);
        if (++count < period) return kNaN;
        const double out = sum / period;
        sum -= window.v[static_cast<std::size_t>(window.head)];  // oldest of this window
        return out;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, sum, window); }
};

// Exponential moving average, TA-Lib's default: k = 2 / (period + 1), seeded with the
// SMA of the first `period` values; the first `unstable` values are withheld.
struct Ema {
    int period = 2;
    double k = 0;
    std::int64_t lookback = 1, count = 0;
    double prev = 0;
    Ema(int p, int unstable, double k_ = 0)
        : period(p), k(k_ != 0 ? k_ : 2.0 / (p + 1)), lookback(p - 1 + unstable) {}
    explicit Ema(int p) : Ema(p, unstable_period(Unstable::EMA)) {}
    double step(double x) {
        if (count < period) {
            prev += x;
            if (count == period - 1) prev /= period;
        } else {
            prev = (x - prev) * k + prev;
        }
        return count++ >= lookback ? prev : kNaN;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, prev); }
};

// Period 1 through MA() is the identity, as in TA-Lib.
struct Identity {
    double step(double x) { return x; }
    template <class Ar>
    void fields(Ar&) {}
};

// The MA chosen by MA_Type.  Add a type: a state with step(x) and fields(ar), an
// alternative here, and a case in make().
struct MaState {
    std::variant<Identity, Sma, Ema> v;
    MaState(int type, int period) : v(make(type, period)) {}
    double step(double x) {
        return std::visit([x](auto& m) { return m.step(x); }, v);
    }
    template <class Ar>
    void fields(Ar& ar) {
        std::visit([&ar](auto& m) { ar(m); }, v);
    }

private:
    static decltype(v) make(int type, int period) {
        if (period == 1) return Identity{};
        switch (static_cast<MaType>(type)) {
            case MaType::SMA: return Sma(period);
            case MaType::EMA: return Ema(period);
            default:
                throw IndicatorError("MA_Type " + std::to_string(type) + " is not available");
        }
    }
};

// Adapter: a single-input MA state as a registry state whose first parameter is the period.
template <class M>
struct SingleMa {
    static constexpr int n_inputs = 1, n_outputs = 1;
    M m;
    explicit SingleMa(const double* p) : m(as_period(p[0])) {}
    void update(const double* x, double* y) { y[0] = m.step(x[0]); }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

}  // namespace threadx::ta
