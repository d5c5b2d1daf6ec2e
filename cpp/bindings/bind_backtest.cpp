// Backtests: parameters from a dict, bars and (n, sims) signal/level arrays in, the
// equity/cash/position matrices and the order and trade records out (GIL released).
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "pybind.hpp"
#include "threadx/bt/engine.hpp"
#include "threadx/bt/portfolio.hpp"
#include "threadx/bt/sweep.hpp"

namespace threadx::bind {

namespace {

using namespace threadx::bt;

template <class E>
E choice(const py::dict& d, const char* key, std::initializer_list<const char*> names, FieldErrors& errors) {
    if (!d.contains(key)) return E{};
    const std::string v = py::str(d[key]);
    int k = 0;
    std::string all;
    for (const char* n : names) {
        if (v == n) return static_cast<E>(k);
        all += (k ? ", " : "") + std::string("'") + n + "'";
        ++k;
    }
    errors.add(key, repr(v), "must be one of " + all);
    return E{};
}

double number(const py::dict& d, const char* key, double def) {
    if (!d.contains(key) || d[key].is_none()) return def;
    return py::cast<double>(d[key]);
}

Params params_from(const py::dict& d, FieldErrors& errors) {
    Params p;
    p.init_cash = number(d, "init_cash", p.init_cash);
    p.fees = number(d, "fees", p.fees);
    p.fixed_fees = number(d, "fixed_fees", p.fixed_fees);
    p.slippage = number(d, "slippage", p.slippage);
    p.size = number(d, "size", p.size);
    p.size_type = choice<SizeType>(d, "size_type", {"percent", "value", "units", "target_percent"}, errors);
    p.fractional = d.contains("fractional") && py::cast<bool>(d["fractional"]);
    p.leverage = number(d, "leverage", p.leverage);
    p.execution = choice<Execution>(d, "execution", {"open", "close"}, errors);
    p.order_type = choice<OrderType>(d, "order_type", {"market", "limit", "stop", "stop_limit"}, errors);
    p.expiry_bars = static_cast<std::int64_t>(number(d, "expiry_bars", 0));
    p.expiry_ns = static_cast<std::int64_t>(number(d, "expiry_ns", 0));
    p.sl_stop = number(d, "sl_stop", kNaN);
    p.tp_stop = number(d, "tp_stop", kNaN);
    p.tsl_stop = number(d, "tsl_stop", kNaN);
    p.tsl_offset = number(d, "tsl_offset", kNaN);
    p.intrabar = choice<Intrabar>(d, "intrabar", {"backtesting", "nearest", "ohlc", "olhc"}, errors);
    p.close_at_end = !d.contains("close_at_end") || py::cast<bool>(d["close_at_end"]);
    validate(p, errors);
    return p;
}

// A (n, sims) array view of `a` (uint8 for signals, float64 for levels), any strides.
template <class T>
struct View {
    const T* data = nullptr;
    std::int64_t rs = 0, cs = 0;  // element strides
};

template <class T>
View<T> view_of(const py::object& obj, const char* field, std::int64_t n, std::int64_t sims, FieldErrors& errors) {
    if (obj.is_none()) return {};
    const py::array a = py::cast<py::array>(obj);
    const bool dtype_ok = a.dtype().is(py::dtype::of<T>());
    if (!dtype_ok || a.ndim() != 2 || a.shape(0) != n || a.shape(1) != sims ||
        a.strides(0) % static_cast<py::ssize_t>(sizeof(T)) || a.strides(1) % static_cast<py::ssize_t>(sizeof(T))) {
        errors.add(field, dtype_name(a) + " " + std::to_string(a.ndim()) + "-D",
                   "must be a (" + std::to_string(n) + ", " + std::to_string(sims) + ") " +
                       (sizeof(T) == 1 ? "uint8" : "float64") + " array");
        return {};
    }
    return {static_cast<const T*>(a.data()), a.strides(0) / static_cast<py::ssize_t>(sizeof(T)),
            a.strides(1) / static_cast<py::ssize_t>(sizeof(T))};
}

// A C-contiguous float64 array of the given shape (-1: any length on that axis).
const double* c_array(const py::array& a, const char* field, std::initializer_list<py::ssize_t> shape,
                      FieldErrors& errors) {
    require_float64(a, field, errors);
    bool ok = a.ndim() == static_cast<py::ssize_t>(shape.size()) && (a.flags() & py::array::c_style);
    std::string want;
    py::ssize_t axis = 0;
    for (py::ssize_t len : shape) {
        want += (axis ? ", " : "") + (len < 0 ? std::string("any") : std::to_string(len));
        ok = ok && (len < 0 || a.shape(axis) == len);
        ++axis;
    }
    if (!ok) {
        errors.add(field, "shape", "must be a C-contiguous float64 array of shape (" + want + ")");
        return nullptr;
    }
    return static_cast<const double*>(a.data());
}

// The four OHLC columns as the engine reads them (times unset).
Bars bars_of(const py::array& open, const py::array& high, const py::array& low, const py::array& close,
             FieldErrors& errors) {
    Bars bars;
    bars.n = open.ndim() == 1 ? open.shape(0) : 0;
    bars.open = c_array(open, "open", {bars.n}, errors);
    bars.high = c_array(high, "high", {bars.n}, errors);
    bars.low = c_array(low, "low", {bars.n}, errors);
    bars.close = c_array(close, "close", {bars.n}, errors);
    return bars;
}

template <class Rec, class F>
py::array_t<F> column_of(const std::vector<Rec>& recs, F (*get)(const Rec&)) {
    py::array_t<F> out(static_cast<py::ssize_t>(recs.size()));
    F* p = out.mutable_data();
    for (std::size_t k = 0; k < recs.size(); ++k) p[k] = get(recs[k]);
    return out;
}

py::dict orders_dict(const std::vector<OrderRecord>& r) {
    py::dict d;
    d["sim"] = column_of<OrderRecord, std::int64_t>(r, [](const OrderRecord& x) { return x.sim; });
    d["kind"] = column_of<OrderRecord, std::int8_t>(r, [](const OrderRecord& x) { return static_cast<std::int8_t>(x.kind); });
    d["side"] = column_of<OrderRecord, std::int8_t>(r, [](const OrderRecord& x) { return x.side; });
    d["status"] = column_of<OrderRecord, std::int8_t>(r, [](const OrderRecord& x) { return static_cast<std::int8_t>(x.status); });
    d["reason"] = column_of<OrderRecord, std::int8_t>(r, [](const OrderRecord& x) { return static_cast<std::int8_t>(x.reason); });
    d["size"] = column_of<OrderRecord, double>(r, [](const OrderRecord& x) { return x.size; });
    d["placed_bar"] = column_of<OrderRecord, std::int64_t>(r, [](const OrderRecord& x) { return x.placed_bar; });
    d["fill_bar"] = column_of<OrderRecord, std::int64_t>(r, [](const OrderRecord& x) { return x.fill_bar; });
    d["fill_price"] = column_of<OrderRecord, double>(r, [](const OrderRecord& x) { return x.fill_price; });
    d["fees"] = column_of<OrderRecord, double>(r, [](const OrderRecord& x) { return x.fees; });
    return d;
}

py::dict trades_dict(const std::vector<TradeRecord>& r) {
    py::dict d;
    d["sim"] = column_of<TradeRecord, std::int64_t>(r, [](const TradeRecord& x) { return x.sim; });
    d["side"] = column_of<TradeRecord, std::int8_t>(r, [](const TradeRecord& x) { return x.side; });
    d["size"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.size; });
    d["entry_bar"] = column_of<TradeRecord, std::int64_t>(r, [](const TradeRecord& x) { return x.entry_bar; });
    d["entry_price"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.entry_price; });
    d["exit_bar"] = column_of<TradeRecord, std::int64_t>(r, [](const TradeRecord& x) { return x.exit_bar; });
    d["exit_price"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.exit_price; });
    d["fees"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.fees; });
    d["pnl"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.pnl; });
    d["return"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.ret; });
    d["exit_reason"] = column_of<TradeRecord, std::int8_t>(r, [](const TradeRecord& x) { return static_cast<std::int8_t>(x.exit_reason); });
    return d;
}

