#pragma once
// The stochastics of TA-Lib (STOCH, STOCHF, and KDJ on top of STOCH): %K of the
// window's highest high and lowest low, then its MA smoothing (any MA_Type).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "threadx/ta/dense.hpp"
#include "threadx/ta/kernel.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

// Fast %K from the window's highest high and lowest low; a range within 1e-14 of
// |highest| + |lowest| is flat and gives 0 (TA-Lib's scaled zero test).
inline double fast_k(double close, double highest, double lowest) noexcept {
    const double range = highest - lowest;
    if (!(std::fabs(range) <= 0.00000000000001 * (std::fabs(highest) + std::fabs(lowest))))
        return ((close - lowest) / range) * 100.0;
    return 0.0;
}

// An MA over a series that starts at some bar, reporting whether it has warmed up (its
// first non-NaN value; TA-Lib runs the MA over the series starting at that bar).  M is
// MaState for the registered (streaming) state, the concrete MA type in batch.
template <class M>
struct ChainedMa {
    M ma;
    bool ready = false;
    ChainedMa(int type, int period) : ma(make_ma<M>(type, period)) {}
    THREADX_TA_INLINE double step(double v) {
        const double r = ma.step(v);
        if (!ready && r == r) ready = true;
        return r;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ma, ready); }
};

// The stochastics' window: highest high and lowest low (values only: TA-Lib's index
// scan always lands on the window's true extreme, so the values agree).
using StochWindow = BlockExtremes<true, true>;

// Fast %K of one bar (NaN when the window or the close holds a NaN).
THREADX_TA_INLINE double window_k(const StochWindow& w, double close) noexcept {
    if (w.has_nan() || close != close) return kNaN;
    const StochWindow::Win e = w.window();
    return fast_k(close, e.max(), e.min());
}

// %K -> (slow %K, slow %D) of STOCH, NaN until both MAs have warmed up.
template <class MK, class MD>
struct SlowSmoothing {
    ChainedMa<MK> slow_k;
    ChainedMa<MD> slow_d;
    explicit SlowSmoothing(const double* p)
        : slow_k(as_period(p[2]), as_period(p[1])), slow_d(as_period(p[4]), as_period(p[3])) {}
    THREADX_TA_INLINE void operator()(double k, double* y) {
        y[0] = y[1] = kNaN;
        const double sk = slow_k.step(k);
        if (!slow_k.ready) return;
        const double sd = slow_d.step(sk);
        if (!slow_d.ready) return;
        y[0] = sk;
        y[1] = sd;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(slow_k, slow_d); }
};

// %K -> (%K, fast %D) of STOCHF and STOCHRSI, NaN until the MA has warmed up.
template <class M>
struct FastSmoothing {
    ChainedMa<M> fast_d;
    FastSmoothing(int type, int period) : fast_d(type, period) {}
    THREADX_TA_INLINE void operator()(double k, double* y) {
        y[0] = y[1] = kNaN;
        const double d = fast_d.step(k);
        if (!fast_d.ready) return;
        y[0] = k;
        y[1] = d;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(fast_d); }
};

// STOCH (Smooth = SlowSmoothing) and STOCHF (FastSmoothing) over high, low, close: %K of
// the window's highest high and lowest low, then the smoothing.
template <class Smooth>
struct StochOf {
    static constexpr int n_inputs = 3, n_outputs = 2;  // high, low, close -> (slow|fast) k, d
    StochWindow w;
    Smooth smooth;
    explicit StochOf(const double* p) : w(as_period(p[0])), smooth(make(p)) {}
    static Smooth make(const double* p) {
        if constexpr (std::is_constructible_v<Smooth, const double*>) return Smooth(p);
        else return Smooth(as_period(p[2]), as_period(p[1]));
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        w.push(x[0], x[1]);
        if (!w.full()) {
            y[0] = y[1] = kNaN;
            return;
        }
        smooth(window_k(w, x[2]), y);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w, smooth); }
};

// Batch: the window extremes by window_extreme (into the two outputs), then per row %K
// and the smoothing, FMA-built where the CPU has it (TA-Lib's fused EMA steps).
template <class Smooth>
struct StochRows {
    THREADX_TA_INLINE static void run(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                                      const Column* out, const CancelCheck& check) {
        Smooth smooth = StochOf<Smooth>::make(p);
        const Dense dc(in[2], n);
        const double* c = dc.p;
        const Column hi = out[0], lo = out[1];
        const std::int64_t w = as_period(p[0]);
        std::int64_t i = start + w - 1;
        double y[2];
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            for (; i < stop; ++i) {
                const double h = hi[i], l = lo[i], close = c[i];
                smooth(h != h || l != l || close != close ? kNaN : fast_k(close, h, l), y);
                hi[i] = y[0];
                lo[i] = y[1];
            }
            if (i < n) check();
        }
    }
};
template <class Smooth>
void stoch_batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n, const Column* out,
                 const CancelCheck& check) {
    const std::int64_t w = as_period(p[0]);
    window_extreme<true>(in[0], start, n, w, out[0], check);
    window_extreme<false>(in[1], start, n, w, out[1], check);
    fma_run<StochRows<Smooth>>(p, in, start, n, out, check);
}

// The registered states run MaState; batch the concrete MA types (no variant dispatch
// per bar).
struct Stoch : StochOf<SlowSmoothing<MaState, MaState>> {
    using StochOf::StochOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_period(p[2]), as_period(p[1]), [&]<class MK>() {
            with_ma_type(as_period(p[4]), as_period(p[3]), [&]<class MD>() {
                stoch_batch<SlowSmoothing<MK, MD>>(p, in, start, n, out, check);
            });
        });
    }
};

struct StochF : StochOf<FastSmoothing<MaState>> {
    using StochOf::StochOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_period(p[2]), as_period(p[1]), [&]<class M>() {
            stoch_batch<FastSmoothing<M>>(p, in, start, n, out, check);
        });
    }
};

}  // namespace threadx::ta
