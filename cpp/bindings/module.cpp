#include "pybind.hpp"

#ifndef THREADX_VERSION
#define THREADX_VERSION "0+unknown"
#endif

PYBIND11_MODULE(_core, m) {
    m.doc() = "ThreadX C++ core (private: use the threadx package)";
    m.attr("__version__") = THREADX_VERSION;
    threadx::bind::bind_core(m);
    threadx::bind::bind_rolling(m);
    threadx::bind::bind_ta(m);
    threadx::bind::bind_backtest(m);
}
