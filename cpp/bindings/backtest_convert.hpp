#pragma once
// What the backtest, sweep and portfolio bindings share: parameters from a dict, array
// checks, and the order and trade records as dicts of columns.
#include <initializer_list>
#include <string>
#include <vector>

#include "pybind.hpp"
#include "threadx/backtest/engine.hpp"
#include "threadx/backtest/options.hpp"

namespace threadx::bind {

// d[o.name] as the index of one of the option's choices; Params' default when absent,
// an error listing the choices when unknown.
int choice_of(const py::dict& d, const backtest::Option& o, FieldErrors& errors);

template <class E>
E choice(const py::dict& d, const char* key, FieldErrors& errors) {
    return static_cast<E>(choice_of(d, backtest::option(key), errors));
}

// d[key] as a number; `def` when absent or None, an error when not a number.
double number(const py::dict& d, const char* key, double def, FieldErrors& errors);

// Params from a dict keyed by the option table's names (plus expiry_bars / expiry_ns,
// which Python makes of `expiry`); values the dict cannot give are added to `errors`.
// The option rules are not run here: validate(Params) runs them, once.
backtest::Params params_from(const py::dict& d, FieldErrors& errors);

// Parameters that passed the option rules.  Only _core.backtest.validate (and the
// sweep's validate) make one, so run() takes its Params as they are.
struct Plan {
    backtest::Params params;
};

// The dict of a Plan's parameters, keyed as params_from reads them.
py::dict params_dict(const backtest::Params& p);

// A C-contiguous float64 array of the given shape (-1: any length on that axis), or null.
const double* c_array(const py::array& a, const char* field, std::initializer_list<py::ssize_t> shape,
                      FieldErrors& errors);

// The four OHLC columns as the engine reads them (times unset).
backtest::Bars bars_of(const py::array& open, const py::array& high, const py::array& low,
                       const py::array& close, FieldErrors& errors);

py::dict orders_dict(const std::vector<backtest::OrderRecord>& r);
py::dict trades_dict(const std::vector<backtest::TradeRecord>& r);

}  // namespace threadx::bind