template <class Rec>
std::vector<Rec> concat(std::vector<SimOut>& outs, std::vector<Rec> SimOut::*member) {
    std::size_t total = 0;
    for (auto& o : outs) total += (o.*member).size();
    std::vector<Rec> all;
    all.reserve(total);
    for (auto& o : outs) {
        all.insert(all.end(), (o.*member).begin(), (o.*member).end());
        std::vector<Rec>().swap(o.*member);
    }
    return all;
}

py::dict run(const py::array& open, const py::array& high, const py::array& low, const py::array& close,
             const py::object& times, std::int64_t sims, const py::tuple& signals, const py::tuple& levels,
             const py::dict& params, const CancelToken* cancel) {
    FieldErrors errors;
    Bars bars = bars_of(open, high, low, close, errors);
    const std::int64_t n = bars.n;
    py::array_t<std::int64_t> t;
    if (!times.is_none()) {
        t = py::cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>(times);
        if (t.ndim() != 1 || t.shape(0) != n) errors.add("times", "shape", "must be one int64 per bar");
        else bars.times = t.data();
    }
    if (sims < 1) errors.add("sims", repr(static_cast<long long>(sims)), "must be >= 1");
    const Params p = params_from(params, errors);
    if (p.expiry_ns > 0 && times.is_none()) errors.add("expiry", "timedelta", "needs a DatetimeIndex on the data");
    static const char* sig_names[4] = {"entries", "exits", "short_entries", "short_exits"};
    static const char* lvl_names[4] = {"limit_price", "stop_price", "sl_price", "tp_price"};
    View<std::uint8_t> sv[4];
    View<double> lv[4];
    if (signals.size() != 4 || levels.size() != 4) throw std::invalid_argument("signals and levels take 4 arrays each");
    for (int k = 0; k < 4; ++k) sv[k] = view_of<std::uint8_t>(signals[k], sig_names[k], n, sims, errors);
    for (int k = 0; k < 4; ++k) lv[k] = view_of<double>(levels[k], lvl_names[k], n, sims, errors);
    errors.throw_if_any();
    if (bars.open) validate(bars, errors);
    errors.throw_if_any();

    // (sims, n) C-order: each simulation writes its own contiguous rows
    py::array_t<double> equity({sims, n}), cash({sims, n}), position({sims, n});
    std::vector<SimInputs> ins(static_cast<std::size_t>(sims));
    std::vector<SimOut> outs(static_cast<std::size_t>(sims));
    for (std::int64_t c = 0; c < sims; ++c) {
        SimInputs& in = ins[static_cast<std::size_t>(c)];
        Signal* sp[4] = {&in.entries, &in.exits, &in.short_entries, &in.short_exits};
        Level* lp[4] = {&in.limit_price, &in.stop_price, &in.sl_price, &in.tp_price};
        for (int k = 0; k < 4; ++k) {
            if (sv[k].data) *sp[k] = {sv[k].data + c * sv[k].cs, sv[k].rs};
            if (lv[k].data) *lp[k] = {lv[k].data + c * lv[k].cs, lv[k].rs};
        }
        SimOut& o = outs[static_cast<std::size_t>(c)];
        o.equity = {equity.mutable_data() + c * n, 1};
        o.cash = {cash.mutable_data() + c * n, 1};
        o.position = {position.mutable_data() + c * n, 1};
    }
    {
        py::gil_scoped_release release;
        simulate_many(bars, ins, p, outs, cancel);
    }
    const auto orders = concat(outs, &SimOut::orders);
    const auto trades = concat(outs, &SimOut::trades);
    py::dict out;
    out["equity"] = equity;
    out["cash"] = cash;
    out["position"] = position;
    out["orders"] = orders_dict(orders);
    out["trades"] = trades_dict(trades);
    return out;
}

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
                   double periods_per_year, bool keep_equity, bool keep_trades, Progress* progress,
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
    d["stat_names"] = sweep_stat_names();
    if (keep_equity) d["equity"] = equity;
    if (keep_trades) d["trades"] = trades_dict(trades);
    return d;
}

