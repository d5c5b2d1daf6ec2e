// Backtests: a validated Plan of parameters, bars and (n, sims) signal/level arrays in, the
// equity/cash/position matrices and the order and trade records out (GIL released).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "backtest_convert.hpp"
#include "pybind.hpp"
#include "threadx/backtest/engine.hpp"
#include "threadx/backtest/options.hpp"

namespace threadx::bind {

namespace {

using namespace threadx::backtest;

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
    const std::size_t before = errors.list().size();
    require_aligned(a, field, errors);
    if (errors.list().size() != before) return {};
    return {static_cast<const T*>(a.data()), a.strides(0) / static_cast<py::ssize_t>(sizeof(T)),
            a.strides(1) / static_cast<py::ssize_t>(sizeof(T))};
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

py::dict run(const Plan& plan, const py::array& open, const py::array& high, const py::array& low,
             const py::array& close, const py::object& times, std::int64_t sims, const py::tuple& signals,
             const py::tuple& levels, const CancelToken* cancel) {
    FieldErrors errors;
    Bars bars = bars_of(open, high, low, close, errors);
    const std::int64_t n = bars.n;
    CArray<std::int64_t> t;
    if (!times.is_none()) {
        t = py::cast<CArray<std::int64_t>>(times);
        if (t.ndim() != 1 || t.shape(0) != n) errors.add("times", "shape", "must be one int64 per bar");
        else bars.times = t.data();
    }
    if (sims < 1) errors.add("sims", repr(static_cast<long long>(sims)), "must be >= 1");
    const Params& p = plan.params;  // validated when the plan was made
    if (p.expiry_ns > 0 && times.is_none()) errors.add("expiry", "timedelta", "needs a DatetimeIndex on the data");
    static const char* sig_names[4] = {"entries", "exits", "short_entries", "short_exits"};
    static const char* lvl_names[7] = {"limit_price", "stop_price", "sl_price", "tp_price", "size", "sl_stop",
                                       "tp_stop"};
    View<std::uint8_t> sv[4];
    View<double> lv[7];
    if (signals.size() != 4 || levels.size() != 7) throw std::invalid_argument("signals take 4 arrays, levels 7");
    for (int k = 0; k < 4; ++k) sv[k] = view_of<std::uint8_t>(signals[k], sig_names[k], n, sims, errors);
    for (int k = 0; k < 7; ++k) lv[k] = view_of<double>(levels[k], lvl_names[k], n, sims, errors);
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
        Level* lp[7] = {&in.limit_price, &in.stop_price, &in.sl_price, &in.tp_price, &in.size, &in.sl_stop,
                        &in.tp_stop};
        for (int k = 0; k < 4; ++k)
            if (sv[k].data) *sp[k] = {sv[k].data + c * sv[k].cs, sv[k].rs};
        for (int k = 0; k < 7; ++k)
            if (lv[k].data) *lp[k] = {lv[k].data + c * lv[k].cs, lv[k].rs};
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

const char* kind_name(OptionKind k) {
    static const char* names[] = {"number", "choice", "bool", "size", "stop", "expiry", "time", "periods_per_year"};
    return names[static_cast<int>(k)];
}

py::object default_of(const OptionDefault& d) {
    switch (d.type) {
        case OptionDefault::Type::Number: return py::float_(d.number);
        case OptionDefault::Type::Bool: return py::bool_(d.flag);
        case OptionDefault::Type::Text: return py::str(d.text);
        default: return py::none();
    }
}

py::list options_list() {
    py::list out;
    for (const Option& o : options()) {
        py::dict d;
        d["name"] = o.name;
        d["kind"] = kind_name(o.kind);
        d["default"] = default_of(o.def);
        d["choices"] = o.choices;
        d["rule"] = o.rule;
        d["doc"] = o.doc;
        d["sweep"] = o.sweep;
        d["python_only"] = o.python;
        out.append(d);
    }
    return out;
}

}  // namespace

void bind_backtest(py::module_& m) {
    py::class_<Plan>(m, "Plan", "Backtest parameters that passed every option rule (made by validate() only).")
        .def_property_readonly("params", [](const Plan& p) { return params_dict(p.params); })
        .def("__repr__", [](const Plan& p) { return "<Plan " + py::repr(params_dict(p.params)).cast<std::string>() + ">"; });
    m.def("options", &options_list, "The backtest options' table (name, kind, default, choices, rule, doc, ...).");
    m.def("validate", [](const py::dict& params) {
        FieldErrors errors;
        Plan plan{params_from(params, errors)};
        validate(plan.params, errors);
        errors.throw_if_any();
        return plan;
    }, py::arg("params"), "A Plan of the parameters, or ValidationError listing every invalid one.");
    m.def("check_periods_per_year", [](double v) {
        FieldErrors errors;
        check_periods_per_year(v, errors);
        errors.throw_if_any();
        return v;
    }, py::arg("value"), "value if it obeys periods_per_year's rule (a finite number > 0), else ValidationError.");
    m.def("_rule_counts", []() {
        const RuleCounts c = rule_counts();
        py::dict d;
        d["params"] = c.params;
        d["combos"] = c.combos;
        return d;
    }, "How often each rule set has run in this process (for tests).");
    m.def("run", &run, py::arg("plan"), py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"), py::arg("times"),
          py::arg("sims"), py::arg("signals"), py::arg("levels"), py::arg("cancel") = nullptr,
          "Run `sims` simulations on one set of bars (see threadx.backtest.run).");
}

}  // namespace threadx::bind
