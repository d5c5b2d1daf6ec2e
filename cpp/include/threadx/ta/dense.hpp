#pragma once
// Batch helpers over plain pointers: a column as contiguous memory, and row-wise maps
// that the compiler can vectorise (a state's batch() hook; the per-row arithmetic is
// the state's own, so batch and streaming agree to the bit).
#include <cstdint>
#include <vector>

#include "threadx/ta/kernel.hpp"

namespace threadx::ta {

// A column as a plain pointer (a packed copy when it is strided).
struct Dense {
    std::vector<double> copy;
    const double* p = nullptr;
    Dense() = default;
    Dense(const ConstColumn& c, std::int64_t n) { bind(c, n); }
    const double* bind(const ConstColumn& c, std::int64_t n) {
        p = c.data;
        if (c.stride != 1) {
            copy.resize(static_cast<std::size_t>(n));
            for (std::int64_t i = 0; i < n; ++i) copy[static_cast<std::size_t>(i)] = c[i];
            p = copy.data();
        }
        return p;
    }
    Dense(const Dense&) = delete;
    Dense& operator=(const Dense&) = delete;
};

// out[i] = f(x, i) for rows [from, n), x[k] pointing at input k's rows.
template <int NI, class F>
void map_rows(const ConstColumn* in, std::int64_t from, std::int64_t n, const Column& out,
              const CancelCheck& check, F f) {
    Dense d[NI];
    const double* x[NI];
    for (int k = 0; k < NI; ++k) x[k] = d[k].bind(in[k], n);
    double* const o = out.data;
    const std::int64_t os = out.stride;
    std::int64_t i = from;
    while (i < n) {
        const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
        if (os == 1) {
            for (; i < stop; ++i) o[i] = f(x, i);
        } else {
            for (; i < stop; ++i) o[i * os] = f(x, i);
        }
        if (i < n) check();
    }
}

// The batch of a state whose output depends on the current row only (update() keeps no
// state): its update() over every row, vectorised.
template <class S>
void pointwise_batch(const double* params, const ConstColumn* in, std::int64_t start, std::int64_t n,
                     const Column* out, const CancelCheck& check) {
    static_assert(S::n_outputs == 1);
    constexpr int NI = S::n_inputs;
    S s(params);
    map_rows<NI>(in, start, n, out[0], check, [&s](const double* const* x, std::int64_t i) {
        double v[NI], y[1];
        for (int k = 0; k < NI; ++k) v[k] = x[k][i];
        s.update(v, y);
        return y[0];
    });
}

// Base of such a state: its batch hook and its (empty) snapshot.
template <class S>
struct Pointwise {
    static void batch(const double* params, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        pointwise_batch<S>(params, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar&) {}
};

}  // namespace threadx::ta