Panel panel_of(const py::array& open, const py::array& high, const py::array& low, const py::array& close,
               FieldErrors& errors) {
    Panel pn;
    pn.n = close.ndim() == 2 ? close.shape(0) : 0;
    pn.k = close.ndim() == 2 ? close.shape(1) : 0;
    pn.open = c_array(open, "open", {pn.n, pn.k}, errors);
    pn.high = c_array(high, "high", {pn.n, pn.k}, errors);
    pn.low = c_array(low, "low", {pn.n, pn.k}, errors);
    pn.close = c_array(close, "close", {pn.n, pn.k}, errors);
    return pn;
}

py::dict rebalance_run(const py::array& open, const py::array& high, const py::array& low, const py::array& close,
                       const py::array& weights, const py::dict& params, const CancelToken* cancel) {
    FieldErrors errors;
    const Panel pn = panel_of(open, high, low, close, errors);
    const double* w = c_array(weights, "weights", {pn.n, pn.k}, errors);
    PortfolioParams p;
    p.init_cash = number(params, "init_cash", p.init_cash);
    p.fees = number(params, "fees", p.fees);
    p.fixed_fees = number(params, "fixed_fees", p.fixed_fees);
    p.slippage = number(params, "slippage", p.slippage);
    p.leverage = number(params, "leverage", p.leverage);
    p.fractional = params.contains("fractional") && py::cast<bool>(params["fractional"]);
    p.execution = choice<Execution>(params, "execution", {"open", "close"}, errors);
    validate(p, errors);
    errors.throw_if_any();
    for (std::int64_t j = 0; j < pn.k; ++j) {  // each asset's bars obey the OHLC rules
        std::vector<double> col[4];
        const double* f[4] = {pn.open, pn.high, pn.low, pn.close};
        for (int c = 0; c < 4; ++c) {
            col[c].resize(static_cast<std::size_t>(pn.n));
            for (std::int64_t i = 0; i < pn.n; ++i) col[c][i] = f[c][i * pn.k + j];
        }
        Bars b{col[0].data(), col[1].data(), col[2].data(), col[3].data(), nullptr, pn.n};
        FieldErrors one;
        validate(b, one);
        for (const auto& fe : one.list()) errors.add("data", "asset " + std::to_string(j) + ", " + fe.value, fe.message);
    }
    errors.throw_if_any();
    py::array_t<double> equity(pn.n), cash(pn.n), positions({pn.n, pn.k});
    PortfolioOut out;
    out.equity = equity.mutable_data();
    out.cash = cash.mutable_data();
    out.positions = positions.mutable_data();
    {
        py::gil_scoped_release release;
        rebalance(pn, w, p, out, cancel);
    }
    py::dict d;
    d["equity"] = equity;
    d["cash"] = cash;
    d["positions"] = positions;
    d["orders"] = orders_dict(out.orders);
    return d;
}

