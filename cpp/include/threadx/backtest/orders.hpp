#pragma once
// The order-level core: working orders of every type (market, limit, stop, stop-limit),
// brackets (stop-loss / take-profit / trailing children, one-cancels-other), positions
// netted per symbol with FIFO lots, costs as brokers charge them (fees with a per-unit
// schedule, spread, slippage, borrow, funding, contract multiplier and margin), and
// several symbols sharing one cash account.  docs/orders.md is the specification, bar by
// bar; tests/order_reference.py implements it independently and the tests compare the two.
//
// Orders come from a list (placed at the close of their bar) and from a Decider, called
// at every bar's close (a strategy: run's signal rules, or a user's next()).
#include <cstdint>
#include <climits>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "threadx/backtest/engine.hpp"
#include "threadx/core/cancel.hpp"
#include "threadx/core/errors.hpp"
#include "threadx/core/strided.hpp"

namespace threadx::backtest::orders {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr std::int64_t kNone = -1;

enum class OKind : std::int8_t { Market, Limit, Stop, StopLimit, StopLoss, TakeProfit, TrailingStop };
// Net: against the held side it reduces FIFO and opens what is left on its side (vectorbt's
// direction="both", backtesting.py's netting); otherwise it is Open (docs/orders.md § 3).
enum class Intent : std::int8_t { Open, Add, Reduce, Close, Net };
enum class OStatus : std::int8_t { Working, Filled, Cancelled, Expired, Rejected, Dropped };
// Who decided a market order: its fill's reason is "signal" or "strategy" (docs/orders.md § 9).
enum class Origin : std::int8_t { Signal, Strategy };
enum class OReason : std::int8_t {
    None, Signal, Strategy, Limit, Stop, StopLoss, TakeProfit, TrailingStop, EndOfData, Liquidation, Expiry,
    Replaced, User, Oco, PositionClosed, InsufficientCash, InvalidSize, MissingPrice, NoPosition, PyramidingCap
};
enum class ChargeKind : std::int8_t { Borrow, Funding };

inline bool is_bracket(OKind k) { return k >= OKind::StopLoss; }

// A per-bar value or a scalar.
struct Series {
    const double* data = nullptr;
    std::int64_t stride = 1;
    double scalar = 0.0;
    double operator[](std::int64_t i) const noexcept { return data ? data[i * stride] : scalar; }
};

// One order as placed (docs/orders.md § 1).  NaN levels / kNone tif: none.
struct OrderSpec {
    std::int64_t bar = 0;  // order lists: placed at this bar's close
    std::int8_t side = 1;  // +1 buy, -1 sell
    OKind type = OKind::Market;
    Intent intent = Intent::Open;
    SizeType size_type = SizeType::Percent;
    double size = 1.0;
    double limit = kNaN, stop = kNaN;
    std::int64_t tif_bars = kNone, tif_ns = kNone;  // k bars, or a duration (needs bar times)
    double sl = kNaN, tp = kNaN, sl_stop = kNaN, tp_stop = kNaN, tsl_stop = kNaN, tsl_offset = kNaN;
    const double* sl_path = nullptr;  // one level per bar (NaN: no update), or null
    std::int64_t sl_path_stride = 1;
    std::int64_t tag = kNone;
    std::int64_t parent = kNone;
    std::int64_t lot = kNone;  // a reduce of this lot only (a trade's close), not FIFO
};

// An order record, with its working state.
struct Order {
    std::int64_t id = 0, parent = kNone, tag = kNone;
    OKind kind = OKind::Market;
    std::int8_t side = 1;
    Intent intent = Intent::Open;
    OStatus status = OStatus::Working;
    OReason reason = OReason::None;
    Origin origin = Origin::Signal;
    SizeType size_type = SizeType::Percent;
    bool triggered = false;  // a stop-limit whose stop has triggered
    double req_size = kNaN;  // as asked
    double size = kNaN;      // units filled (or refused)
    std::int64_t placed_bar = 0, fill_bar = kNone, seq = kNone;
    std::int64_t end_seq = kNone;  // when it ended, among every order of the group that ended
    double fill_price = kNaN, fees = kNaN;
    double limit = kNaN, stop = kNaN;
    std::int64_t tif_bars = kNone, deadline_ns = 0, lot = kNone;
    bool has_deadline = false;
    double sl = kNaN, tp = kNaN, sl_stop = kNaN, tp_stop = kNaN, tsl_stop = kNaN, tsl_offset = kNaN;
    const double* sl_path = nullptr;
    std::int64_t sl_path_stride = 1;
};

// One open lot of a position (docs/orders.md § 6).
struct Lot {
    std::int64_t id = 0, parent = kNone, entry_bar = 0, check_from = 0;
    std::int8_t dir = 1;
    double size = 0, entry_price = kNaN, entry_fees = 0, sl = kNaN, tp = kNaN;
    double tsl_stop = kNaN, tsl_offset = kNaN, extreme = kNaN;
    const double* sl_path = nullptr;
    std::int64_t sl_path_stride = 1;
    std::int64_t child[3] = {kNone, kNone, kNone};  // stop-loss, take-profit, trailing-stop order ids
    double margin_per = kNaN, borrow = 0, funding = 0;
};

struct Trade {
    std::int64_t lot = 0;
    std::int8_t side = 1;
    OReason exit_reason = OReason::None;
    double size = 0;
    std::int64_t entry_bar = 0, exit_bar = 0;
    double entry_price = kNaN, exit_price = kNaN, fees = 0, borrow = 0, funding = 0, pnl = 0, ret = 0;
    double sl = kNaN, tp = kNaN, tsl = kNaN;
    std::int64_t tag = kNone;  // the tag of the order that opened the lot
};

struct Charge {
    std::int64_t bar = 0;
    ChargeKind kind = ChargeKind::Borrow;
    double amount = 0;
};

// Costs and instrument of one symbol (docs/orders.md § 8).
struct Costs {
    double fees = 0, fixed_fees = 0, unit_fee = 0, unit_fee_min = 0, unit_fee_max = kInf;
    Series spread, spread_abs;  // a fraction of the price / price units (docs/orders.md § 8.2)
    bool spread_given = false, spread_abs_given = false;  // both given: a validation error
    double slippage = 0, leverage = 1;
    bool fractional = false;
    std::int64_t max_lots = INT64_MAX;  // INT64_MAX: no cap
    Series borrow_rate;
    const std::int64_t* funding_times = nullptr;  // sorted, ns
    const double* funding_rates = nullptr;
    std::int64_t n_funding = 0;
    double multiplier = 1, margin = kNaN;  // margin: initial margin per contract (futures), NaN: cash account
};

// Every invalid field of `c` for `n` bars (`has_times`: the bars have timestamps), named
// as in Python after `prefix` (e.g. "AAPL: ").
void validate(const Costs& c, std::int64_t n, bool has_times, FieldErrors& errors, const std::string& prefix);
// Every invalid field of an order (docs/orders.md § 1.1); `where` names it (e.g. "order 3").
void validate(const OrderSpec& s, std::int64_t n, bool has_times, FieldErrors& errors, const std::string& where);

class Group;

// One symbol's orders, lots and records; what a Decider sees and acts on.
class Book {
public:
    double position() const noexcept { return pos_; }
    double cash() const noexcept;
    // Equity with every symbol at its current mark (at a decision: the bar's close).
    double equity() const { return equity_at(mark_); }
    bool stepping() const noexcept { return stepping_; }
    std::int64_t bars() const noexcept { return b_->n; }
    bool has_times() const noexcept { return b_->times != nullptr; }
    const std::vector<Lot>& lots() const noexcept { return lots_; }
    const std::vector<Order>& orders() const noexcept { return orders_; }
    const std::vector<Trade>& trades() const noexcept { return trades_; }
    // Ids of the working orders that are not bracket children, in creation order.
    void working(std::vector<std::int64_t>& ids) const;
    // Places an order at the close of bar j; returns its id (it may already be rejected).
    std::int64_t place(const OrderSpec& s, std::int64_t j, Origin origin);
    void cancel(std::int64_t id, OReason why, std::int64_t j);
    // Changes a lot's levels from bar j+1 on (NaN removes a level, docs/orders.md § 4.4).
    void set_sl(std::int64_t lot_id, double level, std::int64_t j);
    void set_tp(std::int64_t lot_id, double level, std::int64_t j);

private:
    friend class Group;
    friend class Stepper;
    struct Action;
    bool stepping_ = false;  // driven by a Stepper (bars arrive one at a time)
    Group* g_ = nullptr;
    const Bars* b_ = nullptr;
    const Costs* c_ = nullptr;
    double pos_ = 0, margin_ = 0, mark_ = 0;
    std::vector<Order> orders_;
    std::vector<std::int64_t> live_;  // ids of working orders, creation order (may hold ended ones)
    std::vector<Lot> lots_;
    std::vector<Trade> trades_;
    std::vector<Charge> charges_;
    std::int64_t next_lot_ = 0, fpos_ = 0;

