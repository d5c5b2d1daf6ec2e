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
void bind_orders(py::module_& m);
void bind_research(py::module_& m);
void bind_plot(py::module_& m);
void bind_live(py::module_& m);

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

// repr(h), cut to 80 characters (a placeholder when repr itself fails), for error values.
std::string short_repr(py::handle h);

// The one rule for a real-number argument: a number float() takes (int, float, numpy
// scalars, objects with __float__ or __index__), not a bool, a string (never parsed) or
// an int beyond float range; a ValidationError naming `field` otherwise.  An error the
// object's own __float__ raises (other than TypeError/ValueError/OverflowError) passes through.
double real_arg_slow(py::handle h, const std::string& field);

// real_arg_slow with a fast path for a Python float (the streaming hot path).
inline double real_arg(py::handle h, const char* field) {
    return PyFloat_Check(h.ptr()) ? PyFloat_AS_DOUBLE(h.ptr()) : real_arg_slow(h, field);
}

}  // namespace threadx::bind
