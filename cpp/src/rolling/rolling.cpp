#include "threadx/rolling/rolling.hpp"

#include <cmath>
#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "threadx/core/buffer.hpp"
#include "threadx/core/parallel.hpp"
#include "threadx/rolling/bounds.hpp"
#include "threadx/rolling/minmax.hpp"
#include "threadx/rolling/moments.hpp"
#include "threadx/rolling/quantile.hpp"
#include "threadx/rolling/rank.hpp"
#include "threadx/rolling/slide.hpp"
#include "threadx/rolling/block_quantile.hpp"
#include "threadx/rolling/small_quantile.hpp"

namespace threadx::rolling {

namespace {

// Values per gathered tile row: 8 doubles are one cache line.
constexpr std::int64_t kTileValues = 8;
constexpr std::int64_t kTileRows = 512;  // rows per step of the blocked transposes

struct ColumnJob {
    const Spec& spec;
    std::int64_t minp;
    ConstColumn x;
    std::int64_t n;
    const OutTensor& out;
    std::int64_t col;
    const CancelToken* token;
    RowRange rows;  // count-window moments and quantiles may take part of a column
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
            if constexpr (std::is_same_v<Bounds, CountBounds>)
                return window_moments(spec, minp, job.x, job.n, bounds, out, job.token, job.rows);
            else
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
        case Stat::rank:
            if constexpr (std::is_same_v<Bounds, CountBounds>)
                return window_rank(spec, minp, job.x, job.n, bounds, out, job.token, job.rows);
            else
                return window_rank(spec, minp, job.x, job.n, bounds, out, job.token);
    }
}

void run_count_quantile(const ColumnJob& job) {
    if (SmallQuantile::fits(job.spec.window)) {
        SmallQuantile kernel(job.spec.window, QuantileLevels::of(job.spec), job.minp);
        return kernel.run(job.x, job.n, job.out, job.col, job.token, job.rows);
    }
    if (!BlockQuantile::fits(job.spec.window, job.n)) return run_column(job, CountBounds{job.spec.window});
    BlockQuantile kernel(job.spec.window, QuantileLevels::of(job.spec), job.minp, job.n);
    kernel.run(job.x, job.n, job.out, job.col, job.token, job.rows);
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
    run_validated(spec, x, times, out, token);
}

void run_validated(const Spec& spec, const ConstMatrix& x, const std::int64_t* times,
                   const OutTensor& out, const CancelToken* token) {
    FieldErrors errors;
    check_out(spec, x, out, errors);
    if (spec.time_window && times == nullptr && x.rows > 0)
        errors.add("times", "None", "a time window needs timestamps (a DatetimeIndex or times=)");
    errors.throw_if_any();
    if (x.rows == 0 || x.cols == 0) return;

    std::optional<TimeBounds> time_bounds;
    if (spec.time_window) time_bounds = TimeBounds::from_times(times, x.rows, spec.window);
    const CountBounds count_bounds{spec.window};
    const bool sorted_blocks =
        !spec.time_window && (spec.stat == Stat::quantile || spec.stat == Stat::median);
    const std::int64_t minp = spec.effective_min_periods();

    auto run_one = [&](const ColumnJob& job) {
        if (sorted_blocks) run_count_quantile(job);
        else if (time_bounds) run_column(job, *time_bounds);
        else run_column(job, count_bounds);
    };

    const RowRange all{0, x.rows};
    // One long column (a Series): split its rows into chunks whose results do not
    // depend on the split (see moments_chunk_rows, BlockQuantile::run), so a 1-D call
    // uses every thread and gives the same numbers on any number of them.
    std::int64_t chunk = 0;
    if (x.cols == 1 && !spec.time_window) {
        const bool moments = spec.stat == Stat::sum || spec.stat == Stat::mean || spec.stat == Stat::var ||
                             spec.stat == Stat::std || spec.stat == Stat::zscore;
        if (moments) {
            chunk = moments_chunk_rows(spec, x.rows);
        } else if (sorted_blocks && SmallQuantile::fits(spec.window)) {
            chunk = kChunkRows;  // any split gives the result of one run
        } else if (sorted_blocks && BlockQuantile::fits(spec.window, x.rows)) {
            const std::int64_t h = BlockQuantile::block_rows(spec.window, x.rows);
            chunk = h * std::max<std::int64_t>(1, kChunkRows / h);
        } else if (spec.stat == Stat::rank && BlockRank::fits(spec.window, x.rows)) {
            const std::int64_t h = BlockQuantile::block_rows(spec.window, x.rows);  // BlockRank's blocks
            chunk = h * std::max<std::int64_t>(1, kChunkRows / h);
        }
    }
    if (chunk > 0 && x.rows > chunk) {
        // one contiguous run of chunks per thread: a kernel's set-up is paid once per thread
        const auto chunks = (x.rows + chunk - 1) / chunk;
        const std::int64_t groups = std::min<std::int64_t>(chunks, get_num_threads());
        parallel_ranges(static_cast<std::size_t>(groups), 1, token, [&](std::size_t g0, std::size_t g1) {
            for (std::size_t g = g0; g < g1; ++g) {
                const auto k = static_cast<std::int64_t>(g);
                const RowRange rows{chunks * k / groups * chunk,
                                    std::min(x.rows, chunks * (k + 1) / groups * chunk)};
                run_one(ColumnJob{spec, minp, x.column(0), x.rows, out, 0, token, rows});
            }
        });
        return;
    }
    if (x.row_stride == 1 && out.row_stride == out.k) {
        // columns are contiguous (1-D input, F-ordered arrays, DataFrame blocks)
        parallel_ranges(static_cast<std::size_t>(x.cols), 1, token, [&](std::size_t c0, std::size_t c1) {
            for (std::size_t c = c0; c < c1; ++c) {
                const auto col = static_cast<std::int64_t>(c);
                run_one(ColumnJob{spec, minp, x.column(col), x.rows, out, col, token, all});
            }
        });
        return;
    }
    // Strided columns (C-ordered 2-D input): a kernel reading one column would touch a
    // cache line per row for 8 bytes of it.  Gather a tile of adjacent columns in one
    // pass over the rows instead, run the kernels on the contiguous copies, and scatter
    // the results back the same way.  Scratch: tile * rows * (1 + k) doubles per task.
    const std::int64_t k = out.k;
    const std::int64_t tile = std::max<std::int64_t>(1, kTileValues / std::max<std::int64_t>(1, k));
    const auto tiles = static_cast<std::size_t>((x.cols + tile - 1) / tile);
    // one scratch pair per thread for the whole call: fresh pages cost ~11 us each here
    tbb::enumerable_thread_specific<std::pair<Buffer<double>, Buffer<double>>> scratch;
    const CancelCheck check(token);
    parallel_ranges(tiles, 1, token, [&](std::size_t t0, std::size_t t1) {
        auto& [in_buf, out_buf] = scratch.local();
        for (std::size_t t = t0; t < t1; ++t) {
            const std::int64_t c0 = static_cast<std::int64_t>(t) * tile;
            const std::int64_t width = std::min(tile, x.cols - c0), n = x.rows;
            in_buf.resize(static_cast<std::size_t>(width * n));
            out_buf.resize(static_cast<std::size_t>(width * n * k));
            // blocked transposes: a block of rows stays in L1 while each column is copied
            for (std::int64_t b = 0; b < n; b += kTileRows) {
                if (b % (64 * kTileRows) == 0) check();
                const std::int64_t e = std::min(n, b + kTileRows);
                for (std::int64_t c = 0; c < width; ++c) {
                    const ConstColumn src = x.column(c0 + c);
                    double* dst = in_buf.data() + c * n;
                    for (std::int64_t i = b; i < e; ++i) dst[i] = src[i];
                }
            }
            const OutTensor local{out_buf.data(), n, width, k, k, n * k, 1};
            const ConstMatrix gathered{in_buf.data(), n, width, 1, n};
            for (std::int64_t c = 0; c < width; ++c)
                run_one(ColumnJob{spec, minp, gathered.column(c), n, local, c, token, RowRange{0, n}});
            for (std::int64_t b = 0; b < n; b += kTileRows) {
                if (b % (64 * kTileRows) == 0) check();
                const std::int64_t e = std::min(n, b + kTileRows);
                for (std::int64_t c = 0; c < width; ++c)
                    for (std::int64_t j = 0; j < k; ++j) {
                        const double* src = out_buf.data() + c * n * k + j;
                        const Column dst = out.column(c0 + c, j);
                        for (std::int64_t i = b; i < e; ++i) dst[i] = src[i * k];
                    }
            }
        }
    });
}

}  // namespace threadx::rolling
