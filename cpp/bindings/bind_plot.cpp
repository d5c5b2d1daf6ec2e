// Downsampling for drawing (threadx/plot/downsample.hpp).  Conversion only: the core validates;
// the GIL is released around the kernel.
#include <cstdint>
#include <span>
#include <vector>

#include "pybind.hpp"
#include "threadx/core/cancel.hpp"
#include "threadx/plot/downsample.hpp"

namespace threadx::bind {

namespace {

py::array_t<std::int64_t> m4_indices(const CArray<double>& y, const py::object& x, std::int64_t columns,
                                     const CancelToken* cancel) {
    FieldErrors errors;
    if (y.ndim() != 1) errors.add("y", "shape", "must be 1-D");
    CArray<std::int64_t> xs;
    if (!x.is_none()) {
        xs = py::cast<CArray<std::int64_t>>(x);
        if (xs.ndim() != 1) errors.add("x", "shape", "must be 1-D");
    }
    errors.throw_if_any();
    const std::span<const double> ys(y.data(), static_cast<std::size_t>(y.shape(0)));
    const std::span<const std::int64_t> xv = x.is_none() ? std::span<const std::int64_t>()
                                                          : std::span<const std::int64_t>(xs.data(),
                                                                                          static_cast<std::size_t>(xs.shape(0)));
    std::vector<std::int64_t> kept;
    {
        py::gil_scoped_release release;
        kept = plot::m4_indices(xv, ys, columns, cancel);
    }
    py::array_t<std::int64_t> out(static_cast<py::ssize_t>(kept.size()));
    std::copy(kept.begin(), kept.end(), out.mutable_data());
    return out;
}

}  // namespace

void bind_plot(py::module_& m) {
    m.def("m4_indices", &m4_indices, py::arg("y"), py::arg("x") = py::none(), py::arg("columns") = 2000,
          py::arg("cancel") = nullptr,
          "Indices of the points M4 keeps (first, min, max, last and first NaN per x bucket), increasing.");
}

}  // namespace threadx::bind
