// Parameter sweeps of the built-in strategies: one row of stats per combination, the
// equity curves and trades on request (GIL released; progress readable meanwhile).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backtest_convert.hpp"
#include "pybind.hpp"
#include "threadx/backtest/sweep.hpp"
#include "threadx/research/overfit.hpp"

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

// A validated sweep: the strategy, its side, a copy of the combinations (the caller's
// array may change afterwards) and the parameters, which passed their rules for bars of
// at least n_bars.  Only sweep_validate makes one; sweep() runs it without re-checking.
struct SweepPlan {
    Strategy strategy = Strategy::SmaCross;
    bool short_side = false;
    std::vector<double> combos;
    std::int64_t n_params = 0;
    std::int64_t n_bars = 0;
    Params params;

    std::int64_t n_combos() const { return static_cast<std::int64_t>(combos.size()) / n_params; }
};

SweepPlan sweep_validate(const std::string& strategy, bool short_side, const py::array& combos, std::int64_t n_bars,
                         const py::dict& params) {
    FieldErrors errors;
    SweepPlan plan;
    plan.strategy = strategy_of(strategy);
    plan.short_side = short_side;
    plan.n_params = static_cast<std::int64_t>(strategy_params(plan.strategy).size());
    plan.n_bars = n_bars;
    plan.params = params_from(params, errors);
    const double* c = c_array(combos, "combos", {-1, static_cast<py::ssize_t>(plan.n_params)}, errors);
    if (c) plan.combos.assign(c, c + combos.shape(0) * plan.n_params);
    if (!c) validate(plan.params, errors);  // every bad parameter is still reported
    else {
        SweepSpec spec;
        spec.strategy = plan.strategy;
        spec.params = plan.params;
        spec.combos = plan.combos.data();
        spec.n_combos = plan.n_combos();
        validate(spec, n_bars, errors);
    }
    errors.throw_if_any();
    return plan;
}

// The bars a plan runs on: float64 columns of one length, at least the plan's n_bars.
Bars plan_bars(const SweepPlan& plan, const py::array& open, const py::array& high, const py::array& low,
               const py::array& close, FieldErrors& errors) {
    Bars bars = bars_of(open, high, low, close, errors);
    if (bars.open && bars.n < plan.n_bars)
        errors.add("close", repr(static_cast<long long>(bars.n)) + " bars",
                   "must hold at least the " + std::to_string(plan.n_bars) + " bars the plan was validated for");
    return bars;
}

SweepSpec spec_of(const SweepPlan& plan) {
    SweepSpec spec;
    spec.strategy = plan.strategy;
    spec.short_side = plan.short_side;
    spec.combos = plan.combos.data();
    spec.n_combos = plan.n_combos();
    spec.params = plan.params;
    return spec;
}

// The signals of the plan's combination `row` on these bars: a (4, n) bool array (entries,
// exits, short entries, short exits), as the sweep makes them.
py::array_t<bool> sweep_signals_run(const SweepPlan& plan, const py::array& open, const py::array& high,
                                    const py::array& low, const py::array& close, std::int64_t row,
                                    const CancelToken* cancel) {
    FieldErrors errors;
    const Bars bars = plan_bars(plan, open, high, low, close, errors);
    if (row < 0 || row >= plan.n_combos())
        errors.add("row", repr(static_cast<long long>(row)), "must index the plan's combinations");
    errors.throw_if_any();
    validate(bars, errors);
    errors.throw_if_any();
    py::array_t<bool> out({py::ssize_t{4}, static_cast<py::ssize_t>(bars.n)});
    auto* dst = reinterpret_cast<std::uint8_t*>(out.mutable_data());
    const SweepSpec spec = spec_of(plan);
    {
        py::gil_scoped_release release;
        sweep_signals(bars, spec, row, dst, cancel);
    }
    return out;
}

