// What the backtest, sweep and portfolio bindings share (backtest_convert.hpp).
#include "backtest_convert.hpp"

namespace threadx::bind {

using namespace threadx::backtest;

double number(const py::dict& d, const char* key, double def) {
    if (!d.contains(key) || d[key].is_none()) return def;
    return py::cast<double>(d[key]);
}

Params params_from(const py::dict& d, FieldErrors& errors) {
    Params p;
    p.init_cash = number(d, "init_cash", p.init_cash);
    p.fees = number(d, "fees", p.fees);
    p.fixed_fees = number(d, "fixed_fees", p.fixed_fees);
    p.slippage = number(d, "slippage", p.slippage);
    p.size = number(d, "size", p.size);
    p.size_type = choice<SizeType>(d, "size_type", {"percent", "value", "units", "target_percent"}, errors);
    p.fractional = d.contains("fractional") && py::cast<bool>(d["fractional"]);
    p.leverage = number(d, "leverage", p.leverage);
    p.execution = choice<Execution>(d, "execution", {"open", "close"}, errors);
    p.order_type = choice<OrderType>(d, "order_type", {"market", "limit", "stop", "stop_limit"}, errors);
    p.expiry_bars = static_cast<std::int64_t>(number(d, "expiry_bars", 0));
    p.expiry_ns = static_cast<std::int64_t>(number(d, "expiry_ns", 0));
    p.sl_stop = number(d, "sl_stop", kNaN);
    p.tp_stop = number(d, "tp_stop", kNaN);
    p.tsl_stop = number(d, "tsl_stop", kNaN);
    p.tsl_offset = number(d, "tsl_offset", kNaN);
    p.intrabar = choice<Intrabar>(d, "intrabar", {"backtesting", "nearest", "ohlc", "olhc"}, errors);
    p.close_at_end = !d.contains("close_at_end") || py::cast<bool>(d["close_at_end"]);
    validate(p, errors);
    return p;
}

const double* c_array(const py::array& a, const char* field, std::initializer_list<py::ssize_t> shape,
                      FieldErrors& errors) {
    require_float64(a, field, errors);
    bool ok = a.ndim() == static_cast<py::ssize_t>(shape.size()) && (a.flags() & py::array::c_style);
    std::string want;
    py::ssize_t axis = 0;
    for (py::ssize_t len : shape) {
        want += (axis ? ", " : "") + (len < 0 ? std::string("any") : std::to_string(len));
        ok = ok && (len < 0 || a.shape(axis) == len);
        ++axis;
    }
    if (!ok) {
        errors.add(field, "shape", "must be a C-contiguous float64 array of shape (" + want + ")");
        return nullptr;
    }
    return static_cast<const double*>(a.data());
}

Bars bars_of(const py::array& open, const py::array& high, const py::array& low, const py::array& close,
             FieldErrors& errors) {
    Bars bars;
    bars.n = open.ndim() == 1 ? open.shape(0) : 0;
    bars.open = c_array(open, "open", {bars.n}, errors);
    bars.high = c_array(high, "high", {bars.n}, errors);
    bars.low = c_array(low, "low", {bars.n}, errors);
    bars.close = c_array(close, "close", {bars.n}, errors);
    return bars;
}

namespace {

template <class Rec, class F>
py::array_t<F> column_of(const std::vector<Rec>& recs, F (*get)(const Rec&)) {
    py::array_t<F> out(static_cast<py::ssize_t>(recs.size()));
    F* p = out.mutable_data();
    for (std::size_t k = 0; k < recs.size(); ++k) p[k] = get(recs[k]);
    return out;
}

}  // namespace

py::dict orders_dict(const std::vector<OrderRecord>& r) {
    py::dict d;
    d["sim"] = column_of<OrderRecord, std::int64_t>(r, [](const OrderRecord& x) { return x.sim; });
    d["kind"] = column_of<OrderRecord, std::int8_t>(r, [](const OrderRecord& x) { return static_cast<std::int8_t>(x.kind); });
    d["side"] = column_of<OrderRecord, std::int8_t>(r, [](const OrderRecord& x) { return x.side; });
    d["status"] = column_of<OrderRecord, std::int8_t>(r, [](const OrderRecord& x) { return static_cast<std::int8_t>(x.status); });
    d["reason"] = column_of<OrderRecord, std::int8_t>(r, [](const OrderRecord& x) { return static_cast<std::int8_t>(x.reason); });
    d["size"] = column_of<OrderRecord, double>(r, [](const OrderRecord& x) { return x.size; });
    d["placed_bar"] = column_of<OrderRecord, std::int64_t>(r, [](const OrderRecord& x) { return x.placed_bar; });
    d["fill_bar"] = column_of<OrderRecord, std::int64_t>(r, [](const OrderRecord& x) { return x.fill_bar; });
    d["fill_price"] = column_of<OrderRecord, double>(r, [](const OrderRecord& x) { return x.fill_price; });
    d["fees"] = column_of<OrderRecord, double>(r, [](const OrderRecord& x) { return x.fees; });
    return d;
}

py::dict trades_dict(const std::vector<TradeRecord>& r) {
    py::dict d;
    d["sim"] = column_of<TradeRecord, std::int64_t>(r, [](const TradeRecord& x) { return x.sim; });
    d["side"] = column_of<TradeRecord, std::int8_t>(r, [](const TradeRecord& x) { return x.side; });
    d["size"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.size; });
    d["entry_bar"] = column_of<TradeRecord, std::int64_t>(r, [](const TradeRecord& x) { return x.entry_bar; });
    d["entry_price"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.entry_price; });
    d["exit_bar"] = column_of<TradeRecord, std::int64_t>(r, [](const TradeRecord& x) { return x.exit_bar; });
    d["exit_price"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.exit_price; });
    d["fees"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.fees; });
    d["pnl"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.pnl; });
    d["return"] = column_of<TradeRecord, double>(r, [](const TradeRecord& x) { return x.ret; });
    d["exit_reason"] = column_of<TradeRecord, std::int8_t>(r, [](const TradeRecord& x) { return static_cast<std::int8_t>(x.exit_reason); });
    return d;
}

}  // namespace threadx::bind
