#pragma once
// The backtest engine: one net position per simulation on OHLC bars, driven by entry
// and exit signals, with market/limit/stop/stop-limit entries, expiry, stop-loss,
// take-profit and trailing stops, fees, slippage and sizing.  The semantics, bar by
// bar, are in docs/backtest.md; tests/backtest_reference.py implements them independently.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "threadx/core/cancel.hpp"
#include "threadx/core/errors.hpp"
#include "threadx/core/strided.hpp"

namespace threadx::backtest {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Execution : int { Open = 0, Close = 1 };
enum class OrderType : int { Market = 0, Limit = 1, Stop = 2, StopLimit = 3 };
// Percent: of the cash times leverage; TargetPercent: a position worth size x equity
// (size up to leverage); Value: currency; Units: units.
enum class SizeType : int { Percent = 0, Value = 1, Units = 2, TargetPercent = 3 };
enum class Intrabar : int { Backtesting = 0, Nearest = 1, OHLC = 2, OLHC = 3 };

struct Params {
    double init_cash = 10000.0;
    double fees = 0.0;        // fraction of traded value per fill
    double fixed_fees = 0.0;  // currency per fill
    double slippage = 0.0;    // fraction, against the trader
    double size = 1.0;
    SizeType size_type = SizeType::Percent;
    bool fractional = false;
    double leverage = 1.0;
    Execution execution = Execution::Open;
    OrderType order_type = OrderType::Market;
    std::int64_t expiry_bars = 0;  // 0: none
    std::int64_t expiry_ns = 0;    // 0: none (needs bar times)
    double sl_stop = kNaN, tp_stop = kNaN, tsl_stop = kNaN;  // fractions of the entry price
    double tsl_offset = kNaN;  // trailing stop as a price distance from the peak
    Intrabar intrabar = Intrabar::Backtesting;
    bool close_at_end = true;
};

// Every invalid field of `p`, named as in Python.
void validate(const Params& p, FieldErrors& errors);

struct Bars {
    const double *open = nullptr, *high = nullptr, *low = nullptr, *close = nullptr;
    const std::int64_t* times = nullptr;  // ns since the epoch; may be null
    std::int64_t n = 0;
};

// The first bar breaking an OHLC rule (non-finite, low > min(open, close), high <
// max(open, close)), as a field error; bars are the engine's trusted input after this.
void validate(const Bars& bars, FieldErrors& errors);

struct Signal {
    const std::uint8_t* data = nullptr;  // null: never
    std::int64_t stride = 1;
    bool operator[](std::int64_t i) const noexcept { return data != nullptr && data[i * stride] != 0; }
};

struct Level {
    const double* data = nullptr;  // null: none
    std::int64_t stride = 1;
    double operator[](std::int64_t i) const noexcept { return data ? data[i * stride] : kNaN; }
};

struct SimInputs {
    Signal entries, exits, short_entries, short_exits;
    Level limit_price, stop_price, sl_price, tp_price;
    // per-bar values of options (null: the option's scalar); NaN sl/tp stop: none at that bar
    Level size, sl_stop, tp_stop;
};

enum class Kind : std::int8_t { Market, Limit, Stop, StopLimit, StopLoss, TakeProfit, TrailingStop };
enum class Status : std::int8_t { Filled, Cancelled, Expired, Rejected };
enum class Reason : std::int8_t {
    Signal, StopLoss, TakeProfit, TrailingStop, Limit, Stop, Expiry, EndOfData, Replaced, InsufficientCash,
    Liquidation
};

struct OrderRecord {
    std::int64_t sim = 0;
    Kind kind = Kind::Market;
    std::int8_t side = 1;  // +1 buy, -1 sell
    Status status = Status::Filled;
    Reason reason = Reason::Signal;
    double size = kNaN;
    std::int64_t placed_bar = -1;
    std::int64_t fill_bar = -1;
    double fill_price = kNaN;
    double fees = 0.0;
};

struct TradeRecord {
    std::int64_t sim = 0;
    std::int8_t side = 1;  // +1 long, -1 short
    Reason exit_reason = Reason::Signal;
    double size = 0.0;
    std::int64_t entry_bar = -1, exit_bar = -1;
    double entry_price = kNaN, exit_price = kNaN;
    double fees = 0.0, pnl = 0.0, ret = 0.0;
};

struct SimOut {
    Column equity, cash, position;  // one value per bar, at the close
    std::vector<OrderRecord> orders;
    std::vector<TradeRecord> trades;
};

namespace orders {
class Decider;
}

// run's signal rules as a strategy for the order core (docs/orders.md "Signals as orders");
// `in` and `p` must outlive it.  `n`: the number of bars.
std::unique_ptr<orders::Decider> signal_decider(const SimInputs& in, const Params& p, std::int64_t n);

// One simulation.  `sim` is written into the records.
void simulate(const Bars& bars, const SimInputs& in, const Params& p, std::int64_t sim, SimOut& out,
              const CancelCheck& check);

// Many independent simulations on the same bars, in parallel (TBB), each into its own
// SimOut; identical results whatever the thread count.
void simulate_many(const Bars& bars, const std::vector<SimInputs>& ins, const Params& p,
                   std::vector<SimOut>& outs, const CancelToken* token);

}  // namespace threadx::backtest
