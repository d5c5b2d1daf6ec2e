// The order-level core (docs/orders.md): groups of symbols (each group one cash account)
// with their bars, order lists (dicts of columns) and costs in; per group the equity and
// cash, per symbol the position, margin and the order, trade and charge records out.
// Groups run in parallel on TBB with the GIL released.
#include <algorithm>
#include <cmath>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "backtest_convert.hpp"
#include "pybind.hpp"
#include "threadx/backtest/orders.hpp"
#include "threadx/core/parallel.hpp"

namespace threadx::bind {

namespace {

using namespace threadx::backtest;
using namespace threadx::backtest::orders;

constexpr std::size_t kMaxOrderErrors = 20;

// Arrays the core reads without a copy, kept alive for the whole call.
struct Keep {
    std::vector<py::object> arrays;
};

// A per-bar series or a scalar from d[key] (absent or None: `def`).
Series series_of(const py::dict& d, const char* key, std::int64_t n, double def, const std::string& p, Keep& keep,
                 FieldErrors& e, bool* given = nullptr) {
    Series s;
    s.scalar = def;
    if (!d.contains(key) || d[key].is_none()) return s;
    if (given) *given = true;
    const py::object v = d[key];
    if (py::isinstance<py::array>(v) && py::cast<py::array>(v).ndim() > 0) {
        CArray<double> a = py::cast<CArray<double>>(v);
        if (a.ndim() != 1 || a.shape(0) != n) {
            e.add(p + key, "shape", "must be a number or one value per bar (" + std::to_string(n) + ")");
            return s;
        }
        s.data = a.data();
        keep.arrays.push_back(a);
        return s;
    }
    s.scalar = real_arg_slow(v, p + key);
    return s;
}

double num(const py::dict& d, const char* key, double def, const std::string& p) {
    if (!d.contains(key) || d[key].is_none()) return def;
    return real_arg_slow(d[key], p + key);
}

Costs costs_of(const py::dict& d, std::int64_t n, const std::string& p, Keep& keep, FieldErrors& e) {
    Costs c;
    c.fees = num(d, "fees", 0.0, p);
    c.fixed_fees = num(d, "fixed_fees", 0.0, p);
    c.unit_fee = num(d, "unit_fee", 0.0, p);
    c.unit_fee_min = num(d, "unit_fee_min", 0.0, p);
    c.unit_fee_max = num(d, "unit_fee_max", kInf, p);
    c.spread = series_of(d, "spread", n, 0.0, p, keep, e, &c.spread_given);
    c.spread_abs = series_of(d, "spread_abs", n, 0.0, p, keep, e, &c.spread_abs_given);
    c.slippage = num(d, "slippage", 0.0, p);
    c.leverage = num(d, "leverage", 1.0, p);
    c.fractional = d.contains("fractional") && py::cast<bool>(d["fractional"]);
    if (d.contains("max_lots") && !d["max_lots"].is_none()) c.max_lots = py::cast<std::int64_t>(d["max_lots"]);
    c.borrow_rate = series_of(d, "borrow_rate", n, 0.0, p, keep, e);
    c.multiplier = num(d, "multiplier", 1.0, p);
    c.margin = num(d, "margin", kNaN, p);
    if (d.contains("funding_times") && !d["funding_times"].is_none()) {
        CArray<std::int64_t> t = py::cast<CArray<std::int64_t>>(d["funding_times"]);
        const py::object rates = d.contains("funding_rates") ? py::object(d["funding_rates"]) : py::object(py::none());
        if (rates.is_none()) {
            e.add(p + "funding_rates", "None", "must be given with funding_times, one rate per time");
            return c;
        }
        CArray<double> r = py::cast<CArray<double>>(rates);
        if (t.ndim() != 1 || r.ndim() != 1 || t.shape(0) != r.shape(0)) {
            e.add(p + "funding_rates", "shape", "must be one rate per funding time");
        } else {
            c.funding_times = t.data();
            c.funding_rates = r.data();
            c.n_funding = t.shape(0);
            keep.arrays.push_back(t);
            keep.arrays.push_back(r);
        }
    }
    return c;
}

template <class T>
const T* column(const py::dict& d, const char* key, std::int64_t m, Keep& keep, FieldErrors& e, const std::string& p) {
    if (!d.contains(key) || d[key].is_none()) return nullptr;
    CArray<T> a = py::cast<CArray<T>>(d[key]);
    if (a.ndim() != 1 || a.shape(0) != m) {
        e.add(p + key, "shape", "must be one value per order (" + std::to_string(m) + ")");
        return nullptr;
    }
    keep.arrays.push_back(a);
    return a.data();
}

// An int64 code as the int8 enum, out-of-range codes as 127 (refused by validate).
template <class E>
E code(const std::int64_t* c, std::int64_t k, E def) {
    if (c == nullptr) return def;
    const std::int64_t v = c[k];
    return static_cast<E>(v < -128 || v > 127 ? 127 : v);
}

std::vector<OrderSpec> specs_of(const py::dict& d, std::int64_t n, bool has_times, const std::string& p, Keep& keep,
                                FieldErrors& e) {
    if (!d.contains("bar")) {
        e.add(p + "orders", "no 'bar'", "must be a dict of columns with at least 'bar' and 'side'");
        return {};
    }
    const std::size_t before = e.list().size();
    const py::array bars_arr = py::cast<py::array>(d["bar"]);
    const std::int64_t m = bars_arr.ndim() == 1 ? bars_arr.shape(0) : -1;
    const auto* bar = column<std::int64_t>(d, "bar", m, keep, e, p);
    const auto* side = column<std::int64_t>(d, "side", m, keep, e, p);
    const auto* type = column<std::int64_t>(d, "type", m, keep, e, p);
    const auto* intent = column<std::int64_t>(d, "intent", m, keep, e, p);
    const auto* size_type = column<std::int64_t>(d, "size_type", m, keep, e, p);
    const auto* tif_bars = column<std::int64_t>(d, "tif_bars", m, keep, e, p);
    const auto* tif_ns = column<std::int64_t>(d, "tif_ns", m, keep, e, p);
    const auto* tag = column<std::int64_t>(d, "tag", m, keep, e, p);
    const auto* lot = column<std::int64_t>(d, "lot", m, keep, e, p);
    const char* fnames[] = {"size", "limit", "stop", "sl", "tp", "sl_stop", "tp_stop", "tsl_stop", "tsl_offset"};
    const double* f[9];
    for (int k = 0; k < 9; ++k) f[k] = column<double>(d, fnames[k], m, keep, e, p);
    if (e.list().size() != before || bar == nullptr || side == nullptr) return {};
    std::vector<OrderSpec> specs(static_cast<std::size_t>(m));
    for (std::int64_t k = 0; k < m; ++k) {
        OrderSpec& s = specs[k];
        s.bar = bar[k];
        s.side = code<std::int8_t>(side, k, 1);
        s.type = code<OKind>(type, k, OKind::Market);
        s.intent = code<Intent>(intent, k, Intent::Open);
        s.size_type = code<SizeType>(size_type, k, SizeType::Percent);
        auto val = [&](int i, double def) { return f[i] ? f[i][k] : def; };
        s.size = val(0, 1.0);
        s.limit = val(1, kNaN), s.stop = val(2, kNaN), s.sl = val(3, kNaN), s.tp = val(4, kNaN);
        s.sl_stop = val(5, kNaN), s.tp_stop = val(6, kNaN), s.tsl_stop = val(7, kNaN), s.tsl_offset = val(8, kNaN);
        s.tif_bars = tif_bars ? tif_bars[k] : kNone;
        s.tif_ns = tif_ns ? tif_ns[k] : kNone;
        s.tag = tag ? tag[k] : kNone;
        s.lot = lot ? lot[k] : kNone;
        if (e.list().size() < before + kMaxOrderErrors) validate(s, n, has_times, e, p + "order " + std::to_string(k));
    }
    std::stable_sort(specs.begin(), specs.end(), [](const OrderSpec& a, const OrderSpec& b) { return a.bar < b.bar; });
    return specs;
}

struct SymbolData {
    SymbolIn in;
    std::vector<OrderSpec> specs;
    SimInputs signals;  // run's signals, when the symbol has them
    std::unique_ptr<Decider> signal_decider;
};

// d["signals"] = (plan, (entries, exits, short_entries, short_exits), (7 levels)): 1-D
// arrays of the symbol's bars (uint8 / float64, or None), run's rules placing the orders.
void signals_of(const py::tuple& t, SymbolData& sd, const std::string& p, Keep& keep, FieldErrors& e) {
    if (t.size() != 3) throw std::invalid_argument("signals: (plan, 4 signals, 7 levels)");
    const Plan& plan = py::cast<const Plan&>(t[0]);
    keep.arrays.push_back(t[0]);
    const py::tuple sig = py::cast<py::tuple>(t[1]), lvl = py::cast<py::tuple>(t[2]);
    const std::int64_t n = sd.in.bars.n;
    Signal* sp[4] = {&sd.signals.entries, &sd.signals.exits, &sd.signals.short_entries, &sd.signals.short_exits};
    Level* lp[7] = {&sd.signals.limit_price, &sd.signals.stop_price, &sd.signals.sl_price, &sd.signals.tp_price,
                    &sd.signals.size, &sd.signals.sl_stop, &sd.signals.tp_stop};
    if (sig.size() != 4 || lvl.size() != 7) throw std::invalid_argument("signals take 4 arrays, levels 7");
    for (int k = 0; k < 4; ++k) {
        if (sig[k].is_none()) continue;
        CArray<std::uint8_t> a = py::cast<CArray<std::uint8_t>>(sig[k]);
        if (a.ndim() != 1 || a.shape(0) != n) e.add(p + "signals", "shape", "must be one value per bar");
        else *sp[k] = {a.data(), 1};
        keep.arrays.push_back(a);
    }
    for (int k = 0; k < 7; ++k) {
        if (lvl[k].is_none()) continue;
        CArray<double> a = py::cast<CArray<double>>(lvl[k]);
        if (a.ndim() != 1 || a.shape(0) != n) e.add(p + "levels", "shape", "must be one value per bar");
        else *lp[k] = {a.data(), 1};
        keep.arrays.push_back(a);
    }
    sd.signal_decider = signal_decider(sd.signals, plan.params, n);
    sd.in.decider = sd.signal_decider.get();
}

void symbol_of(const py::dict& d, const std::string& p, SymbolData& sd, Keep& keep, FieldErrors& e) {
    const char* ohlc[] = {"open", "high", "low", "close"};
    py::array a[4];
    for (int k = 0; k < 4; ++k) {
        if (!d.contains(ohlc[k])) {
            e.add(p + ohlc[k], "missing", "every symbol needs open, high, low and close");
            return;
        }
        a[k] = py::cast<py::array>(d[ohlc[k]]);
        keep.arrays.push_back(a[k]);
    }
    const std::size_t before = e.list().size();
    sd.in.bars = bars_of(a[0], a[1], a[2], a[3], e);
    if (e.list().size() != before) return;
    const std::int64_t n = sd.in.bars.n;
    if (d.contains("times") && !d["times"].is_none()) {
        CArray<std::int64_t> t = py::cast<CArray<std::int64_t>>(d["times"]);
        if (t.ndim() != 1 || t.shape(0) != n) e.add(p + "times", "shape", "must be one int64 per bar");
        else sd.in.bars.times = t.data();
        keep.arrays.push_back(t);
    }
    validate(sd.in.bars, e);
    const bool has_times = sd.in.bars.times != nullptr;
    const py::dict costs = d.contains("costs") ? py::cast<py::dict>(d["costs"]) : py::dict();
    sd.in.costs = costs_of(costs, n, p, keep, e);
    validate(sd.in.costs, n, has_times, e, p);
    if (d.contains("orders") && !d["orders"].is_none())
        sd.specs = specs_of(py::cast<py::dict>(d["orders"]), n, has_times, p, keep, e);
    if (d.contains("signals") && !d["signals"].is_none()) signals_of(py::cast<py::tuple>(d["signals"]), sd, p, keep, e);
}

py::dict orders_out(const std::vector<Order>& r);
py::dict trades_out(const std::vector<Trade>& r);
py::dict charges_out(const std::vector<Charge>& r);

template <class Rec, class F, class Get>
py::array_t<F> col(const std::vector<Rec>& recs, Get get) {
    py::array_t<F> out(static_cast<py::ssize_t>(recs.size()));
    F* p = out.mutable_data();
    for (std::size_t k = 0; k < recs.size(); ++k) p[k] = static_cast<F>(get(recs[k]));
    return out;
}

#define TX_COL(d, Rec, F, name, expr) d[name] = col<Rec, F>(r, [](const Rec& x) { return expr; })

py::dict orders_out(const std::vector<Order>& r) {
    py::dict d;
    TX_COL(d, Order, std::int64_t, "id", x.id);
    TX_COL(d, Order, std::int64_t, "parent", x.parent);
    TX_COL(d, Order, std::int8_t, "kind", static_cast<int>(x.kind));
    TX_COL(d, Order, std::int8_t, "side", x.side);
    TX_COL(d, Order, std::int8_t, "intent", static_cast<int>(x.intent));
    TX_COL(d, Order, double, "size", x.size);
    TX_COL(d, Order, std::int64_t, "placed_bar", x.placed_bar);
    TX_COL(d, Order, std::int8_t, "status", static_cast<int>(x.status));
    TX_COL(d, Order, std::int64_t, "fill_bar", x.fill_bar);
    TX_COL(d, Order, double, "fill_price", x.fill_price);
    TX_COL(d, Order, double, "fees", x.fees);
    TX_COL(d, Order, std::int8_t, "reason", static_cast<int>(x.reason));
    TX_COL(d, Order, std::int64_t, "tag", x.tag);
    TX_COL(d, Order, std::int64_t, "seq", x.seq);
    return d;
}

py::dict trades_out(const std::vector<Trade>& r) {
    py::dict d;
    TX_COL(d, Trade, std::int64_t, "lot", x.lot);
    TX_COL(d, Trade, std::int8_t, "side", x.side);
    TX_COL(d, Trade, double, "size", x.size);
    TX_COL(d, Trade, std::int64_t, "entry_bar", x.entry_bar);
    TX_COL(d, Trade, double, "entry_price", x.entry_price);
    TX_COL(d, Trade, std::int64_t, "exit_bar", x.exit_bar);
    TX_COL(d, Trade, double, "exit_price", x.exit_price);
    TX_COL(d, Trade, double, "fees", x.fees);
    TX_COL(d, Trade, double, "borrow", x.borrow);
    TX_COL(d, Trade, double, "funding", x.funding);
    TX_COL(d, Trade, double, "pnl", x.pnl);
    TX_COL(d, Trade, double, "return", x.ret);
    TX_COL(d, Trade, std::int8_t, "exit_reason", static_cast<int>(x.exit_reason));
    TX_COL(d, Trade, double, "sl", x.sl);
    TX_COL(d, Trade, double, "tp", x.tp);
    TX_COL(d, Trade, double, "tsl", x.tsl);
    TX_COL(d, Trade, std::int64_t, "tag", x.tag);
    return d;
}

py::dict charges_out(const std::vector<Charge>& r) {
    py::dict d;
    TX_COL(d, Charge, std::int64_t, "bar", x.bar);
    TX_COL(d, Charge, std::int8_t, "kind", static_cast<int>(x.kind));
    TX_COL(d, Charge, double, "amount", x.amount);
    return d;
}

#undef TX_COL

// Thrown through the core when a Python decider raised; the binding restores the error.
struct DeciderRaised {};

// A strategy written in Python: fn(j, book) at every bar's close from bar `start` on, with
// the GIL held. The book's Python object is made once, not per bar.
class PyDecider final : public Decider {
public:
    PyDecider(py::object fn, std::int64_t start) : fn_(std::move(fn)), start_(start) {}
    ~PyDecider() override {
        py::gil_scoped_acquire gil;
        fn_ = py::object();
        book_obj_ = py::object();
        error_.reset();
    }
    std::int64_t active_from(std::int64_t j) override { return std::max(j, start_); }
    void decide(std::int64_t j, Book& book) override {
        py::gil_scoped_acquire gil;
        try {
            if (&book != book_) {
                book_obj_ = py::cast(&book, py::return_value_policy::reference);
                book_ = &book;
            }
            fn_(j, book_obj_);
        } catch (py::error_already_set& e) {
            error_ = std::make_unique<py::error_already_set>(std::move(e));
            throw DeciderRaised{};
        }
    }
    std::unique_ptr<py::error_already_set> error_;

private:
    py::object fn_;
    std::int64_t start_;
    const Book* book_ = nullptr;
    py::object book_obj_;
};

py::list run_groups(const py::list& groups, const py::dict& params, const CancelToken* cancel) {
    FieldErrors e;
    Keep keep;
    GroupParams g;
    g.init_cash = num(params, "init_cash", 10000.0, "");
    g.execution = choice<Execution>(params, "execution", e);
    g.intrabar = choice<Intrabar>(params, "intrabar", e);
    g.close_at_end = !params.contains("close_at_end") || py::cast<bool>(params["close_at_end"]);
    if (!(std::isfinite(g.init_cash) && g.init_cash > 0))
        e.add("init_cash", repr(g.init_cash), "must be a finite amount > 0");
    std::vector<std::vector<SymbolData>> data(groups.size());
    std::vector<std::unique_ptr<PyDecider>> deciders;
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        const py::list syms = py::cast<py::list>(groups[gi]);
        if (syms.empty()) e.add("groups[" + std::to_string(gi) + "]", "[]", "a group needs at least one symbol");
        data[gi].resize(syms.size());
        for (std::size_t k = 0; k < syms.size(); ++k) {
            const py::dict d = py::cast<py::dict>(syms[k]);
            const std::string name = d.contains("name") ? py::str(d["name"]).cast<std::string>() : std::to_string(k);
            symbol_of(d, name + ": ", data[gi][k], keep, e);
            if (d.contains("decider") && !d["decider"].is_none()) {
                const std::int64_t from = d.contains("decider_from") ? py::cast<std::int64_t>(d["decider_from"]) : 0;
                deciders.push_back(std::make_unique<PyDecider>(py::reinterpret_borrow<py::object>(d["decider"]), from));
                data[gi][k].in.decider = deciders.back().get();
            }
        }
        for (std::size_t k = 1; k < data[gi].size(); ++k)
            if (data[gi][k].in.bars.n != data[gi][0].in.bars.n)
                e.add("data", "symbol " + std::to_string(k), "every symbol of a group needs the same bars");
    }
    e.throw_if_any();
    std::vector<std::vector<SymbolIn>> ins(groups.size());
    for (std::size_t gi = 0; gi < groups.size(); ++gi)
        for (SymbolData& sd : data[gi]) {
            sd.in.orders = sd.specs.data();
            sd.in.n_orders = static_cast<std::int64_t>(sd.specs.size());
            ins[gi].push_back(sd.in);
        }
    std::vector<GroupOut> outs(groups.size());
    std::vector<py::array_t<double>> cols;  // per group: equity, cash, then position, margin per symbol
    for (std::size_t gi = 0; gi < ins.size(); ++gi) {
        const py::ssize_t n = ins[gi].empty() ? 0 : ins[gi][0].bars.n;
        auto make = [&]() {
            cols.emplace_back(n);
            return Column{cols.back().mutable_data(), 1};
        };
        outs[gi].equity = make();
        outs[gi].cash = make();
        outs[gi].symbols.resize(ins[gi].size());
        for (SymbolOut& so : outs[gi].symbols) so.position = make(), so.margin = make();
    }
    try {
        if (deciders.empty()) {
            py::gil_scoped_release release;
            const CancelCheck check(cancel);
            parallel_ranges(ins.size(), 1, cancel, [&](std::size_t b, std::size_t end) {
                for (std::size_t k = b; k < end; ++k) simulate(ins[k], g, outs[k], check);
            });
        } else {  // Python strategies: one group after the other on this thread, the GIL kept
            const CancelCheck check(cancel);  // (next() runs bytecode, so other threads still get turns)
            for (std::size_t k = 0; k < ins.size(); ++k) simulate(ins[k], g, outs[k], check);
        }
    } catch (const DeciderRaised&) {
        for (auto& d : deciders)
            if (d->error_) {
                d->error_->restore();
                throw py::error_already_set();
            }
        throw;
    }
    py::list result;
    std::size_t next = 0;
    for (GroupOut& o : outs) {
        py::dict gd;
        gd["equity"] = cols[next++];
        gd["cash"] = cols[next++];
        py::list syms;
        for (SymbolOut& s : o.symbols) {
            py::dict sd;
            sd["position"] = cols[next++];
            sd["margin"] = cols[next++];
            sd["orders"] = orders_out(s.orders);
            sd["trades"] = trades_out(s.trades);
            sd["charges"] = charges_out(s.charges);
            syms.append(sd);
        }
        gd["symbols"] = syms;
        result.append(gd);
    }
    return result;
}

py::dict enums() {
    py::dict d;
    d["kind"] = std::vector<std::string>{"market", "limit", "stop", "stop_limit", "stop_loss", "take_profit",
                                         "trailing_stop"};
    d["intent"] = std::vector<std::string>{"open", "add", "reduce", "close", "net"};
    d["status"] = std::vector<std::string>{"working", "filled", "cancelled", "expired", "rejected"};
    d["reason"] = std::vector<std::string>{
        "", "signal", "strategy", "limit", "stop", "stop_loss", "take_profit", "trailing_stop", "end_of_data",
        "liquidation", "expiry", "replaced", "user", "oco", "position_closed", "insufficient_cash", "invalid_size",
        "missing_price", "no_position", "pyramiding_cap"};
    d["size_type"] = std::vector<std::string>{"percent", "value", "units", "target_percent"};
    d["charge"] = std::vector<std::string>{"borrow", "funding"};
    return d;
}

}  // namespace

