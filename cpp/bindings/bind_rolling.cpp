// Rolling statistics: validate -> convert -> release the GIL -> compute.
// Releasing the GIL is safe: the kernels see only raw pointers into arrays that the
// call's arguments keep alive, and nothing in the core touches a Python object.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>

#include "pybind.hpp"
#include "threadx/core/cancel.hpp"
#include "threadx/rolling/quantile.hpp"
#include "threadx/rolling/rank.hpp"
#include "threadx/rolling/rolling.hpp"

namespace threadx::bind {

namespace {

using rolling::Spec;

Spec make_spec(const std::string& stat, std::int64_t window, bool time_window,
               std::int64_t min_periods, std::vector<double> q, const std::string& interpolation,
               std::int64_t ddof, FieldErrors& errors, const std::string& method = "average",
               bool ascending = true, bool pct = false) {
    Spec spec;
    if (auto s = rolling::parse_stat(stat)) spec.stat = *s;
    else errors.add("stat", repr(stat), "must be one of " + rolling::join_names(rolling::stat_names()));
    if (auto i = rolling::parse_interpolation(interpolation)) spec.interpolation = *i;
    else errors.add("interpolation", repr(interpolation),
                    "must be one of " + rolling::join_names(rolling::interpolation_names()));
    if (auto m = rolling::parse_rank_method(method)) spec.rank_method = *m;
    else errors.add("method", repr(method), "must be one of " + rolling::join_names(rolling::rank_method_names()));
    spec.ascending = ascending;
    spec.pct = pct;
    spec.time_window = time_window;
    spec.window = window;
    spec.min_periods = min_periods;
    spec.q = std::move(q);
    spec.ddof = ddof;
    return spec;
}

// Byte range [lo, hi) an array may touch.
std::pair<const char*, const char*> extent(const py::array& a) {
    auto base = static_cast<const char*>(a.data());
    py::ssize_t lo = 0, hi = a.itemsize();
    for (py::ssize_t d = 0; d < a.ndim(); ++d) {
        if (a.shape(d) == 0) return {base, base};
        py::ssize_t span = (a.shape(d) - 1) * a.strides(d);
        (span < 0 ? lo : hi) += span;
    }
    return {base + lo, base + hi};
}

bool overlaps(const py::array& a, const py::array& b) {
    auto [alo, ahi] = extent(a);
    auto [blo, bhi] = extent(b);
    return alo < bhi && blo < ahi && alo != ahi && blo != bhi;
}

ConstMatrix matrix_of(const py::array& v) {
    ConstMatrix x;
    x.data = static_cast<const double*>(v.data());
    x.rows = v.shape(0);
    x.row_stride = v.strides(0) / 8;
    x.cols = v.ndim() == 2 ? v.shape(1) : 1;
    x.col_stride = v.ndim() == 2 ? v.strides(1) / 8 : 0;
    return x;
}

OutTensor tensor_of(py::array& o) {
    OutTensor t;
    t.data = static_cast<double*>(o.mutable_data());
    t.rows = o.shape(0);
    t.cols = o.shape(1);
    t.k = o.shape(2);
    t.row_stride = o.strides(0) / 8;
    t.col_stride = o.strides(1) / 8;
    t.k_stride = o.strides(2) / 8;
    return t;
}

// Number of timestamps (0 when absent or not 1-D: times_of reports that).
std::int64_t n_times_of(const std::optional<py::array>& times) {
    return times && times->ndim() == 1 ? times->shape(0) : 0;
}

const std::int64_t* times_of(const std::optional<py::array>& times, FieldErrors& errors) {
    if (!times) return nullptr;
    const py::array& t = *times;
    if (!t.dtype().is(py::dtype::of<std::int64_t>()) || t.ndim() != 1 ||
        (t.shape(0) > 1 && t.strides(0) != 8)) {
        errors.add("times", "dtype " + dtype_name(t) + ", ndim " + std::to_string(t.ndim()),
                   "must be a contiguous 1-D int64 array of nanoseconds");
        return nullptr;
    }
    const std::size_t before = errors.list().size();
    require_aligned(t, "times", errors);
    if (errors.list().size() != before) return nullptr;
    return static_cast<const std::int64_t*>(t.data());
}

// A validated rolling call: only rolling_validate makes one, so compute() trusts its
// spec and timestamps (kept alive here) and checks only the arrays it is handed.
struct Plan {
    Spec spec;
    std::int64_t n_rows = 0;
    std::optional<py::array> times;  // the int64 array whose length and order were checked
};

Plan rolling_validate(std::int64_t n_rows, const std::string& stat, std::int64_t window,
                      bool time_window, std::int64_t min_periods, std::vector<double> q,
                      const std::string& interpolation, std::int64_t ddof,
                      const std::optional<py::array>& times, const std::string& method, bool ascending,
                      bool pct) {
    FieldErrors errors;
    Spec spec = make_spec(stat, window, time_window, min_periods, std::move(q), interpolation,
                          ddof, errors, method, ascending, pct);
    const std::int64_t* t = times_of(times, errors);
    if (times && !t) {  // malformed times were reported; check the rest without them
        rolling::validate_spec(spec, errors);
    } else {
        rolling::validate(spec, n_rows, t, n_times_of(times), errors);
    }
    errors.throw_if_any();
    Plan plan{std::move(spec), n_rows, std::nullopt};
    if (plan.spec.time_window) plan.times = times;  // count windows never read them
    return plan;
}

// Only what memory safety needs, all O(1): dtypes, shapes against the plan, strides,
// out writeable and apart from values.  The plan's rules were checked by validate.
void rolling_compute(const Plan& plan, const py::array& values, py::array out,
                     const CancelToken* token) {
    FieldErrors errors;
    require_float64(values, "values", errors);
    if (values.ndim() != 1 && values.ndim() != 2)
        errors.add("values", "ndim " + std::to_string(values.ndim()), "must be 1-D or 2-D");
    else if (values.shape(0) != plan.n_rows)
        errors.add("values", "length " + std::to_string(values.shape(0)),
                   "must have the " + std::to_string(plan.n_rows) + " rows the plan was validated for");
    require_float64(out, "out", errors);
    if (out.ndim() != 3) errors.add("out", "ndim " + std::to_string(out.ndim()), "must be 3-D");
    else if (!out.writeable()) errors.add("out", "read-only", "must be writeable");
    else if (overlaps(values, out)) errors.add("out", "overlaps values", "must not share memory with the input");
    errors.throw_if_any();

    const std::int64_t* t = plan.times ? static_cast<const std::int64_t*>(plan.times->data()) : nullptr;
    ConstMatrix x = matrix_of(values);
    OutTensor o = tensor_of(out);
    py::gil_scoped_release release;
    rolling::run_validated(plan.spec, x, t, o, token);
}

// A streaming statistic (RollingQuantile, RollingRank) plus a mutex: update_many runs
// without the GIL, so every access from Python goes through the mutex.  A caller that
// finds it taken waits with the GIL released (the holder may need the GIL to finish).
template <class Impl>
struct Streaming {
    Streaming(const Spec& spec, std::int64_t max_points)  // spec checked by its make_ function
        : impl(spec, max_points, typename Impl::Validated{}) {}
    Impl impl;
    std::mutex mutex;

