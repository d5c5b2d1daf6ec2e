#include "threadx/rolling/rolling.hpp"

#include <cmath>
#include <optional>

#include "threadx/core/parallel.hpp"
#include "threadx/rolling/bounds.hpp"
#include "threadx/rolling/minmax.hpp"
#include "threadx/rolling/moments.hpp"
#include "threadx/rolling/quantile.hpp"
#include "threadx/rolling/slide.hpp"
#include "threadx/rolling/block_quantile.hpp"

namespace threadx::rolling {

namespace {

struct ColumnJob {
    const Spec& spec;
    std::int64_t minp;
    ConstColumn x;
    std::int64_t n;
    const OutTensor& out;
    std::int64_t col;
    const CancelToken* token;
};

template <class Bounds>
void run_column(const ColumnJob& job, const Bounds& bounds) {
    const Spec& spec = job.spec;
    const std::int64_t minp = job.minp;
    Column out = job.out.column(job.col);
    auto run_scalar = [&](auto agg, auto value_of) {
        slide(bounds, job.x, job.n, agg, [&](std::int64_t i) { out[i] = value_of(agg, i); },
              job.token);
    };
    switch (spec.stat) {
        case Stat::sum:
        case Stat::mean:
        case Stat::var:
        case Stat::std:
        case Stat::zscore:
            return window_moments(spec, minp, job.x, job.n, bounds, out, job.token);
        case Stat::min:
            return run_scalar(ExtremumAgg<false>{}, [&](const ExtremumAgg<false>& a, std::int64_t) { return a.value(minp); });
        case Stat::max:
            return run_scalar(ExtremumAgg<true>{}, [&](const ExtremumAgg<true>& a, std::int64_t) { return a.value(minp); });
        case Stat::median:
        case Stat::quantile: {
            TreeQuantileAgg agg(QuantileLevels::of(spec));
            const OutTensor& o = job.out;
            double* base = o.data + job.col * o.col_stride;
            slide(bounds, job.x, job.n, agg,
                  [&](std::int64_t i) { agg.write(minp, base + i * o.row_stride, o.k_stride); },
                  job.token);
            return;
        }
    }
}

void run_count_quantile(const ColumnJob& job) {
    BlockQuantile kernel(job.spec.window, QuantileLevels::of(job.spec), job.minp, job.n);
    kernel.run(job.x, job.n, job.out, job.col, job.token);
}

void check_out(const Spec& spec, const ConstMatrix& x, const OutTensor& out, FieldErrors& errors) {
    const auto k = static_cast<std::int64_t>(spec.outputs_per_column());
    if (out.data == nullptr || out.rows != x.rows || out.cols != x.cols || out.k != k)
        errors.add("out", "shape (" + repr(static_cast<long long>(out.rows)) + ", " +
                              repr(static_cast<long long>(out.cols)) + ", " +
                              repr(static_cast<long long>(out.k)) + ")",
                   "must be (" + repr(static_cast<long long>(x.rows)) + ", " +
                       repr(static_cast<long long>(x.cols)) + ", " + repr(static_cast<long long>(k)) + ")");
    if (x.rows > 0 && x.cols > 0 && x.data == nullptr) errors.add("values", "null", "no data");
}

}  // namespace

void run(const Spec& spec, const ConstMatrix& x, const std::int64_t* times, std::int64_t n_times,
         const OutTensor& out, const CancelToken* token) {
    FieldErrors errors;
    validate(spec, x.rows, times, n_times, errors);
    check_out(spec, x, out, errors);
    errors.throw_if_any();
    if (x.rows == 0 || x.cols == 0) return;

    std::optional<TimeBounds> time_bounds;
    if (spec.time_window) time_bounds = TimeBounds::from_times(times, x.rows, spec.window);
    const CountBounds count_bounds{spec.window};
    const bool sorted_blocks =
        !spec.time_window && (spec.stat == Stat::quantile || spec.stat == Stat::median);
    const std::int64_t minp = spec.effective_min_periods();

    parallel_ranges(static_cast<std::size_t>(x.cols), 1, token,
                    [&](std::size_t c0, std::size_t c1) {
                        for (std::size_t c = c0; c < c1; ++c) {
                            const auto col = static_cast<std::int64_t>(c);
                            ColumnJob job{spec, minp, x.column(col), x.rows, out, col, token};
                            if (sorted_blocks) run_count_quantile(job);
                            else if (time_bounds) run_column(job, *time_bounds);
                            else run_column(job, count_bounds);
                        }
                    });
}

}  // namespace threadx::rolling
