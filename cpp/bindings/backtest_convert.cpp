// What the backtest, sweep and portfolio bindings share (backtest_convert.hpp).
#include "backtest_convert.hpp"

#include <cmath>

namespace threadx::bind {

using namespace threadx::backtest;

double number(const py::dict& d, const char* key, double def, FieldErrors& errors) {
    if (!d.contains(key) || d[key].is_none()) return def;
    try {
        return py::cast<double>(d[key]);
    } catch (const py::cast_error&) {
        errors.add(key, py::repr(d[key]), "must be a number");
        return def;
    }
}

int choice_of(const py::dict& d, const Option& o, FieldErrors& errors) {
    const int def = static_cast<int>(o.get(Params{}));
    if (!d.contains(o.name)) return def;
    const std::string v = py::str(d[o.name]);
    const int k = choice_index(o, v);
    if (k < 0) errors.add(o.name, repr(v), "must be one of " + choice_list(o));
    return k < 0 ? def : k;
}

namespace {

// An int64 field from a float, refused where the conversion would be undefined.
std::int64_t whole(const py::dict& d, const char* key, FieldErrors& errors) {
    const double v = number(d, key, 0, errors);
    if (std::abs(v) < 9.2e18) return static_cast<std::int64_t>(v);
    errors.add(key, repr(v), "must be an int64");
    return 0;
}

// A None-able option (Size, Stop): None (or absent) is NaN in Params; a NaN given is
// refused, as it would silently mean None.
double none_or_number(const py::dict& d, const Option& o, FieldErrors& errors) {
    const double v = number(d, o.name, kNaN, errors);
    if (std::isnan(v) && d.contains(o.name) && !d[o.name].is_none())
        errors.add(o.name, "nan", std::string("must be ") + o.rule + ", or None (NaN is not a value)");
    return v;
}

}  // namespace

Params params_from(const py::dict& d, FieldErrors& errors) {
    Params p;
    for (const Option& o : options()) {
        if (o.python) continue;
        const double def = o.get(p);
        switch (o.kind) {
            case OptionKind::Choice:
                o.set(p, static_cast<double>(choice_of(d, o, errors)));
                break;
            case OptionKind::Flag:
                o.set(p, d.contains(o.name) ? static_cast<double>(py::cast<bool>(d[o.name])) : def);
                break;
            case OptionKind::Size:
            case OptionKind::Stop:
                o.set(p, none_or_number(d, o, errors));
                break;
            default:
                o.set(p, number(d, o.name, def, errors));
        }
    }
    p.expiry_bars = whole(d, "expiry_bars", errors);
    p.expiry_ns = whole(d, "expiry_ns", errors);
    return p;
}

py::dict params_dict(const Params& p) {
    py::dict d;
    for (const Option& o : options()) {
        if (o.python) continue;
        const double v = o.get(p);
        if (o.kind == OptionKind::Choice) d[o.name] = o.choices[static_cast<std::size_t>(v)];
        else if (o.kind == OptionKind::Flag) d[o.name] = v != 0;
        else if (!std::isnan(v)) d[o.name] = v;
    }
    d["expiry_bars"] = p.expiry_bars;
    d["expiry_ns"] = p.expiry_ns;
    return d;
}

const double* c_array(const py::array& a, const char* field, std::initializer_list<py::ssize_t> shape,
                      FieldErrors& errors) {
    const std::size_t before = errors.list().size();
    require_float64(a, field, errors);
    if (errors.list().size() != before) return nullptr;  // another dtype or misaligned: never read
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
