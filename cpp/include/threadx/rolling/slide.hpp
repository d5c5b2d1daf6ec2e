#pragma once
// The one loop every add/remove aggregator runs in: per output row, remove the rows
// that left the window, add the rows that entered, then emit.
#include <cstdint>

#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"

namespace threadx::rolling {

template <class Bounds, class Agg, class Emit>
void slide(const Bounds& bounds, ConstColumn x, std::int64_t n, Agg& agg, Emit&& emit,
           const CancelToken* token) {
    constexpr std::int64_t kChunk = 1 << 14;
    CancelCheck check(token);
    std::int64_t s0 = 0, e0 = 0;
    for (std::int64_t begin = 0; begin < n; begin += kChunk) {
        check();
        const std::int64_t end = begin + kChunk < n ? begin + kChunk : n;
        for (std::int64_t i = begin; i < end; ++i) {
            const std::int64_t s = bounds.start(i), e = bounds.end(i);
            for (; s0 < s; ++s0) agg.remove(s0, x[s0]);
            for (; e0 < e; ++e0) agg.add(e0, x[e0]);
            emit(i);
        }
    }
}

}  // namespace threadx::rolling
