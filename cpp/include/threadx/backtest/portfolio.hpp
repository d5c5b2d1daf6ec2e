#pragma once
// Several assets sharing one cash account, rebalanced to target weights; and the
// built-in weight rules (equal, inverse volatility, minimum variance) on rolling
// windows of close-to-close returns, computed with Eigen.
#include <cstdint>
#include <vector>

#include "threadx/backtest/engine.hpp"

namespace threadx::backtest {

// k assets on the same n bars: element (i, j) of a field at field[i * k + j] (row-major).
struct Panel {
    const double *open = nullptr, *high = nullptr, *low = nullptr, *close = nullptr;
    std::int64_t n = 0, k = 0;
};

struct PortfolioParams {
    double init_cash = 10000.0, fees = 0.0, fixed_fees = 0.0, slippage = 0.0, leverage = 1.0;
    bool fractional = true;
    Execution execution = Execution::Open;
};

void validate(const PortfolioParams& p, FieldErrors& errors);

struct PortfolioOut {
    double *equity = nullptr, *cash = nullptr;  // n
    double* positions = nullptr;                // n x k units, row-major
    std::vector<OrderRecord> orders;            // sim = asset column
};

// Rebalances at every bar whose weight row (n x k, row-major) holds a finite value;
// NaN entries of such a row count as 0.  Decided at the bar's close; filled at the
// next open (execution Open) or at that close.
void rebalance(const Panel& panel, const double* weights, const PortfolioParams& p, PortfolioOut& out,
               const CancelToken* token);

enum class WeightRule : int { Equal = 0, InverseVol = 1, MinVariance = 2, MinVarianceLong = 3 };

// Target weights (n x k, row-major) from the closes: NaN rows except every `every`-th
// bar from the first bar with `window` returns.  `ridge` adds ridge * trace(S) / k to
// the covariance diagonal (min variance).
void weight_rule(const Panel& panel, WeightRule rule, std::int64_t window, std::int64_t every, double ridge,
                 double* weights, const CancelToken* token);

}  // namespace threadx::backtest