    std::unique_lock<std::mutex> lock() {
        std::unique_lock<std::mutex> held(mutex, std::try_to_lock);
        if (!held.owns_lock()) {
            py::gil_scoped_release release;
            held.lock();
        }
        return held;
    }
};

using StreamingQuantile = Streaming<rolling::RollingQuantile>;
using StreamingRank = Streaming<rolling::RollingRank>;

std::unique_ptr<StreamingQuantile> make_streaming(const std::string& stat, std::int64_t window,
                                                  bool time_window, std::int64_t min_periods,
                                                  std::vector<double> q,
                                                  const std::string& interpolation,
                                                  std::int64_t max_points) {
    FieldErrors errors;
    Spec spec = make_spec(stat, window, time_window, min_periods, std::move(q), interpolation, 1,
                          errors);
    if (!rolling::parse_stat(stat)) spec.stat = rolling::Stat::quantile;  // reported; check the rest
    rolling::RollingQuantile::validate(spec, errors);
    if (max_points < 0)
        errors.add("max_points", repr(static_cast<long long>(max_points)), "must be >= 1 or None");
    errors.throw_if_any();
    return std::make_unique<StreamingQuantile>(spec, max_points);
}

std::unique_ptr<StreamingRank> make_streaming_rank(std::int64_t window, bool time_window,
                                                   std::int64_t min_periods, const std::string& method,
                                                   bool ascending, bool pct, std::int64_t max_points) {
    FieldErrors errors;
    Spec spec = make_spec("rank", window, time_window, min_periods, {}, "linear", 1, errors, method,
                          ascending, pct);
    rolling::RollingRank::validate(spec, errors);
    if (max_points < 0)
        errors.add("max_points", repr(static_cast<long long>(max_points)), "must be >= 1 or None");
    errors.throw_if_any();
    return std::make_unique<StreamingRank>(spec, max_points);
}

template <class Impl>
py::array_t<double> streaming_update_many(Streaming<Impl>& s, const py::array& values,
                                          const std::optional<py::array>& times) {
    FieldErrors errors;
    require_float64(values, "values", errors);
    if (values.ndim() != 1) errors.add("values", "ndim " + std::to_string(values.ndim()), "must be 1-D");
    const std::int64_t* t = times_of(times, errors);
    if (t && n_times_of(times) != (values.ndim() == 1 ? values.shape(0) : 0))
        errors.add("times", "length " + std::to_string(n_times_of(times)), "must match values");
    errors.throw_if_any();
    const std::int64_t n = values.shape(0);
    const auto k = static_cast<py::ssize_t>(s.impl.levels());
    py::array_t<double> out({static_cast<py::ssize_t>(n), k});
    const ConstColumn x{static_cast<const double*>(values.data()), values.strides(0) / 8};
    double* o = out.mutable_data();
    {
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(s.mutex);
        s.impl.check_times(t, n);
        for (std::int64_t i = 0; i < n; ++i) s.impl.update(x[i], t ? t + i : nullptr, o + i * k);
    }
    return out;
}

template <class Impl>
py::object streaming_update(Streaming<Impl>& s, double value, std::optional<std::int64_t> time) {
    auto lock = s.lock();
    const auto k = static_cast<py::ssize_t>(s.impl.levels());
    if (k == 1) {
        double r;
        s.impl.update(value, time ? &*time : nullptr, &r);
        return py::float_(r);
    }
    py::array_t<double> out(k);
    s.impl.update(value, time ? &*time : nullptr, out.mutable_data());
    return out;
}

// The methods every streaming statistic has.
template <class Impl>
void bind_stream(py::class_<Streaming<Impl>>& cls) {
    using S = Streaming<Impl>;
    cls.def("update", &streaming_update<Impl>, py::arg("value"), py::arg("time") = py::none())
        .def("update_many", &streaming_update_many<Impl>, py::arg("values"), py::arg("times") = py::none())
        .def("reset", [](S& s) {
            auto lock = s.lock();
            s.impl.reset();
        })
        .def_property_readonly("nobs", [](S& s) {
            auto lock = s.lock();
            return s.impl.nobs();
        })
        .def_property_readonly("stored", [](S& s) {
            auto lock = s.lock();
            return s.impl.stored();
        })
        .def_property_readonly("levels", [](S& s) { return s.impl.levels(); });
}

}  // namespace

void bind_rolling(py::module_& m) {
    m.def("stats", &rolling::stat_names, "The rolling statistics the core computes, in table order.");
    m.def("interpolations", &rolling::interpolation_names,
          "The quantile interpolations the core knows, in table order.");
    m.def("rank_methods", &rolling::rank_method_names, "The tie methods rank knows, in table order.");
    py::class_<Plan>(m, "Plan", "A validated rolling call; made only by validate().")
        .def_property_readonly("stat", [](const Plan& p) { return rolling::name_of(p.spec.stat); })
        .def_property_readonly("n_rows", [](const Plan& p) { return p.n_rows; })
        .def_property_readonly("k", [](const Plan& p) { return p.spec.outputs_per_column(); })
        .def_property_readonly("time_window", [](const Plan& p) { return p.spec.time_window; });
    m.def("validate", &rolling_validate, py::arg("n_rows"), py::arg("stat"),
          py::arg("window"), py::arg("time_window") = false, py::arg("min_periods") = -1,
          py::arg("q") = std::vector<double>{}, py::arg("interpolation") = "linear",
          py::arg("ddof") = 1, py::arg("times") = py::none(), py::arg("method") = "average",
          py::arg("ascending") = true, py::arg("pct") = false,
          "Check every field of a rolling request (raising ValidationError listing every invalid "
          "one) and return the Plan that compute() runs.");
    m.def("compute", &rolling_compute, py::arg("plan"), py::arg("values"), py::arg("out"),
          py::arg("token") = nullptr,
          "Fill out[i, c, j] with the planned statistic of values[:, c] (level j).");
    m.def("_rule_counts", [] {
        const auto c = rolling::rule_counts();
        return py::make_tuple(c.spec, c.times_order);
    }, "(spec checks, timestamp-order scans) run so far in this process (for tests).");

    bind_stream(py::class_<StreamingQuantile>(m, "Stream", "A rolling statistic updated one value at a time.")
        .def(py::init(&make_streaming), py::arg("stat"), py::arg("window"),
             py::arg("time_window") = false, py::arg("min_periods") = -1,
             py::arg("q") = std::vector<double>{}, py::arg("interpolation") = "linear",
             py::arg("max_points") = 0));
    bind_stream(py::class_<StreamingRank>(m, "RankStream", "A rolling rank updated one value at a time.")
        .def(py::init(&make_streaming_rank), py::arg("window"), py::arg("time_window") = false,
             py::arg("min_periods") = -1, py::arg("method") = "average", py::arg("ascending") = true,
             py::arg("pct") = false, py::arg("max_points") = 0));
}

}  // namespace threadx::bind
