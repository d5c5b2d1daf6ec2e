// Portfolios: k assets sharing one cash account rebalanced to target weights, and the
// built-in weight rules over rolling windows (GIL released).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "backtest_convert.hpp"
#include "pybind.hpp"
#include "threadx/backtest/portfolio.hpp"

namespace threadx::bind {

namespace {

using namespace threadx::backtest;

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
    p.init_cash = number(params, "init_cash", p.init_cash, errors);
    p.fees = number(params, "fees", p.fees, errors);
    p.fixed_fees = number(params, "fixed_fees", p.fixed_fees, errors);
    p.slippage = number(params, "slippage", p.slippage, errors);
    p.leverage = number(params, "leverage", p.leverage, errors);
    p.fractional = params.contains("fractional") && py::cast<bool>(params["fractional"]);
    p.execution = choice<Execution>(params, "execution", errors);
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

void bind_portfolio(py::module_& m) {
    m.def("rebalance", &rebalance_run, py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"),
          py::arg("weights"), py::arg("params"), py::arg("cancel") = nullptr,
          "Rebalance k assets sharing one cash account to target weights (GIL released).");
    m.def("weights", &weights_run, py::arg("close"), py::arg("rule"), py::arg("window"), py::arg("every"),
          py::arg("ridge"), py::arg("cancel") = nullptr, "Target weights of a built-in rule on rolling windows.");
}

}  // namespace threadx::bind
