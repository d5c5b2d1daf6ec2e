// The backtest engine (see docs/backtest.md for the rules this follows bar by bar).
#include "threadx/backtest/engine.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "threadx/backtest/options.hpp"
#include "threadx/backtest/orders.hpp"
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

namespace ob = threadx::backtest::orders;

// run's signals as orders (docs/orders.md "Signals as orders"; tests/signals_to_orders.py
// is the Python twin the reference tests use): at bar j's close it reads the signals and
// places the orders docs/backtest.md's rules call for.
class SignalDecider final : public ob::Decider {
public:
    SignalDecider(const SimInputs& in, const Params& p, std::int64_t n) : in_(in), p_(p), n_(n) {}

    std::int64_t active_from(std::int64_t j) override {
        if (j <= next_) return next_ >= j ? next_ : j;
        std::int64_t i = j;
        while (i < n_ && !(in_.entries[i] || in_.exits[i] || in_.short_entries[i] || in_.short_exits[i])) ++i;
        next_ = i;
        return i;
    }

    void decide(std::int64_t j, ob::Book& book) override {
        const bool e = in_.entries[j], x = in_.exits[j], se = in_.short_entries[j], sx = in_.short_exits[j];
        bool L = e && !x, XL = x && !e, S = se && !sx, XS = sx && !se;
        if (L && S) L = S = false;
        if (!(L || XL || S || XS)) return;
        const bool skip_market = p_.execution == Execution::Open && j == n_ - 1;
        book.working(work_);
        std::int64_t pend = work_.empty() ? ob::kNone : work_[0];  // at most one working entry order
        const double pos = book.position();
        if (pos == 0) {
            if (pend != ob::kNone) {
                const int side = book.orders()[pend].side;
                if ((XL && side > 0) || (XS && side < 0)) {
                    book.cancel(pend, ob::OReason::Signal, j);
                    pend = ob::kNone;
                }
            }
            const int d = L ? 1 : S ? -1 : 0;
            if (d && !(skip_market && p_.order_type == OrderType::Market)) entry(book, d, j, pend);
            return;
        }
        const int d = pos > 0 ? 1 : -1;
        const bool rev = d > 0 ? S : L, xit = d > 0 ? XL : XS;
        if ((rev || xit) && !skip_market) {
            ob::OrderSpec close;
            close.side = static_cast<std::int8_t>(-d);
            close.intent = ob::Intent::Close;
            book.place(close, j, ob::Origin::Signal);
            if (rev) entry(book, -d, j, pend);
        }
    }

private:
    const SimInputs& in_;
    const Params& p_;
    std::int64_t n_;
    std::int64_t next_ = -1;  // the first bar >= the last query with a signal
    std::vector<std::int64_t> work_;

    void entry(ob::Book& book, int d, std::int64_t i, std::int64_t pend) {
        ob::OrderSpec s;
        s.side = static_cast<std::int8_t>(d);
        s.size = in_.size.data ? in_.size[i] : p_.size;
        s.size_type = p_.size_type;
        s.sl = in_.sl_price[i], s.tp = in_.tp_price[i];
        s.sl_stop = in_.sl_stop.data ? in_.sl_stop[i] : p_.sl_stop;
        s.tp_stop = in_.tp_stop.data ? in_.tp_stop[i] : p_.tp_stop;
        s.tsl_stop = p_.tsl_stop, s.tsl_offset = p_.tsl_offset;
        if (p_.order_type != OrderType::Market) {
            s.type = static_cast<ob::OKind>(static_cast<int>(p_.order_type));
            s.limit = in_.limit_price[i];
            s.stop = in_.stop_price[i];
            const bool need_limit = p_.order_type != OrderType::Stop, need_stop = p_.order_type != OrderType::Limit;
            if ((need_limit && std::isnan(s.limit)) || (need_stop && std::isnan(s.stop))) return;  // no order
            if (pend != ob::kNone) book.cancel(pend, ob::OReason::Replaced, i);
            if (p_.expiry_bars > 0) s.tif_bars = p_.expiry_bars;
            if (p_.expiry_ns > 0) s.tif_ns = p_.expiry_ns;
        }
        book.place(s, i, ob::Origin::Signal);
    }
};

