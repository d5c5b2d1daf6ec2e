// The backtest engine (see docs/backtest.md for the rules this follows bar by bar).
#include "threadx/backtest/engine.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "threadx/core/parallel.hpp"

namespace threadx::backtest {

namespace {

constexpr std::int64_t kCheckEvery = 1 << 15;
constexpr std::int64_t kNever = INT64_MAX;

bool finite(double v) { return std::isfinite(v); }

void check_fraction(FieldErrors& e, const char* name, double v, double lo, bool lo_open, double hi, bool hi_open) {
    const bool ok = finite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
    if (!ok) {
        e.add(name, repr(v), std::string("must be in ") + (lo_open ? "(" : "[") + repr(lo) + ", " + repr(hi) +
                                 (hi_open ? ")" : "]"));
    }
}

void check_stop(FieldErrors& e, const char* name, double v, bool below_one) {
    if (std::isnan(v)) return;  // none
    if (below_one) check_fraction(e, name, v, 0.0, true, 1.0, true);
    else if (!(finite(v) && v > 0)) e.add(name, repr(v), "must be a finite fraction > 0, or None");
}

// Where a bar's price path goes after the open (for the path modes).
struct Path {
    double p[3];  // first extreme, second extreme, close
};

class Sim {
public:
    Sim(const Bars& b, const SimInputs& in, const Params& p, std::int64_t sim, SimOut& out)
        : b_(b), in_(in), p_(p), sim_(sim), out_(out), cash_(p.init_cash) {}

    void run(const CancelCheck& check) {
        const std::int64_t n = b_.n;
        for (std::int64_t i = 0; i < n; ++i) {
            if ((i & (kCheckEvery - 1)) == kCheckEvery - 1) check();
            bar(i);
        }
    }

private:
    struct Position {
        int side = 0;  // +1 long, -1 short, 0 flat
        double units = 0, entry = kNaN, entry_fees = 0, sl = kNaN, tp = kNaN, peak = kNaN;
        std::int64_t entry_bar = -1, stops_from = 0;
    };
    struct Resting {  // a limit / stop / stop-limit entry order
        bool active = false, triggered = false;
        int side = 0;
        double limit = kNaN, stop = kNaN, sl = kNaN, tp = kNaN;
        std::int64_t placed = -1;
    };
    struct Intent {  // market orders decided at a close, filled at the next open
        int close_side = 0, open_side = 0;
        double sl = kNaN, tp = kNaN;
        std::int64_t placed = -1;
    };

    const Bars& b_;
    const SimInputs& in_;
    const Params& p_;
    std::int64_t sim_;
    SimOut& out_;
    double cash_;
    Position pos_;
    Resting rest_;
    Intent intent_;
    bool broke_ = false;

    // ---------------------------------------------------------------- fills
    double fill_price(int side, double x) const { return side > 0 ? x * (1 + p_.slippage) : x * (1 - p_.slippage); }
    double fee(double units, double f) const { return p_.fees * units * f + p_.fixed_fees; }

    void record(Kind kind, int side, Status status, Reason reason, double size, std::int64_t placed,
                std::int64_t fill_bar, double price, double fees) {
        out_.orders.push_back({.sim = sim_, .kind = kind, .side = static_cast<std::int8_t>(side), .status = status,
                               .reason = reason, .size = size, .placed_bar = placed, .fill_bar = fill_bar,
                               .fill_price = price, .fees = fees});
    }

    double units_for(double f) const {
        double u;
        if (p_.size_type == SizeType::Units) {
            u = p_.size;
        } else {
            // entries happen when flat, so the equity is the cash
            const double budget = p_.size_type == SizeType::Percent         ? cash_ * p_.leverage * p_.size
                                  : p_.size_type == SizeType::TargetPercent ? cash_ * p_.size
                                                                            : p_.size;
            u = (budget - p_.fixed_fees) / (f * (1 + p_.fees));
        }
        return p_.fractional ? u : std::floor(u);
    }