OrderSpec spec_of(std::int64_t side, std::int64_t type, std::int64_t intent, std::int64_t size_type, double size,
                  double limit, double stop, std::int64_t tif_bars, std::int64_t tif_ns, double sl, double tp,
                  double sl_stop, double tp_stop, double tsl_stop, double tsl_offset, std::int64_t tag,
                  std::int64_t lot) {
    OrderSpec s;
    s.side = code<std::int8_t>(&side, 0, 1);
    s.type = code<OKind>(&type, 0, OKind::Market);
    s.intent = code<Intent>(&intent, 0, Intent::Open);
    s.size_type = code<SizeType>(&size_type, 0, SizeType::Percent);
    s.size = size, s.limit = limit, s.stop = stop, s.tif_bars = tif_bars, s.tif_ns = tif_ns;
    s.sl = sl, s.tp = tp, s.sl_stop = sl_stop, s.tp_stop = tp_stop, s.tsl_stop = tsl_stop, s.tsl_offset = tsl_offset;
    s.tag = tag;
    s.lot = lot;
    return s;
}

void bind_book(py::module_& m) {
    py::class_<Book, std::unique_ptr<Book, py::nodelete>>(
        m, "OrderBook", "One symbol's orders and lots, as a strategy sees them at a bar's close (valid during the call only).")
        .def_property_readonly("position", &Book::position)
        .def_property_readonly("cash", &Book::cash)
        .def_property_readonly("equity", &Book::equity)
        .def("place", [](Book& b, std::int64_t j, std::int64_t side, std::int64_t type, std::int64_t intent,
                         std::int64_t size_type, double size, double limit, double stop, std::int64_t tif_bars,
                         std::int64_t tif_ns, double sl, double tp, double sl_stop, double tp_stop, double tsl_stop,
                         double tsl_offset, std::int64_t tag, std::int64_t lot) {
            const OrderSpec s = spec_of(side, type, intent, size_type, size, limit, stop, tif_bars, tif_ns, sl, tp,
                                        sl_stop, tp_stop, tsl_stop, tsl_offset, tag, lot);
            FieldErrors e;
            OrderSpec at = s;
            at.bar = j;
            validate(at, b.bars(), b.has_times(), e, "order");
            if (b.stepping() && tif_ns != kNone)
                e.add("order: tif", "timedelta", "a Stepper takes a number of bars (a duration needs the next bar's time)");
            e.throw_if_any();
            return b.place(s, j, Origin::Strategy);
        }, py::arg("j"), py::arg("side"), py::arg("type"), py::arg("intent"), py::arg("size_type"), py::arg("size"),
           py::arg("limit"), py::arg("stop"), py::arg("tif_bars"), py::arg("tif_ns"), py::arg("sl"), py::arg("tp"),
           py::arg("sl_stop"), py::arg("tp_stop"), py::arg("tsl_stop"), py::arg("tsl_offset"), py::arg("tag"),
           py::arg("lot") = kNone)
        .def("cancel", [](Book& b, std::int64_t id, std::int64_t j) { b.cancel(id, OReason::User, j); })
        .def("set_sl", &Book::set_sl)
        .def("set_tp", &Book::set_tp)
        .def("working", [](const Book& b) {
            std::vector<std::int64_t> ids;
            b.working(ids);
            return ids;
        })
        .def("lots", [](const Book& b) {
            py::list out;
            for (const Lot& L : b.lots())
                out.append(py::make_tuple(L.id, static_cast<int>(L.dir), L.size, L.entry_bar, L.entry_price, L.sl, L.tp,
                                          L.parent, L.entry_fees));
            return out;
        }, "(id, dir, size, entry_bar, entry_price, sl, tp, parent order, entry fees) of each open lot, oldest first.")
        .def("order", [](const Book& b, std::int64_t id) {
            const Order& o = b.orders().at(static_cast<std::size_t>(id));
            return py::make_tuple(static_cast<int>(o.kind), static_cast<int>(o.side), static_cast<int>(o.intent),
                                  static_cast<int>(o.status), static_cast<int>(o.reason), o.size, o.limit, o.stop,
                                  o.placed_bar, o.fill_bar, o.fill_price, o.tag);
        }, "(kind, side, intent, status, reason, size, limit, stop, placed_bar, fill_bar, fill_price, tag) codes of order id.")
        .def("orders_since", [](const Book& b, std::int64_t j) {
            py::list out;
            for (const Order& o : b.orders())
                if (o.status != OStatus::Dropped && (o.placed_bar >= j || o.fill_bar >= j))
                    out.append(py::make_tuple(o.id, o.parent, static_cast<int>(o.kind), static_cast<int>(o.side),
                                              static_cast<int>(o.intent), o.size, o.placed_bar,
                                              static_cast<int>(o.status), o.fill_bar, o.fill_price, o.fees,
                                              static_cast<int>(o.reason), o.tag, o.limit, o.stop));
            return out;
        }, "(id, parent, kind, side, intent, size, placed_bar, status, fill_bar, fill_price, fees, reason, tag, limit, stop) of the orders placed or ended at bar j or later.")
        .def("closed", [](const Book& b, std::size_t from) {
            py::list out;
            const auto& t = b.trades();
            for (std::size_t k = from; k < t.size(); ++k)
                out.append(py::make_tuple(t[k].lot, static_cast<int>(t[k].side), t[k].size, t[k].entry_bar,
                                          t[k].exit_bar, t[k].entry_price, t[k].exit_price, t[k].pnl,
                                          static_cast<int>(t[k].exit_reason)));
            return out;
        }, py::arg("from") = 0,
        "(lot, side, size, entry_bar, exit_bar, entry_price, exit_price, pnl, exit reason code) of the closed trades from `from` on.");
}

