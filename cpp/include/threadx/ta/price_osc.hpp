#pragma once
// APO / PPO (momentum.cpp) and PVO (flow.cpp, PPO of the volume): one state, fast MA
// minus slow MA, in percent of the slow MA for PPO and PVO.
#include <algorithm>
#include <cstdint>

#include "threadx/ta/kernel.hpp"
#include "threadx/ta/ma.hpp"

namespace threadx::ta {

// APO / PPO: fast MA minus slow MA (periods swapped when slow < fast), both from the
// first bar; PPO divides by the slow MA (0 when it is exactly zero, is_zero) and * 100.
template <bool Percent, class M>
struct PriceOscOf {
    static constexpr int n_inputs = 1, n_outputs = 1;
    M fast, slow;
    static int lo(const double* p) { return std::min(as_period(p[0]), as_period(p[1])); }
    static int hi(const double* p) { return std::max(as_period(p[0]), as_period(p[1])); }
    explicit PriceOscOf(const double* p)
        : fast(make_ma<M>(as_matype(p[2]), lo(p))), slow(make_ma<M>(as_matype(p[2]), hi(p))) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double f = fast.step(x[0]);
        const double s = slow.step(x[0]);
        if constexpr (Percent) {
            if (s != s) y[0] = kNaN;
            else y[0] = !is_zero(s) ? (f - s) / s * 100.0 : 0.0;
        } else {
            y[0] = f - s;
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(fast, slow); }
};

template <bool Percent>
struct PriceOsc : PriceOscOf<Percent, MaState> {
    using PriceOscOf<Percent, MaState>::PriceOscOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_matype(p[2]), 2, [&]<class M>() {
            fma_batch<PriceOscOf<Percent, M>>(p, in, start, n, out, check);
        });
    }
};

}  // namespace threadx::ta
