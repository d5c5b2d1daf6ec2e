// The statistics of one simulation (threadx/backtest/stats.hpp): the table of names and
// definitions, one stats row, and the drawdown series.
#include <cstdint>
#include <span>
#include <vector>

#include "backtest_convert.hpp"
#include "pybind.hpp"
#include "threadx/backtest/stats.hpp"

namespace threadx::bind {

namespace {

namespace st = threadx::backtest::stats;
using Bars64 = CArray<std::int64_t>;

std::span<const double> doubles(const py::array& a, const char* field, FieldErrors& errors) {
    const double* p = c_array(a, field, {-1}, errors);
    return p ? std::span<const double>(p, static_cast<std::size_t>(a.shape(0))) : std::span<const double>();
}

std::span<const std::int64_t> bars(const Bars64& a) { return {a.data(), static_cast<std::size_t>(a.size())}; }

py::list table() {
    py::list out;
    for (const auto& d : st::table()) {
        py::dict row;
        row["name"] = py::str(d.name.data(), d.name.size());
        row["definition"] = py::str(d.definition.data(), d.definition.size());
        out.append(row);
    }
    return out;
}

// The arrays of one stats call as the core reads them (spans over the numpy buffers).
st::Inputs inputs_of(const py::array& equity, const py::array& period_equity, const py::array& close,
                     std::int64_t first_bar, const Bars64& entry_bar, const Bars64& exit_bar, const py::array& pnl,
                     const py::array& ret, FieldErrors& errors) {
    st::Inputs in;
    in.equity = doubles(equity, "equity", errors);
    in.period_equity = doubles(period_equity, "period_equity", errors);
    in.close = doubles(close, "close", errors);
    in.trades = {bars(entry_bar), bars(exit_bar), doubles(pnl, "pnl", errors), doubles(ret, "return", errors)};
    in.first_bar = first_bar;
    return in;
}

// What compute_stats is given, checked before any work: st::validate's rules, with
// periods_per_year None (inferred from the index) or a real number, risk_free_rate a real number.
void check(const py::array& equity, const py::array& close, std::int64_t first_bar, py::handle periods_per_year,
           py::handle risk_free_rate, const Bars64& entry_bar, const Bars64& exit_bar, const py::array& pnl,
           const py::array& ret) {
    FieldErrors errors;
    const bool inferred = periods_per_year.is_none();
    st::Inputs in = inputs_of(equity, inferred ? py::array_t<double>(0) : equity, close, first_bar, entry_bar,
                              exit_bar, pnl, ret, errors);
    in.periods_per_year = inferred ? std::nan("") : real_arg(periods_per_year, "periods_per_year");
    in.risk_free_rate = real_arg(risk_free_rate, "risk_free_rate");
    errors.throw_if_any();
    st::validate(in);
}

py::array_t<double> compute(const py::array& equity, const py::array& period_equity, double periods_per_year,
                            double risk_free_rate, double years, const py::array& close, std::int64_t first_bar,
                            const Bars64& entry_bar, const Bars64& exit_bar, const py::array& pnl,
                            const py::array& ret) {
    FieldErrors errors;
    st::Inputs in = inputs_of(equity, period_equity, close, first_bar, entry_bar, exit_bar, pnl, ret, errors);
    errors.throw_if_any();
    in.periods_per_year = periods_per_year;
    in.risk_free_rate = risk_free_rate;
    in.years = years;
    st::validate(in);
    py::array_t<double> row(st::kCount);
    std::vector<double> scratch;
    {
        // The spans view numpy arrays this call holds references to; nothing below touches Python.
        py::gil_scoped_release release;
        st::compute(in, row.mutable_data(), scratch);
    }
    return row;
}

py::array_t<double> drawdown(const py::array& equity) {
    FieldErrors errors;
    const std::span<const double> e = doubles(equity, "equity", errors);
    errors.throw_if_any();
    py::array_t<double> out(static_cast<py::ssize_t>(e.size()));
    st::drawdown(e, {out.mutable_data(), e.size()});
    return out;
}

}  // namespace

void bind_stats(py::module_& m) {
    m.def("stats_table", &table, "The statistics of a simulation, in report order: {'name', 'definition'} dicts.");
    m.def("stats_compute", &compute, py::arg("equity"), py::arg("period_equity"), py::arg("periods_per_year"),
          py::arg("risk_free_rate"), py::arg("years"), py::arg("close"), py::arg("first_bar"), py::arg("entry_bar"),
          py::arg("exit_bar"), py::arg("pnl"), py::arg("ret"),
          "One row of the statistics of stats_table() (float64, in its order).");
    m.def("stats_validate", &check, py::arg("equity"), py::arg("close"), py::arg("first_bar"),
          py::arg("periods_per_year"), py::arg("risk_free_rate"), py::arg("entry_bar"), py::arg("exit_bar"),
          py::arg("pnl"), py::arg("ret"),
          "Raise ValidationError for what stats_compute would refuse (periods_per_year None: inferred).");
    m.def("stats_drawdown", &drawdown, py::arg("equity"), "Drawdown per bar: 1 - equity / running peak.");
}

}  // namespace threadx::bind