// A Stepper with its strategy and costs (the costs' arrays are scalars here).
struct PyStepper {
    Keep keep;
    std::unique_ptr<PyDecider> decider;
    std::unique_ptr<Stepper> stepper;

    PyStepper(const py::dict& costs, const py::dict& params, const py::object& fn) {
        FieldErrors e;
        GroupParams g;
        g.init_cash = num(params, "init_cash", 10000.0, "");
        g.execution = choice<Execution>(params, "execution", e);
        g.intrabar = choice<Intrabar>(params, "intrabar", e);
        if (!(std::isfinite(g.init_cash) && g.init_cash > 0))
            e.add("init_cash", repr(g.init_cash), "must be a finite amount > 0");
        const Costs c = costs_of(costs, 1, "", keep, e);
        if (c.spread.data || c.spread_abs.data || c.borrow_rate.data)
            e.add("costs", "per-bar array", "a Stepper takes scalar costs");
        if (c.n_funding > 0) e.add("funding", "given", "is not supported by the Stepper yet");
        validate(c, 1, true, e, "");
        e.throw_if_any();
        if (!fn.is_none()) decider = std::make_unique<PyDecider>(fn, 0);
        stepper = std::make_unique<Stepper>(c, g, decider.get());
    }

    std::int64_t step(double o, double h, double l, double c, const py::object& t) {
        const std::int64_t ns = t.is_none() ? Stepper::kNoTime : py::cast<std::int64_t>(t);
        try {
            return stepper->step(o, h, l, c, ns);
        } catch (const DeciderRaised&) {
            decider->error_->restore();
            decider->error_.reset();
            throw py::error_already_set();
        }
    }
};

void bind_orders(py::module_& m) {
    bind_book(m);
    py::class_<PyStepper>(m, "OrderStepper", "One symbol stepped one bar at a time on the order core (docs/orders.md § 13).")
        .def(py::init<const py::dict&, const py::dict&, const py::object&>(), py::arg("costs"), py::arg("params"),
             py::arg("decider"))
        .def("step", &PyStepper::step, py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"),
             py::arg("time") = py::none(), "Runs the next bar; returns its index.")
        .def_property_readonly("book", [](PyStepper& s) -> Book& { return s.stepper->book(); },
                               py::return_value_policy::reference_internal)
        .def_property_readonly("bars", [](const PyStepper& s) { return s.stepper->bars(); })
        .def_property_readonly("equity", [](const PyStepper& s) { return s.stepper->equity(); });
    m.def("orders_enums", &enums, "The order-level records' codes: name lists indexed by code.");
    m.def("orders_run", &run_groups, py::arg("groups"), py::arg("params"), py::arg("cancel") = nullptr,
          "Run groups of symbols (each group one cash account) on the order-level core (docs/orders.md).");
}

}  // namespace threadx::bind
