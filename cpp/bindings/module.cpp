// The extension module: the cross-area names at the top, one submodule per area.
#include "pybind.hpp"

#ifndef THREADX_VERSION
#define THREADX_VERSION "0+unknown"
#endif

namespace {

// m.<name>, also entered in sys.modules so that `import threadx._core.<name>` works
// like `from threadx._core import <name>`.
py::module_ submodule(py::module_& m, const char* name, const char* doc) {
    py::module_ sub = m.def_submodule(name, doc);
    py::module_::import("sys").attr("modules")[sub.attr("__name__")] = sub;
    return sub;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    using namespace threadx::bind;
    m.doc() = "ThreadX C++ core (private: use the threadx package)";
    m.attr("__version__") = THREADX_VERSION;
    bind_core(m);
    py::module_ rolling = submodule(m, "rolling", "Rolling statistics, batch and streaming.");
    bind_rolling(rolling);
    py::module_ ta = submodule(m, "ta", "Indicators: the table, batch runs and streaming states.");
    bind_ta(ta);
    py::module_ backtest = submodule(m, "backtest", "Backtests, parameter sweeps and portfolios.");
    bind_backtest(backtest);
    bind_sweep(backtest);
    bind_portfolio(backtest);
    bind_stats(backtest);
    bind_orders(backtest);
    py::module_ research = submodule(m, "research", "Overfitting statistics: PSR, DSR, MinTRL, PBO.");
    bind_research(research);
    py::module_ plot = submodule(m, "plot", "Downsampling for drawing (M4).");
    bind_plot(plot);
    py::module_ live = submodule(m, "live", "The live spread core: tick matching, per-key time windows.");
    bind_live(live);
}
