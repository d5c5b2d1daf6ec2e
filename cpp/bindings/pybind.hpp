#pragma once
// The one header through which the bindings include pybind11.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "threadx/core/errors.hpp"

namespace py = pybind11;

namespace threadx::bind {

void bind_core(py::module_& m);
void bind_rolling(py::module_& m);
void bind_ta(py::module_& m);
void bind_backtest(py::module_& m);
void bind_sweep(py::module_& m);
void bind_portfolio(py::module_& m);
void bind_stats(py::module_& m);

// Raises ValidationError naming `field` unless `a` is a float64 array (any strides).
void require_float64(const py::array& a, const char* field, FieldErrors& errors);
std::string dtype_name(const py::array& a);

}  // namespace threadx::bind
