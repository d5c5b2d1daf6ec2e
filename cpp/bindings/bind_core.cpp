// Error translation, CancelToken and thread control.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pybind.hpp"
#include "threadx/core/cancel.hpp"
#include "threadx/core/parallel.hpp"

namespace threadx::bind {

namespace {

py::object errors_module() { return py::module_::import("threadx.errors"); }

void raise_as(const char* cls, const std::exception& e) {
    py::object type = errors_module().attr(cls);
    PyErr_SetObject(type.ptr(), py::str(e.what()).ptr());
}

void translate(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const ValidationError& e) {
        py::list items;
        for (const auto& fe : e.errors()) {
            py::dict d;
            d["field"] = fe.field;
            d["value"] = fe.value;
            d["message"] = fe.message;
            items.append(d);
        }
        py::object err = errors_module().attr("ValidationError")(items);
        PyErr_SetObject(py::type::handle_of(err).ptr(), err.ptr());
    } catch (const CancelledError& e) {
        raise_as("CancelledError", e);
    } catch (const TaskTimeoutError& e) {
        raise_as("TaskTimeoutError", e);
    } catch (const DataError& e) {
        raise_as("DataError", e);
    } catch (const IndicatorError& e) {
        raise_as("IndicatorError", e);
    } catch (const BacktestError& e) {
        raise_as("BacktestError", e);
    } catch (const Error& e) {
        raise_as("ThreadXError", e);
    } catch (const std::bad_alloc&) {
        PyErr_SetString(PyExc_MemoryError, "ThreadX: out of memory");
    }
}

}  // namespace

std::string dtype_name(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

std::string short_repr(py::handle h) {
    try {
        std::string s = py::repr(h).cast<std::string>();
        return s.size() <= 80 ? s : s.substr(0, 77) + "...";
    } catch (const py::error_already_set&) {
        return "<" + std::string(Py_TYPE(h.ptr())->tp_name) + " object>";
    }
}

double real_arg_slow(py::handle h, const std::string& field) {
    if (!PyBool_Check(h.ptr())) {
        const double v = PyFloat_AsDouble(h.ptr());
        if (!(v == -1.0 && PyErr_Occurred())) return v;
        if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError) &&
            !PyErr_ExceptionMatches(PyExc_OverflowError))
            throw py::error_already_set();
        PyErr_Clear();
    }
    FieldErrors errors;
    errors.add(field, short_repr(h), "must be a real number (a float, or an int within float range)");
    errors.throw_if_any();
    return 0.0;
}

void require_float64(const py::array& a, const char* field, FieldErrors& errors) {
    if (!a.dtype().equal(py::dtype::of<double>())) {  // equivalent, not identical: metadata allowed
        errors.add(field, "dtype " + dtype_name(a), "must be float64");
        return;
    }
    require_aligned(a, field, errors);
}

void require_aligned(const py::array& a, const char* field, FieldErrors& errors) {
    const py::ssize_t align = std::max<py::ssize_t>(a.dtype().alignment(), 1);
    if (reinterpret_cast<std::uintptr_t>(a.data()) % static_cast<std::uintptr_t>(align) != 0)
        errors.add(field, "address", "must be aligned to " + std::to_string(align) +
                                         " bytes (np.frombuffer with an offset is not; pass a copy)");
    for (py::ssize_t d = 0; d < a.ndim(); ++d)
        if (a.strides(d) % a.itemsize() != 0) {
            errors.add(field, "strides " + std::to_string(a.strides(d)),
                       "must be a multiple of " + std::to_string(a.itemsize()) + " bytes");
            break;
        }
}

void bind_core(py::module_& m) {
    py::register_exception_translator(&translate);

    py::class_<CancelToken>(m, "CancelToken",
                            "Cancellation flag plus optional deadline, checked by the C++ loops "
                            "at chunk boundaries.")
        .def(py::init<>())
        .def("cancel", &CancelToken::cancel, "Ask every loop holding this token to stop.")
        .def_property_readonly("cancelled", &CancelToken::cancelled)
        .def_property_readonly("expired", &CancelToken::expired)
        .def("set_timeout",
             [](CancelToken& t, py::handle value) {
                 const double seconds = real_arg(value, "seconds");
                 if (!(seconds >= 0.0) || !std::isfinite(seconds)) {
                     FieldErrors errors;
                     errors.add("seconds", repr(seconds), "must be a finite number >= 0");
                     errors.throw_if_any();
                 }
                 t.set_timeout(seconds);
             },
             py::arg("seconds"),
             "Stop with TaskTimeoutError once `seconds` have passed from now (0: at the next check). "
             "`seconds` must be a finite real number >= 0: a negative, NaN or infinite value, or a "
             "non-number, is a ValidationError naming `seconds` (no deadline: clear_timeout()).")
        .def("clear_timeout", &CancelToken::clear_timeout)
        .def("check", &CancelToken::check,
             "Raise CancelledError / TaskTimeoutError if the work should stop.");

    m.def("set_num_threads", &set_num_threads, py::arg("n"));
    m.def("get_num_threads", &get_num_threads);
}

}  // namespace threadx::bind