    std::int64_t new_order(OKind kind, std::int8_t side, Intent intent, std::int64_t j, std::int64_t parent);
    void end(Order& o, OStatus st, OReason why, std::int64_t j, double size = kNaN);
    double fee(double u, double f) const;
    double fill_price(double base, int dir, std::int64_t j) const;
    double part(double p) const;
    double used(double p) const;
    double equity_at(double p) const;
    double available(double f) const;
    double units_from_budget(double budget, double f) const;
    double floor_units(double u) const;
    Lot* lot_by_id(std::int64_t id);
    double book_fill(Order& o, int dir, double units, double f, std::int64_t j, OReason why);
    void close_units(std::int64_t lot_id, double units, double f, double fee_part, std::int64_t j, OReason why);
    void exit_parts(std::int64_t oid, const std::vector<std::pair<std::int64_t, double>>& parts, double base,
                    std::int64_t j, OReason why);
    void close_all(std::int64_t oid, double base, std::int64_t j, OReason why);
    std::int64_t open_lot(std::int64_t oid, int d, double base, std::int64_t j, std::int64_t check_from, OReason why,
                          double units = kNaN);
    bool net_against(std::int64_t oid, double base, std::int64_t j, OReason why, double& rest);
    double tsl_level(const Lot& L) const;
    double eff_stop(const Lot& L, OReason& why) const;
    bool check_brackets(const Lot& L, std::int64_t j, double& base, OReason& why) const;
    void fire_bracket(std::int64_t lot_id, double base, OReason why, std::int64_t j);
    bool trigger_price(Order& o, std::int64_t j, double& base) const;
    std::int64_t execute(std::int64_t oid, double base, std::int64_t j, std::int64_t check_from, OReason why);
    double approx_value(const Order& o, double p) const;
    void reduce_fifo(std::int64_t oid, double u, double base, std::int64_t j, OReason why);
    void fill_working(std::int64_t oid, double base, std::int64_t j);
    void expire(std::int64_t j);
    void attribute(bool borrow, double amount);
    void borrow_at(std::int64_t j, double prev_pos);
    void funding_at(std::int64_t j);
    void apply_sl_path(std::int64_t j);
    void set_level(std::int64_t lot_id, int which, double level, std::int64_t j);
    void compact();
};

// A strategy: called at the close of every bar (after the bar's listed orders are placed).
class Decider {
public:
    virtual ~Decider() = default;
    virtual void decide(std::int64_t j, Book& book) = 0;
    // The first bar >= j at whose close decide() may do anything (a promise: at the bars
    // before it, decide() would place, cancel and change nothing).  The core skips the
    // calls, and runs quiet stretches of bars in a tight loop.  Default: j (no promise).
    virtual std::int64_t active_from(std::int64_t j) { return j; }
};

struct SymbolIn {
    Bars bars;
    Costs costs;
    const OrderSpec* orders = nullptr;  // sorted by bar (stable: list order within a bar)
    std::int64_t n_orders = 0;
    Decider* decider = nullptr;
};

struct GroupParams {
    double init_cash = 10000.0;
    Execution execution = Execution::Open;
    Intrabar intrabar = Intrabar::Backtesting;
    bool close_at_end = true;
};

// Per-bar outputs are written into caller-owned columns (a null column is not written);
// after an out-of-money liquidation they are 0 to the end.
struct SymbolOut {
    Column position, margin;
    std::vector<Order> orders;  // every order, dropped ones removed
    std::vector<Trade> trades;
    std::vector<Charge> charges;
};

struct GroupOut {
    Column equity, cash;
    std::vector<SymbolOut> symbols;  // one per symbol (resized by simulate when it differs)
};

// One group sharing one cash account (one symbol, or several with shared cash).
void simulate(const std::vector<SymbolIn>& symbols, const GroupParams& g, GroupOut& out, const CancelCheck& check);

// One symbol whose bars arrive one at a time (docs/orders.md § 13): step(bar) runs bar j
// exactly as simulate() does (steps 0-8 of § 2; there is no end of data), so stepping
// through a history gives the batch run's orders.  Funding and timedelta times in force
// need the next bar's timestamp and are refused (not yet supported).
class Stepper {
public:
    Stepper(const Costs& costs, const GroupParams& g, Decider* decider);
    ~Stepper();
    Stepper(const Stepper&) = delete;
    Stepper& operator=(const Stepper&) = delete;
    // Bar j = bars() (ValidationError for a bad bar or a time not after the previous one;
    // t = kNoTime: the stepper has no timestamps, every bar must then have none).
    std::int64_t step(double open, double high, double low, double close, std::int64_t t);
    Book& book();
    std::int64_t bars() const;
    double equity() const;  // at the last bar's close (0 once out of money)
    static constexpr std::int64_t kNoTime = INT64_MIN;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace threadx::backtest::orders