py::array_t<double> weights_run(const py::array& close, const std::string& rule, std::int64_t window,
                                std::int64_t every, double ridge, const CancelToken* cancel) {
    FieldErrors errors;
    const std::int64_t n = close.ndim() == 2 ? close.shape(0) : 0, k = close.ndim() == 2 ? close.shape(1) : 0;
    Panel pn;
    pn.n = n;
    pn.k = k;
    pn.close = c_array(close, "close", {n, k}, errors);
    static const char* rules[] = {"equal", "inverse_vol", "min_variance", "min_variance_long"};
    int r = -1;
    for (int c = 0; c < 4; ++c)
        if (rule == rules[c]) r = c;
    if (r < 0)
        errors.add("weights", repr(rule), "must be a weight array or one of 'equal', 'inverse_vol', 'min_variance', "
                                          "'min_variance_long'");
    if (!(window >= 2 && window < n)) errors.add("window", repr(static_cast<long long>(window)), "must be in [2, bars)");
    if (!(every >= 1)) errors.add("every", repr(static_cast<long long>(every)), "must be >= 1 bar");
    if (!(std::isfinite(ridge) && ridge >= 0)) errors.add("ridge", repr(ridge), "must be a finite number >= 0");
    errors.throw_if_any();
    py::array_t<double> w({n, k});
    double* out = w.mutable_data();
    {
        py::gil_scoped_release release;
        weight_rule(pn, static_cast<WeightRule>(r), window, every, ridge, out, cancel);
    }
    return w;
}

}  // namespace

