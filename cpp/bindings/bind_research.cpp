// Overfitting statistics (threadx/research/overfit.hpp): PSR, DSR, MinTRL, partition sums, PBO.
// Conversion only: the core validates; the GIL is released around the long kernels.
#include <cstdint>
#include <span>
#include <vector>

#include "backtest_convert.hpp"
#include "pybind.hpp"
#include "threadx/core/cancel.hpp"
#include "threadx/research/overfit.hpp"

namespace threadx::bind {

namespace {

namespace rs = threadx::research;

rs::SharpeInputs inputs(double sharpe, double n_obs, double skew, double kurtosis) {
    return {sharpe, n_obs, skew, kurtosis};
}

py::dict moments(const py::array& returns) {
    FieldErrors errors;
    const double* p = c_array(returns, "returns", {-1}, errors);
    errors.throw_if_any();
    const std::span<const double> x(p, static_cast<std::size_t>(returns.shape(0)));
    rs::SharpeInputs m;
    {
        py::gil_scoped_release release;
        m = rs::sharpe_moments(x);
    }
    py::dict d;
    d["sharpe"] = m.sharpe;
    d["n_obs"] = m.n_obs;
    d["skew"] = m.skew;
    d["kurtosis"] = m.kurtosis;
    return d;
}

template <class T>
py::array_t<T> to_array(const std::vector<T>& v, py::ssize_t rows, py::ssize_t cols) {
    py::array_t<T> out({rows, cols});
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
    return to_array(v, static_cast<py::ssize_t>(v.size()), 1).reshape({static_cast<py::ssize_t>(v.size())});
}

py::tuple partition_sums(const py::array& returns, std::int64_t n_partitions, const CancelToken* cancel) {
    FieldErrors errors;
    const double* p = c_array(returns, "returns", {-1, -1}, errors);
    errors.throw_if_any();
    const std::int64_t rows = returns.shape(0), trials = returns.shape(1);
    std::vector<double> c, s, q;
    {
        // `returns` is held by this call; nothing below touches Python
        py::gil_scoped_release release;
        rs::PartitionSums sums = rs::partition_sums(p, rows, trials, n_partitions, cancel);
        c = std::move(sums.count()), s = std::move(sums.sum()), q = std::move(sums.sumsq());
    }
    return py::make_tuple(to_array(c, n_partitions, trials), to_array(s, n_partitions, trials),
                          to_array(q, n_partitions, trials));
}

rs::PartitionSumsView view_of(const py::array& count, const py::array& sum, const py::array& sumsq) {
    FieldErrors errors;
    const double* c = c_array(count, "count", {-1, -1}, errors);
    const double* s = c_array(sum, "sum", {-1, -1}, errors);
    const double* q = c_array(sumsq, "sumsq", {-1, -1}, errors);
    if (c && s && q && (sum.shape(0) != count.shape(0) || sum.shape(1) != count.shape(1) ||
                        sumsq.shape(0) != count.shape(0) || sumsq.shape(1) != count.shape(1)))
        errors.add("sum", "shape", "count, sum and sumsq must have one shape (n_partitions, n_trials)");
    errors.throw_if_any();
    const auto size = static_cast<std::size_t>(count.size());
    return {count.shape(0), count.shape(1), {c, size}, {s, size}, {q, size}};
}

py::dict pbo(const py::array& count, const py::array& sum, const py::array& sumsq, int metric,
             const CancelToken* cancel) {
    const rs::PartitionSumsView v = view_of(count, sum, sumsq);
    rs::PboResult r;
    {
        py::gil_scoped_release release;
        r = rs::pbo(v, static_cast<rs::Metric>(metric), cancel);
    }
    py::dict d;
    d["pbo"] = r.pbo;
    d["n_combinations"] = r.n_combinations;
    d["n_valid"] = r.n_valid;
    d["logit"] = to_array(r.logit);
    d["is_metric"] = to_array(r.is_metric);
    d["oos_metric"] = to_array(r.oos_metric);
    d["oos_rank"] = to_array(r.oos_rank);
    d["best"] = to_array(r.best);
    return d;
}

py::array_t<double> trial_metrics(const py::array& count, const py::array& sum, const py::array& sumsq,
                                  int metric) {
    const rs::PartitionSumsView v = view_of(count, sum, sumsq);
    FieldErrors errors;
    rs::validate(v, static_cast<rs::Metric>(metric), errors);
    errors.throw_if_any();
    return to_array(rs::trial_metrics(v, static_cast<rs::Metric>(metric)));
}

}  // namespace

void bind_research(py::module_& m) {
    m.def("sharpe_moments", &moments, py::arg("returns"),
          "{'sharpe', 'n_obs', 'skew', 'kurtosis'} of a 1-D float64 return series (NaN skipped).");
    m.def("probabilistic_sharpe",
          [](double sharpe, double n_obs, double skew, double kurtosis, double sr_benchmark) {
              return rs::probabilistic_sharpe(inputs(sharpe, n_obs, skew, kurtosis), sr_benchmark);
          },
          py::arg("sharpe"), py::arg("n_obs"), py::arg("skew"), py::arg("kurtosis"), py::arg("sr_benchmark"),
          "PSR (Bailey & Lopez de Prado 2012).");
    m.def("expected_max_sharpe", &rs::expected_max_sharpe, py::arg("n_trials"), py::arg("trials_variance"),
          "SR* of the deflated Sharpe ratio.");
    m.def("deflated_sharpe",
          [](double sharpe, double n_obs, double skew, double kurtosis, double n_trials, double trials_variance) {
              return rs::deflated_sharpe(inputs(sharpe, n_obs, skew, kurtosis), n_trials, trials_variance);
          },
          py::arg("sharpe"), py::arg("n_obs"), py::arg("skew"), py::arg("kurtosis"), py::arg("n_trials"),
          py::arg("trials_variance"), "DSR (Bailey & Lopez de Prado 2014).");
    m.def("min_track_record_length",
          [](double sharpe, double skew, double kurtosis, double sr_benchmark, double alpha) {
              return rs::min_track_record_length(inputs(sharpe, 2, skew, kurtosis), sr_benchmark, alpha);
          },
          py::arg("sharpe"), py::arg("skew"), py::arg("kurtosis"), py::arg("sr_benchmark"), py::arg("alpha"),
          "MinTRL in periods (+inf when sharpe <= sr_benchmark).");
    m.def("norm_ppf", &rs::norm_ppf, py::arg("p"), "Inverse standard normal CDF.");
    m.def("partition_sums", &partition_sums, py::arg("returns"), py::arg("n_partitions"),
          py::arg("cancel") = nullptr,
          "(count, sum, sumsq), each (n_partitions, n_trials), of a C-contiguous float64 (T, N) matrix.");
    m.def("trial_metrics", &trial_metrics, py::arg("count"), py::arg("sum"), py::arg("sumsq"),
          py::arg("metric") = 0, "The full-sample metric of every trial (metric 0: Sharpe, 1: mean).");
    m.def("pbo", &pbo, py::arg("count"), py::arg("sum"), py::arg("sumsq"), py::arg("metric") = 0,
          py::arg("cancel") = nullptr,
          "PBO by CSCV from partition sums: {'pbo', 'n_combinations', 'n_valid', 'logit', 'is_metric', "
          "'oos_metric', 'oos_rank', 'best'} (metric 0: Sharpe, 1: mean).");
}

}  // namespace threadx::bind