    // Opens a position (the simulation is flat).  False when the order was rejected.
    bool open(int side, double x, std::int64_t bar, std::int64_t placed, Kind kind, Reason reason, double sl_level,
              double tp_level, std::int64_t stops_from) {
        const double f = fill_price(side, x);
        const double u = units_for(f);
        // what the fill costs; a fractional size spends the whole budget, give or take rounding
        const double need = u * f + fee(u, f), power = cash_ * p_.leverage;
        if (!(u > 0) || !(need <= power + std::abs(power) * 1e-12)) {
            record(kind, side, Status::Rejected, Reason::InsufficientCash, u, placed, bar, kNaN, 0.0);
            return false;
        }
        const double fe = fee(u, f);
        cash_ -= side * u * f + fe;
        const double sl = !std::isnan(sl_level) ? sl_level : (!std::isnan(p_.sl_stop) ? f * (1 - side * p_.sl_stop) : kNaN);
        const double tp = !std::isnan(tp_level) ? tp_level : (!std::isnan(p_.tp_stop) ? f * (1 + side * p_.tp_stop) : kNaN);
        pos_ = Position{.side = side, .units = u, .entry = f, .entry_fees = fe, .sl = sl, .tp = tp, .peak = f,
                        .entry_bar = bar, .stops_from = stops_from};
        record(kind, side, Status::Filled, reason, u, placed, bar, f, fe);
        return true;
    }

    // Closes the whole position at raw price x.
    void close(double x, std::int64_t bar, std::int64_t placed, Kind kind, Reason reason) {
        const int s = pos_.side;
        const double u = pos_.units, f = fill_price(-s, x), fe = fee(u, f);
        cash_ += s * u * f - fe;
        TradeRecord t;
        t.sim = sim_;
        t.side = static_cast<std::int8_t>(s);
        t.exit_reason = reason;
        t.size = u;
        t.entry_bar = pos_.entry_bar;
        t.exit_bar = bar;
        t.entry_price = pos_.entry;
        t.exit_price = f;
        t.fees = pos_.entry_fees + fe;
        t.pnl = s * u * (f - pos_.entry) - t.fees;
        t.ret = t.pnl / (u * pos_.entry);
        out_.trades.push_back(t);
        record(kind, -s, Status::Filled, reason, u, placed, bar, f, fe);
        pos_ = Position{};
    }

    // ---------------------------------------------------------------- stops
    // The effective stop of the position (stop-loss or trailing, whichever is tighter).
    void stop_level(double& stop, Reason& why) const {
        stop = pos_.sl;
        why = Reason::StopLoss;
        if (!std::isnan(p_.tsl_stop) || !std::isnan(p_.tsl_offset)) {
            const double t = !std::isnan(p_.tsl_stop) ? pos_.peak * (1 - pos_.side * p_.tsl_stop)
                                                      : pos_.peak - pos_.side * p_.tsl_offset;
            if (std::isnan(stop) || (pos_.side > 0 ? t > stop : t < stop)) {
                stop = t;
                why = Reason::TrailingStop;
            }
        }
    }

    static Kind kind_of(Reason r) {
        return r == Reason::StopLoss ? Kind::StopLoss : r == Reason::TakeProfit ? Kind::TakeProfit : Kind::TrailingStop;
    }

    void stop_out(double x, std::int64_t i, Reason why) { close(x, i, pos_.entry_bar, kind_of(why), why); }

    // Checks the stops in bar i; true when the position was closed.
    bool check_stops(std::int64_t i) {
        double stop;
        Reason why;
        stop_level(stop, why);
        const double tp = pos_.tp;
        if (std::isnan(stop) && std::isnan(tp)) return false;
        const double o = b_.open[i], h = b_.high[i], l = b_.low[i], c = b_.close[i];
        const int s = pos_.side;
        // "beyond" in the position's adverse (stop) or favourable (tp) direction
        auto hits_stop = [&](double px) { return !std::isnan(stop) && (s > 0 ? px <= stop : px >= stop); };
        auto hits_tp = [&](double px) { return !std::isnan(tp) && (s > 0 ? px >= tp : px <= tp); };
        if (p_.intrabar == Intrabar::Backtesting) {
            if (hits_stop(s > 0 ? l : h)) {
                stop_out(s > 0 ? std::min(o, stop) : std::max(o, stop), i, why);
                return true;
            }
            if (hits_tp(s > 0 ? h : l)) {
                stop_out(s > 0 ? std::max(o, tp) : std::min(o, tp), i, Reason::TakeProfit);
                return true;
            }
            return false;
        }
        if (hits_stop(o)) {
            stop_out(o, i, why);
            return true;
        }
        if (hits_tp(o)) {
            stop_out(o, i, Reason::TakeProfit);
            return true;
        }
        bool high_first = p_.intrabar == Intrabar::OHLC;
        if (p_.intrabar == Intrabar::Nearest) high_first = h - o <= o - l;
        const Path path{{high_first ? h : l, high_first ? l : h, c}};
        double a = o;
        for (double bpx : path.p) {
            // a move against the position can reach the stop, a move with it the take-profit
            const bool adverse = s > 0 ? bpx < a : bpx > a;
            if (adverse && hits_stop(bpx)) {
                stop_out(stop, i, why);
                return true;
            }
            if (!adverse && bpx != a && hits_tp(bpx)) {
                stop_out(tp, i, Reason::TakeProfit);
                return true;
            }
            a = bpx;
        }
        return false;
    }

