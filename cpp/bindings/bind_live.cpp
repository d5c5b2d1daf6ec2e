// The live spread core (threadx/live/spread_book.hpp).  Conversion only: the core validates
// options and batch sizes; the GIL is released around update(); a mutex keeps two Python
// threads from updating one book at once.
#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "pybind.hpp"
#include "threadx/live/spread_book.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::bind {

namespace {

struct Book {
    live::SpreadBook book;
    std::mutex mutex;
    explicit Book(const live::BookOptions& o) : book(o) {}
};

live::BookOptions options_of(std::int32_t exchanges, std::int32_t symbols, std::int64_t window,
                             std::int64_t max_quote_age, std::int64_t max_points, std::int64_t max_keys, double q_lo,
                             double q_hi, const std::string& interpolation, std::int64_t min_periods) {
    live::BookOptions o;
    o.exchanges = exchanges;
    o.symbols = symbols;
    o.window = window;
    o.max_quote_age = max_quote_age;
    o.max_points = max_points;
    o.max_keys = max_keys;
    o.q_lo = q_lo;
    o.q_hi = q_hi;
    o.min_periods = min_periods;
    FieldErrors errors;
    if (auto i = rolling::parse_interpolation(interpolation)) o.interpolation = *i;
    else errors.add("interpolation", repr(interpolation), "must be one of " + rolling::join_names(rolling::interpolation_names()));
    o.validate(errors);
    errors.throw_if_any();
    return o;
}

template <class T>
std::span<const T> in(const CArray<T>& a, const char* field, FieldErrors& errors) {
    if (a.ndim() != 1) {
        errors.add(field, "shape", "must be 1-D");
        return {};
    }
    return {a.data(), static_cast<std::size_t>(a.shape(0))};
}

// The names of the output columns, in SpreadRows' order.
constexpr const char* kColumns[] = {"tick", "symbol", "buy", "sell", "time", "spread",
                                    "q_lo", "q_hi", "signal", "nobs", "truncated"};

// A writable, aligned, contiguous 1-D array of exactly T named `name` in `out`, or an error.
template <class T>
std::span<T> column(const py::dict& out, const char* name, FieldErrors& errors) {
    if (!out.contains(name)) {
        errors.add(std::string("out.") + name, "missing", "every output column is needed");
        return {};
    }
    py::object obj = out[name];
    if (!py::isinstance<py::array_t<T>>(obj)) {
        errors.add(std::string("out.") + name, short_repr(obj), "must be a numpy array of " + py::str(py::dtype::of<T>()).cast<std::string>());
        return {};
    }
    auto a = obj.cast<py::array>();
    if (a.ndim() != 1 || !(a.flags() & py::array::c_style) || !a.writeable() || a.dtype().not_equal(py::dtype::of<T>())) {
        errors.add(std::string("out.") + name, dtype_name(a), "must be a writable contiguous 1-D array of " + py::str(py::dtype::of<T>()).cast<std::string>());
        return {};
    }
    require_aligned(a, name, errors);
    return {static_cast<T*>(a.mutable_data()), static_cast<std::size_t>(a.shape(0))};
}

std::size_t update(Book& self, const CArray<std::int64_t>& time, const CArray<std::int32_t>& exchange,
                   const CArray<std::int32_t>& symbol, const CArray<double>& bid, const CArray<double>& ask,
                   const py::dict& out) {
    FieldErrors errors;
    live::TickBatch t{in(time, "time", errors), in(exchange, "exchange", errors), in(symbol, "symbol", errors),
                      in(bid, "bid", errors), in(ask, "ask", errors)};
    live::SpreadRows rows{column<std::int64_t>(out, kColumns[0], errors), column<std::int32_t>(out, kColumns[1], errors),
                          column<std::int32_t>(out, kColumns[2], errors), column<std::int32_t>(out, kColumns[3], errors),
                          column<std::int64_t>(out, kColumns[4], errors), column<double>(out, kColumns[5], errors),
                          column<double>(out, kColumns[6], errors), column<double>(out, kColumns[7], errors),
                          column<std::int8_t>(out, kColumns[8], errors), column<std::int64_t>(out, kColumns[9], errors),
                          column<std::uint8_t>(out, kColumns[10], errors)};
    errors.throw_if_any();
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(self.mutex);
    return self.book.update(t, rows);  // checks lengths and room
}

py::dict stats(Book& self) {
    live::BookStats s;
    {
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(self.mutex);
        s = self.book.stats();
    }
    py::dict rejected;
    for (int r = 0; r < static_cast<int>(live::Reject::count); ++r)
        rejected[live::name_of(static_cast<live::Reject>(r))] = s.rejected[r];
    py::dict d;
    d["ticks"] = s.ticks;
    d["accepted"] = s.accepted;
    d["rejected"] = rejected;
    d["unpaired"] = s.unpaired;
    d["updates"] = s.updates;
    d["keys"] = s.keys;
    d["evicted"] = s.evicted;
    d["points"] = s.points;
    d["dropped_points"] = s.dropped_points;
    d["truncated_keys"] = s.truncated_keys;
    return d;
}

}  // namespace

void bind_live(py::module_& m) {
    py::class_<Book>(m, "SpreadBook", "Last-tick matching and per-key time windows with exact quantiles.")
        .def(py::init([](std::int32_t exchanges, std::int32_t symbols, std::int64_t window, std::int64_t max_quote_age,
                         std::int64_t max_points, std::int64_t max_keys, double q_lo, double q_hi,
                         const std::string& interpolation, std::int64_t min_periods) {
                 return std::make_unique<Book>(options_of(exchanges, symbols, window, max_quote_age, max_points,
                                                          max_keys, q_lo, q_hi, interpolation, min_periods));
             }),
             py::kw_only(), py::arg("exchanges"), py::arg("symbols"), py::arg("window"), py::arg("max_quote_age"),
             py::arg("max_points"), py::arg("max_keys"), py::arg("q_lo"), py::arg("q_hi"),
             py::arg("interpolation") = "linear", py::arg("min_periods") = 1)
        .def("update", &update, py::arg("time"), py::arg("exchange"), py::arg("symbol"), py::arg("bid"),
             py::arg("ask"), py::arg("out"),
             "Applies a batch of ticks in order, writing the spread rows into the arrays of `out` (tick, symbol, "
             "buy, sell, time, spread, q_lo, q_hi, signal, nobs, truncated; len(ticks) * rows_per_tick rows); "
             "returns the number of rows.")
        .def("reserve_symbols",
             [](Book& self, std::int32_t n) {
                 py::gil_scoped_release release;
                 std::lock_guard<std::mutex> lock(self.mutex);
                 self.book.reserve_symbols(n);
             },
             py::arg("symbols"))
        .def("stats", &stats)
        .def_property_readonly("rows_per_tick", [](const Book& self) { return self.book.rows_per_tick(); })
        .def_property_readonly("symbols", [](const Book& self) { return self.book.options().symbols; });
}

}  // namespace threadx::bind
