#pragma once
// The statistics of one simulation, defined once for threadx.backtest.run (res.stats),
// sweep (one row per combination) and rebalance (PortfolioResult.stats).  Names and
// definitions are backtesting.py 0.6.6's; `table()` holds both, in report order.
//
// What is fed in stays with the caller: which equity points make the periods of the
// annualised figures (every bar, or the last bar of each day/week/...), the periods per
// year, the risk-free rate and the years CAGR spans.  Everything computed from them is here.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "threadx/core/cancel.hpp"

namespace threadx::backtest::stats {

// Columns of a stats row, in report order (a subsequence of backtesting.py's).
enum Stat : int {
    kExposure, kEquityFinal, kEquityPeak, kReturn, kBuyHold, kReturnAnn, kVolatilityAnn, kCagr, kSharpe, kSortino,
    kCalmar, kMaxDrawdown, kTrades, kWinRate, kBestTrade, kWorstTrade, kAvgTrade, kProfitFactor, kExpectancy, kSqn,
    kKelly, kCount
};

struct Definition {
    std::string_view name;        // as reported, e.g. "Sharpe Ratio"
    std::string_view definition;  // the formula, in the terms of Inputs
};
using Table = std::array<Definition, kCount>;
const Table& table();

// Closed trades, one entry per trade in each span (same length).  Bars are in [0, n).
struct Trades {
    std::span<const std::int64_t> entry_bar, exit_bar;
    std::span<const double> pnl;  // after fees
    std::span<const double> ret;  // pnl / entry value
};

struct Inputs {
    std::span<const double> equity;         // E: per bar, at the close (n >= 1)
    std::span<const double> period_equity;  // P: equity at the end of each period (may be `equity`); empty: no periods
    double periods_per_year = 0;            // N
    double risk_free_rate = 0;              // rf, annual fraction
    double years = 0;                       // CAGR's span; 0 or NaN: unknown
    std::span<const double> close;          // c: the bars' close (Buy & Hold), n values
    std::int64_t first_bar = 0;             // f: Buy & Hold's first bar
    Trades trades;
};

// Throws ValidationError naming the field when a span's length or a bar is out of range,
// periods_per_year is not finite and > 0 (when there are periods) or risk_free_rate is not in (-1, 1).
void validate(const Inputs& in);

// Fills row[0..kCount) (percentages as the names say).  `scratch` holds the period
// returns between passes; it is grown as needed, so a caller looping reuses one.
// `check` runs between the passes over the bars (a sweep's cancellation lands within one).
void compute(const Inputs& in, double* row, std::vector<double>& scratch,
             const CancelCheck& check = CancelCheck(nullptr));

// Drawdown per bar: dd[i] = 1 - E[i] / max(E[0..i]) (NaN from the first NaN of E on, and
// where 0 / 0); `out` has E's length.
void drawdown(std::span<const double> equity, std::span<double> out);

}  // namespace threadx::backtest::stats