    // ---------------------------------------------------------------- resting entry orders
    Kind resting_kind() const {
        return p_.order_type == OrderType::Limit ? Kind::Limit
               : p_.order_type == OrderType::Stop ? Kind::Stop
                                                  : Kind::StopLimit;
    }

    // The raw fill price of the resting order in bar i, or NaN when it does not fill.
    double resting_fill(std::int64_t i) {
        const double o = b_.open[i], h = b_.high[i], l = b_.low[i];
        const int s = rest_.side;
        auto limit_fill = [&]() {  // a buy limit fills at or below its level, a sell limit at or above
            if (s > 0) return l <= rest_.limit ? std::min(o, rest_.limit) : kNaN;
            return h >= rest_.limit ? std::max(o, rest_.limit) : kNaN;
        };
        const bool stop_hit = s > 0 ? h >= rest_.stop : l <= rest_.stop;
        switch (p_.order_type) {
            case OrderType::Limit: return limit_fill();
            case OrderType::Stop:
                return stop_hit ? (s > 0 ? std::max(o, rest_.stop) : std::min(o, rest_.stop)) : kNaN;
            case OrderType::StopLimit:
                if (rest_.triggered) return limit_fill();
                if (!stop_hit) return kNaN;
                rest_.triggered = true;
                if (s > 0 ? (rest_.limit > rest_.stop && l <= rest_.limit)
                          : (rest_.limit < rest_.stop && h >= rest_.limit)) {
                    return s > 0 ? std::min(std::max(o, rest_.stop), rest_.limit)
                                 : std::max(std::min(o, rest_.stop), rest_.limit);
                }
                return kNaN;  // rests as a limit order from the next bar
            case OrderType::Market: break;
        }
        return kNaN;
    }

    void fill_resting(std::int64_t i) {
        const double x = resting_fill(i);
        if (std::isnan(x)) return;
        const Resting r = rest_;
        rest_ = Resting{};
        const Reason reason = p_.order_type == OrderType::Stop ? Reason::Stop : Reason::Limit;
        if (!open(r.side, x, i, r.placed, resting_kind(), reason, r.sl, r.tp, i + 1)) return;
        if (p_.order_type != OrderType::Stop || std::isnan(pos_.tp)) return;
        // backtesting.py: after a stop entry, a take-profit inside the bar fills in it
        // when the stop-loss does not
        double stop;
        Reason why;
        stop_level(stop, why);
        const int s = pos_.side;
        const double o = b_.open[i], h = b_.high[i], l = b_.low[i];
        const bool tp_in = s > 0 ? pos_.tp <= h : pos_.tp >= l;
        const bool sl_out = std::isnan(stop) || (s > 0 ? stop < l : stop > h);
        if (tp_in && sl_out) stop_out(s > 0 ? std::max(o, pos_.tp) : std::min(o, pos_.tp), i, Reason::TakeProfit);
    }

    void cancel_resting(std::int64_t bar, Status status, Reason reason) {
        record(resting_kind(), rest_.side, status, reason, kNaN, rest_.placed, bar, kNaN, 0.0);
        rest_ = Resting{};
    }

    bool resting_expires_after(std::int64_t i) const {
        if (p_.expiry_bars > 0 && i >= rest_.placed + p_.expiry_bars) return true;
        return p_.expiry_ns > 0 && b_.times != nullptr && i + 1 < b_.n &&
               b_.times[i + 1] > b_.times[rest_.placed] + p_.expiry_ns;
    }