Reason reason_of(ob::OReason r) {
    switch (r) {
        case ob::OReason::StopLoss: return Reason::StopLoss;
        case ob::OReason::TakeProfit: return Reason::TakeProfit;
        case ob::OReason::TrailingStop: return Reason::TrailingStop;
        case ob::OReason::Limit: return Reason::Limit;
        case ob::OReason::Stop: return Reason::Stop;
        case ob::OReason::Expiry: return Reason::Expiry;
        case ob::OReason::EndOfData: return Reason::EndOfData;
        case ob::OReason::Replaced: return Reason::Replaced;
        case ob::OReason::InsufficientCash: return Reason::InsufficientCash;
        case ob::OReason::Liquidation: return Reason::Liquidation;
        default: return Reason::Signal;
    }
}

// run's records: the orders in the order they ended (filled, cancelled, expired,
// rejected), bracket children only when they filled; the trades as closed.
void records_of(ob::SymbolOut& so, std::int64_t sim, SimOut& out) {
    out.orders.clear();
    out.trades.clear();
    std::vector<const ob::Order*> ended;
    ended.reserve(so.orders.size());
    for (const ob::Order& o : so.orders) {
        if (ob::is_bracket(o.kind) && o.status != ob::OStatus::Filled) continue;
        ended.push_back(&o);
    }
    std::sort(ended.begin(), ended.end(), [](const ob::Order* a, const ob::Order* b) { return a->end_seq < b->end_seq; });
    for (const ob::Order* o : ended) {
        out.orders.push_back({.sim = sim, .kind = static_cast<Kind>(static_cast<int>(o->kind)), .side = o->side,
                              .status = static_cast<Status>(static_cast<int>(o->status) - 1),
                              .reason = reason_of(o->reason), .size = o->size, .placed_bar = o->placed_bar,
                              .fill_bar = o->fill_bar, .fill_price = o->fill_price, .fees = o->fees});
    }
    for (const ob::Trade& t : so.trades) {
        TradeRecord r;
        r.sim = sim;
        r.side = t.side;
        r.exit_reason = reason_of(t.exit_reason);
        r.size = t.size;
        r.entry_bar = t.entry_bar, r.exit_bar = t.exit_bar;
        r.entry_price = t.entry_price, r.exit_price = t.exit_price;
        r.fees = t.fees, r.pnl = t.pnl, r.ret = t.ret;
        out.trades.push_back(r);
    }
}

}  // namespace

void validate(const Params& p, FieldErrors& e) {
    count_params_rules();
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

std::unique_ptr<ob::Decider> signal_decider(const SimInputs& in, const Params& p, std::int64_t n) {
    return std::make_unique<SignalDecider>(in, p, n);
}

void simulate(const Bars& bars, const SimInputs& in, const Params& p, std::int64_t sim, SimOut& out,
              const CancelCheck& check) {
    SignalDecider decider(in, p, bars.n);
    std::vector<ob::SymbolIn> syms(1);
    ob::SymbolIn& s = syms[0];
    s.bars = bars;
    s.costs.fees = p.fees;
    s.costs.fixed_fees = p.fixed_fees;
    s.costs.slippage = p.slippage;
    s.costs.leverage = p.leverage;
    s.costs.fractional = p.fractional;
    s.decider = &decider;
    const ob::GroupParams g{.init_cash = p.init_cash, .execution = p.execution, .intrabar = p.intrabar,
                            .close_at_end = p.close_at_end};
    ob::GroupOut go;
    go.equity = out.equity;
    go.cash = out.cash;
    go.symbols.resize(1);
    go.symbols[0].position = out.position;
    ob::simulate(syms, g, go, check);
    records_of(go.symbols[0], sim, out);
}

void simulate_many(const Bars& bars, const std::vector<SimInputs>& ins, const Params& p, std::vector<SimOut>& outs,
                   const CancelToken* token) {
    const CancelCheck check(token);
    parallel_ranges(ins.size(), 1, token, [&](std::size_t b, std::size_t e) {
        for (std::size_t k = b; k < e; ++k) simulate(bars, ins[k], p, static_cast<std::int64_t>(k), outs[k], check);
    });
}

}  // namespace threadx::backtest
