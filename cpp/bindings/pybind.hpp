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

// Adds an error naming `field` unless `a` is a float64 array whose address and strides are
// multiples of 8 bytes (any order, any sign): what the kernels read as doubles.
void require_float64(const py::array& a, const char* field, FieldErrors& errors);
// Adds an error naming `field` unless `a`'s address and strides are multiples of its item's
// alignment (np.frombuffer(buf, offset=1) is not): a misaligned load is undefined behaviour.
// Arrays handed to the core without a copy are refused here, never read misaligned.
void require_aligned(const py::array& a, const char* field, FieldErrors& errors);

// Flags for py::array_t arguments that pybind converts (forcecast): the conversion copies an
// input that is not aligned, as it copies one of another dtype.
inline constexpr int kCopyIn = py::array::c_style | py::array::forcecast | py::detail::npy_api::NPY_ARRAY_ALIGNED_;
template <class T>
using CArray = py::array_t<T, kCopyIn>;
std::string dtype_name(const py::array& a);

}  // namespace threadx::bind