void bind_backtest(py::module_& m) {
    m.def("bt_rebalance", &rebalance_run, py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"),
          py::arg("weights"), py::arg("params"), py::arg("cancel") = nullptr,
          "Rebalance k assets sharing one cash account to target weights (GIL released).");
    m.def("bt_weights", &weights_run, py::arg("close"), py::arg("rule"), py::arg("window"), py::arg("every"),
          py::arg("ridge"), py::arg("cancel") = nullptr, "Target weights of a built-in rule on rolling windows.");
    py::class_<Progress>(m, "SweepProgress", "Combinations done so far by a running sweep.")
        .def(py::init<>())
        .def_property_readonly("done", [](const Progress& p) { return p.done.load(std::memory_order_relaxed); });
    m.def("bt_strategies", []() {
        py::dict d;
        for (std::size_t k = 0; k < strategy_names().size(); ++k)
            d[py::str(strategy_names()[k])] = strategy_params(static_cast<Strategy>(k));
        return d;
    }, "Built-in sweep strategies and their parameter names.");
    m.def("bt_sweep_stats", []() { return sweep_stat_names(); }, "Names of the stats a sweep row holds, in order.");
    m.def("bt_sweep_validate", [](const std::string& strategy, const py::array& combos, std::int64_t n_bars) {
        FieldErrors errors;
        const Strategy s = strategy_of(strategy);
        const auto np = static_cast<py::ssize_t>(strategy_params(s).size());
        const double* c = c_array(combos, "combos", {-1, np}, errors);
        errors.throw_if_any();
        validate_combos(s, c, combos.shape(0), n_bars, errors);
        errors.throw_if_any();
    }, py::arg("strategy"), py::arg("combos"), py::arg("n_bars"), "Raise ValidationError for bad combinations.");
    m.def("bt_sweep", &sweep_run, py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"),
          py::arg("strategy"), py::arg("short"), py::arg("combos"), py::arg("params"), py::arg("periods_per_year"),
          py::arg("keep_equity") = false, py::arg("keep_trades") = false, py::arg("progress") = nullptr,
          py::arg("cancel") = nullptr, "Sweep a built-in strategy over parameter combinations (GIL released).");
    m.def("bt_validate", [](const py::dict& params) {
        FieldErrors errors;
        params_from(params, errors);
        errors.throw_if_any();
    }, py::arg("params"), "Raise ValidationError listing every invalid backtest parameter.");
    m.def("bt_run", &run, py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"), py::arg("times"),
          py::arg("sims"), py::arg("signals"), py::arg("levels"), py::arg("params"), py::arg("cancel") = nullptr,
          "Run `sims` simulations on one set of bars (see threadx.backtest.run).");
}

}  // namespace threadx::bind
