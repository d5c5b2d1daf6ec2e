#pragma once
// Parameter sweeps of built-in strategies: each distinct indicator is computed once
// per call, then every parameter combination makes its signals in a per-thread buffer,
// runs the engine and keeps only a row of stats (or also its equity), so memory does
// not grow with the number of combinations.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "threadx/backtest/engine.hpp"

namespace threadx::research {
class PartitionSums;
}

namespace threadx::backtest {

enum class Strategy : int { SmaCross, EmaCross, RsiThreshold, BbandsReversion, DonchianBreakout, QuantileBand };

// Parameter names of a strategy, in the order the combination rows hold them.
const std::vector<std::string>& strategy_params(Strategy s);
// Adds a field error for every invalid combination value (first bad row per field).
void validate_combos(Strategy s, const double* combos, std::int64_t n_combos, std::int64_t n_bars,
                     FieldErrors& errors);

// The stats a sweep keeps per combination: the columns of threadx/backtest/stats.hpp's
// table (every bar a period, Buy & Hold from the first bar).
const std::vector<std::string>& sweep_stat_names();

struct SweepSpec {
    Strategy strategy = Strategy::SmaCross;
    bool short_side = false;    // mirrored short side (reversals)
    const double* combos = nullptr;  // n_combos x n_params, row-major
    std::int64_t n_combos = 0;
    Params params;
    double periods_per_year = 252.0;
    double years = 0.0;  // CAGR's span (0: unknown)
};

struct SweepOut {
    double* stats = nullptr;          // n_combos x sweep_stat_names().size(), row-major
    double* equity = nullptr;         // optional: n_combos x n_bars, row-major
    std::vector<TradeRecord>* trades = nullptr;  // optional: every trade, sim = combination row
    std::atomic<std::int64_t>* done = nullptr;   // optional progress counter
    // optional: each combination's per-bar returns (equity[i] / equity[i-1] - 1, rows 0..n-2)
    // added as trial `row` as it finishes (threadx/research/overfit.hpp: PBO, DSR)
    research::PartitionSums* partitions = nullptr;
};

// Every invalid parameter and combination of `spec` for bars of at least n_bars (the
// rules run once here; the bindings keep a spec that passed in a SweepPlan).
void validate(const SweepSpec& spec, std::int64_t n_bars, FieldErrors& errors);

// Runs a spec that passed validate() on bars of at least the n_bars it was validated
// for (the options and combinations are not checked again).
void sweep(const Bars& bars, const SweepSpec& spec, const SweepOut& out, const CancelToken* token);

// The signals of combination row `row` of a validated spec on `bars`, as the sweep makes
// them: four byte columns of bars.n each in `out` (entries, exits, short entries, short
// exits; the short ones all 0 without the short side).  For walk-forward runs, which
// trade one combination per fold.
void sweep_signals(const Bars& bars, const SweepSpec& spec, std::int64_t row, std::uint8_t* out,
                   const CancelToken* token);

}  // namespace threadx::backtest
