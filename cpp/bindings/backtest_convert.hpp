#pragma once
// What the backtest, sweep and portfolio bindings share: parameters from a dict, array
// checks, and the order and trade records as dicts of columns.
#include <initializer_list>
#include <string>
#include <vector>

#include "pybind.hpp"
#include "threadx/backtest/engine.hpp"

namespace threadx::bind {

// d[key] as one of `names` (its index as E); E{} when absent, an error when unknown.
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

// d[key] as a number; `def` when absent or None.
double number(const py::dict& d, const char* key, double def);

// The engine's Params from a dict, every invalid field added to `errors`.
backtest::Params params_from(const py::dict& d, FieldErrors& errors);

// A C-contiguous float64 array of the given shape (-1: any length on that axis), or null.
const double* c_array(const py::array& a, const char* field, std::initializer_list<py::ssize_t> shape,
                      FieldErrors& errors);

// The four OHLC columns as the engine reads them (times unset).
backtest::Bars bars_of(const py::array& open, const py::array& high, const py::array& low,
                       const py::array& close, FieldErrors& errors);

py::dict orders_dict(const std::vector<backtest::OrderRecord>& r);
py::dict trades_dict(const std::vector<backtest::TradeRecord>& r);

}  // namespace threadx::bind
