// Parameter sweeps of the built-in strategies: one row of stats per combination, the
// equity curves and trades on request (GIL released; progress readable meanwhile).
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "backtest_convert.hpp"
#include "pybind.hpp"
#include "threadx/backtest/sweep.hpp"

namespace threadx::bind {

namespace {

using namespace threadx::backtest;

const std::vector<std::string>& strategy_names() {
    static const std::vector<std::string> names = {"sma_cross",         "ema_cross",        "rsi_threshold",
                                                   "bbands_reversion", "donchian_breakout", "quantile_band"};
    return names;
}

Strategy strategy_of(const std::string& name) {
    const auto& names = strategy_names();
    for (std::size_t k = 0; k < names.size(); ++k)
        if (names[k] == name) return static_cast<Strategy>(k);
    FieldErrors e;
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "'" : ", '") + n + "'";
    e.add("strategy", repr(name), "must be one of " + all);
    e.throw_if_any();
    return Strategy::SmaCross;
}

// Progress of a running sweep, read from another Python thread while the core runs.
struct Progress {
    std::atomic<std::int64_t> done{0};
};

py::dict sweep_run(const py::array& open, const py::array& high, const py::array& low, const py::array& close,
                   const std::string& strategy, bool short_side, const py::array& combos, const py::dict& params,
                   double periods_per_year, double years, bool keep_equity, bool keep_trades, Progress* progress,
                   const CancelToken* cancel) {
    FieldErrors errors;
    const Strategy s = strategy_of(strategy);
    Bars bars = bars_of(open, high, low, close, errors);
    const std::int64_t n = bars.n;
    const auto np = static_cast<py::ssize_t>(strategy_params(s).size());
    c_array(combos, "combos", {-1, np}, errors);
    SweepSpec spec;
    spec.params = params_from(params, errors);
    errors.throw_if_any();
    validate(bars, errors);
    errors.throw_if_any();
    spec.strategy = s;
    spec.short_side = short_side;
    spec.combos = static_cast<const double*>(combos.data());
    spec.n_combos = combos.shape(0);
    spec.periods_per_year = periods_per_year;
    spec.years = years;
    const auto ns = static_cast<py::ssize_t>(sweep_stat_names().size());
    py::array_t<double> stats({static_cast<py::ssize_t>(spec.n_combos), ns});
    py::array_t<double> equity;
    std::vector<TradeRecord> trades;
    SweepOut out;
    out.stats = stats.mutable_data();
    if (keep_equity) {
        equity = py::array_t<double>({static_cast<py::ssize_t>(spec.n_combos), static_cast<py::ssize_t>(n)});
        out.equity = equity.mutable_data();
    }
    if (keep_trades) out.trades = &trades;
    if (progress) out.done = &progress->done;
    {
        py::gil_scoped_release release;
        sweep(bars, spec, out, cancel);
    }
    py::dict d;
    d["stats"] = stats;
    if (keep_equity) d["equity"] = equity;
    if (keep_trades) d["trades"] = trades_dict(trades);
    return d;
}

}  // namespace

void bind_sweep(py::module_& m) {
    py::class_<Progress>(m, "SweepProgress", "Combinations done so far by a running sweep.")
        .def(py::init<>())
        .def_property_readonly("done", [](const Progress& p) { return p.done.load(std::memory_order_relaxed); });
    m.def("strategies", []() {
        py::dict d;
        for (std::size_t k = 0; k < strategy_names().size(); ++k)
            d[py::str(strategy_names()[k])] = strategy_params(static_cast<Strategy>(k));
        return d;
    }, "Built-in sweep strategies and their parameter names.");
    m.def("sweep_stats", []() { return sweep_stat_names(); }, "Names of the stats a sweep row holds, in order.");
    m.def("sweep_validate", [](const std::string& strategy, const py::array& combos, std::int64_t n_bars) {
        FieldErrors errors;
        const Strategy s = strategy_of(strategy);
        const auto np = static_cast<py::ssize_t>(strategy_params(s).size());
        const double* c = c_array(combos, "combos", {-1, np}, errors);
        errors.throw_if_any();
        validate_combos(s, c, combos.shape(0), n_bars, errors);
        errors.throw_if_any();
    }, py::arg("strategy"), py::arg("combos"), py::arg("n_bars"), "Raise ValidationError for bad combinations.");
    m.def("sweep", &sweep_run, py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"),
          py::arg("strategy"), py::arg("short"), py::arg("combos"), py::arg("params"), py::arg("periods_per_year"),
          py::arg("years"), py::arg("keep_equity") = false, py::arg("keep_trades") = false, py::arg("progress") = nullptr,
          py::arg("cancel") = nullptr, "Sweep a built-in strategy over parameter combinations (GIL released).");
}

}  // namespace threadx::bind