    // ---------------------------------------------------------------- signals
    void place_entry(int side, std::int64_t i, double sl, double tp) {
        if (p_.order_type == OrderType::Market) {
            if (p_.execution == Execution::Close) {
                open(side, b_.close[i], i, i, Kind::Market, Reason::Signal, sl, tp, i + 1);
            } else {
                intent_.open_side = side;
                intent_.sl = sl;
                intent_.tp = tp;
                intent_.placed = i;
            }
            return;
        }
        const double limit = in_.limit_price[i], stop = in_.stop_price[i];
        const bool needs_limit = p_.order_type != OrderType::Stop, needs_stop = p_.order_type != OrderType::Limit;
        if ((needs_limit && std::isnan(limit)) || (needs_stop && std::isnan(stop))) return;  // no level: no order
        if (rest_.active) cancel_resting(i, Status::Cancelled, Reason::Replaced);
        rest_ = Resting{.active = true, .side = side, .limit = limit, .stop = stop, .sl = sl, .tp = tp, .placed = i};
        // a timedelta shorter than the next bar's distance: it can never fill
        if (p_.expiry_ns > 0 && resting_expires_after(i)) cancel_resting(i, Status::Expired, Reason::Expiry);
    }

    void signals(std::int64_t i) {
        const bool e = in_.entries[i], x = in_.exits[i], se = in_.short_entries[i], sx = in_.short_exits[i];
        bool L = e && !x, XL = x && !e, S = se && !sx, XS = sx && !se;
        if (L && S) L = S = false;
        int close_side = 0, open_side = 0;
        if (pos_.side == 0) {
            // an exit signal cancels a pending entry of its side, before any new entry
            if (rest_.active && ((XL && rest_.side > 0) || (XS && rest_.side < 0)))
                cancel_resting(i, Status::Cancelled, Reason::Signal);
            open_side = L ? 1 : S ? -1 : 0;
        } else if (pos_.side > 0) {
            if (S) close_side = 1, open_side = -1;
            else if (XL) close_side = 1;
        } else {
            if (L) close_side = -1, open_side = 1;
            else if (XS) close_side = -1;
        }
        // a reversal decided at the last bar with execution="open": its closing half is never
        // sent, so the position stays (close_at_end closes it) and no entry is placed either
        if (close_side && open_side && p_.execution == Execution::Open && i == b_.n - 1) open_side = 0;
        if (close_side) {
            if (p_.execution == Execution::Close) {
                close(b_.close[i], i, i, Kind::Market, Reason::Signal);
            } else {
                intent_.close_side = close_side;
                intent_.placed = i;
            }
        }
        if (open_side) place_entry(open_side, i, in_.sl_price[i], in_.tp_price[i]);
    }