// The per-partition sums as three (S, N) float64 arrays.
py::dict partition_arrays(research::PartitionSums& ps, std::int64_t n_partitions, std::int64_t n_trials) {
    py::dict d;
    const std::pair<const char*, std::vector<double>*> cols[] = {
        {"count", &ps.count()}, {"sum", &ps.sum()}, {"sumsq", &ps.sumsq()}};
    for (const auto& [name, v] : cols) {
        py::array_t<double> a({static_cast<py::ssize_t>(n_partitions), static_cast<py::ssize_t>(n_trials)});
        std::copy(v->begin(), v->end(), a.mutable_data());
        d[name] = a;
    }
    d["n_rows"] = ps.n_rows();
    return d;
}

py::dict sweep_run(const SweepPlan& plan, const py::array& open, const py::array& high, const py::array& low,
                   const py::array& close, double periods_per_year, double years, const py::object& rows, bool keep_equity,
                   bool keep_trades, Progress* progress, const CancelToken* cancel, std::int64_t partitions) {
    FieldErrors errors;
    Bars bars = plan_bars(plan, open, high, low, close, errors);
    const std::int64_t n = bars.n;
    std::vector<double> picked;  // the plan's rows `rows` (indices checked: they address the plan's copy)
    if (!rows.is_none()) {
        const auto r = py::cast<CArray<std::int64_t>>(rows);
        const std::int64_t m = plan.n_combos();
        for (py::ssize_t k = 0; r.ndim() == 1 && k < r.shape(0); ++k) {
            const std::int64_t row = r.data()[k];
            if (row < 0 || row >= m) {
                errors.add("rows", repr(static_cast<long long>(row)), "must index the plan's combinations");
                break;
            }
            picked.insert(picked.end(), plan.combos.begin() + row * plan.n_params,
                          plan.combos.begin() + (row + 1) * plan.n_params);
        }
        if (r.ndim() != 1) errors.add("rows", "shape", "must be a 1-D array of row indices");
    }
    errors.throw_if_any();
    validate(bars, errors);
    errors.throw_if_any();
    SweepSpec spec = spec_of(plan);
    if (!rows.is_none()) {
        spec.combos = picked.data();
        spec.n_combos = static_cast<std::int64_t>(picked.size()) / plan.n_params;
    }
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
    std::unique_ptr<research::PartitionSums> sums;  // the constructor checks S, the rows and the trials
    if (partitions > 0) {
        sums = std::make_unique<research::PartitionSums>(n - 1, spec.n_combos, partitions);
        out.partitions = sums.get();
    }
    {
        py::gil_scoped_release release;
        sweep(bars, spec, out, cancel);
    }
    py::dict d;
    d["stats"] = stats;
    if (keep_equity) d["equity"] = equity;
    if (keep_trades) d["trades"] = trades_dict(trades);
    if (sums) d["partition_sums"] = partition_arrays(*sums, partitions, spec.n_combos);
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
    py::class_<SweepPlan>(m, "SweepPlan", "A validated sweep (made by sweep_validate() only).")
        .def_property_readonly("n_combos", &SweepPlan::n_combos)
        .def_property_readonly("n_bars", [](const SweepPlan& p) { return p.n_bars; })
        .def_property_readonly("params", [](const SweepPlan& p) { return params_dict(p.params); });
    m.def("sweep_validate", &sweep_validate, py::arg("strategy"), py::arg("short"), py::arg("combos"),
          py::arg("n_bars"), py::arg("params"),
          "A SweepPlan, or ValidationError listing every bad parameter and combination.");
    m.def("sweep", &sweep_run, py::arg("plan"), py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"),
          py::arg("periods_per_year"), py::arg("years"), py::arg("rows") = py::none(), py::arg("keep_equity") = false,
          py::arg("keep_trades") = false, py::arg("progress") = nullptr, py::arg("cancel") = nullptr,
          py::arg("partitions") = 0,
          "Run a SweepPlan on one set of bars (all its combinations, or its `rows`; GIL released); "
          "partitions > 0 also keeps each combination's per-bar returns as per-partition sums (PBO).");
    m.def("sweep_signals", &sweep_signals_run, py::arg("plan"), py::arg("open"), py::arg("high"), py::arg("low"),
          py::arg("close"), py::arg("row"), py::arg("cancel") = nullptr,
          "The (4, n) bool signals (entries, exits, short entries, short exits) of the plan's combination `row`.");
}

}  // namespace threadx::bind