    // ---------------------------------------------------------------- one bar
    void bar(std::int64_t i) {
        const double o = b_.open[i], c = b_.close[i];
        if (broke_) {  // equity reached zero: nothing more happens (backtesting.py stops too)
            out_.equity[i] = out_.cash[i] = out_.position[i] = 0.0;
            return;
        }
        if (intent_.placed >= 0) {  // market orders of the previous close, at this open
            const Intent it = intent_;
            intent_ = Intent{};
            if (it.close_side && pos_.side == it.close_side) close(o, i, it.placed, Kind::Market, Reason::Signal);
            if (it.open_side && pos_.side == 0)
                open(it.open_side, o, i, it.placed, Kind::Market, Reason::Signal, it.sl, it.tp, i);
        }
        if (rest_.active && pos_.side == 0 && i > rest_.placed) fill_resting(i);
        if (pos_.side != 0 && pos_.stops_from <= i) {
            // the trailing peak moves after the bar's checks, on bars whose stops were checked
            if (!check_stops(i))
                pos_.peak = pos_.side > 0 ? std::max(pos_.peak, b_.high[i]) : std::min(pos_.peak, b_.low[i]);
        }
        if (rest_.active && resting_expires_after(i)) cancel_resting(i, Status::Expired, Reason::Expiry);
        signals(i);
        if (i == b_.n - 1) {
            if (p_.close_at_end && pos_.side != 0) close(c, i, i, Kind::Market, Reason::EndOfData);
            if (rest_.active) cancel_resting(i, Status::Cancelled, Reason::EndOfData);
        }
        const double equity = cash_ + pos_.side * pos_.units * c;
        if (!(equity > 0)) {  // out of money: liquidate at this close, then stop
            if (pos_.side != 0) close(c, i, i, Kind::Market, Reason::Liquidation);
            if (rest_.active) cancel_resting(i, Status::Cancelled, Reason::Liquidation);
            intent_ = Intent{};
            cash_ = 0.0;
            broke_ = true;
            out_.equity[i] = out_.cash[i] = out_.position[i] = 0.0;
            return;
        }
        out_.equity[i] = equity;
        out_.cash[i] = cash_;
        out_.position[i] = pos_.side * pos_.units;
    }
};

}  // namespace

void validate(const Params& p, FieldErrors& e) {
    if (!(finite(p.init_cash) && p.init_cash > 0)) e.add("init_cash", repr(p.init_cash), "must be a finite amount > 0");
    check_fraction(e, "fees", p.fees, 0.0, false, 1.0, true);
    if (!(finite(p.fixed_fees) && p.fixed_fees >= 0))
        e.add("fixed_fees", repr(p.fixed_fees), "must be a finite amount >= 0");
    check_fraction(e, "slippage", p.slippage, 0.0, false, 1.0, true);
    if (p.size_type == SizeType::Percent) check_fraction(e, "size", p.size, 0.0, true, 1.0, false);
    else if (p.size_type == SizeType::TargetPercent) {
        if (!(finite(p.size) && p.size > 0 && p.size <= p.leverage))
            e.add("size", repr(p.size), "must be a fraction of equity in (0, leverage=" + repr(p.leverage) + "]");
    }
    else if (!(finite(p.size) && p.size > 0)) e.add("size", repr(p.size), "must be a finite number > 0");
    check_fraction(e, "leverage", p.leverage, 0.0, true, 10.0, false);
    if (p.expiry_bars < 0) e.add("expiry", repr(static_cast<long long>(p.expiry_bars)), "must be >= 1 bar");
    if (p.expiry_ns < 0) e.add("expiry", repr(static_cast<long long>(p.expiry_ns)) + "ns", "must be > 0");
    check_stop(e, "sl_stop", p.sl_stop, true);
    check_stop(e, "tp_stop", p.tp_stop, false);
    check_stop(e, "tsl_stop", p.tsl_stop, true);
    check_stop(e, "tsl_offset", p.tsl_offset, false);
    if (!std::isnan(p.tsl_stop) && !std::isnan(p.tsl_offset))
        e.add("tsl_offset", repr(p.tsl_offset), "give tsl_stop (a fraction) or tsl_offset (a price distance), not both");
}

void validate(const Bars& b, FieldErrors& e) {
    for (std::int64_t i = 0; i < b.n; ++i) {
        const double o = b.open[i], h = b.high[i], l = b.low[i], c = b.close[i];
        const char* bad = nullptr;
        if (!(finite(o) && finite(h) && finite(l) && finite(c))) bad = "open/high/low/close must be finite";
        else if (!(l > 0)) bad = "prices must be > 0";
        else if (!(l <= std::min(o, c) && std::max(o, c) <= h)) bad = "needs low <= min(open, close) and max(open, close) <= high";
        if (bad) {
            e.add("data", "bar " + repr(static_cast<long long>(i)),
                  std::string(bad) + " (open=" + repr(o) + ", high=" + repr(h) + ", low=" + repr(l) +
                      ", close=" + repr(c) + ")");
            return;
        }
    }
}

void simulate(const Bars& bars, const SimInputs& in, const Params& p, std::int64_t sim, SimOut& out,
              const CancelCheck& check) {
    Sim(bars, in, p, sim, out).run(check);
}

void simulate_many(const Bars& bars, const std::vector<SimInputs>& ins, const Params& p, std::vector<SimOut>& outs,
                   const CancelToken* token) {
    const CancelCheck check(token);
    parallel_ranges(ins.size(), 1, token, [&](std::size_t b, std::size_t e) {
        for (std::size_t k = b; k < e; ++k) simulate(bars, ins[k], p, static_cast<std::int64_t>(k), outs[k], check);
    });
}

}  // namespace threadx::backtest
