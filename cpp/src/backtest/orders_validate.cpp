// The rules for order-level inputs (docs/orders.md § 1.1 and § 8): every bad field of a
// call is reported at once, before any work.
#include <cmath>
#include <string>

#include "threadx/backtest/orders.hpp"

namespace threadx::backtest::orders {

namespace {

bool finite(double v) { return std::isfinite(v); }

std::string at_bar(const std::string& name, std::int64_t i) { return name + "[" + std::to_string(i) + "]"; }

// A scalar or per-bar series whose every value must satisfy `ok`.
template <class Ok>
void check_series(const Series& s, std::int64_t n, const std::string& name, const char* rule, Ok ok,
                  FieldErrors& e) {
    if (s.data == nullptr) {
        if (!ok(s.scalar)) e.add(name, repr(s.scalar), rule);
        return;
    }
    for (std::int64_t i = 0; i < n; ++i)
        if (!ok(s[i])) {
            e.add(at_bar(name, i), repr(s[i]), rule);
            return;
        }
}

void check_amount(FieldErrors& e, const std::string& name, double v) {
    if (!(finite(v) && v >= 0)) e.add(name, repr(v), "must be a finite amount >= 0");
}

void check_unit_fraction(FieldErrors& e, const std::string& name, double v) {
    if (!(finite(v) && v >= 0 && v < 1)) e.add(name, repr(v), "must be a fraction in [0, 1)");
}

void check_funding(const Costs& c, bool has_times, FieldErrors& e, const std::string& p) {
    if (c.n_funding == 0) return;
    if (!has_times) e.add(p + "funding_times", "given", "needs timestamps on the bars (a DatetimeIndex)");
    for (std::int64_t k = 0; k < c.n_funding; ++k) {
        if (!finite(c.funding_rates[k])) {
            e.add(at_bar(p + "funding_rates", k), repr(c.funding_rates[k]), "must be finite");
            break;
        }
    }
    for (std::int64_t k = 1; k < c.n_funding; ++k) {
        if (c.funding_times[k] < c.funding_times[k - 1]) {
            e.add(at_bar(p + "funding_times", k), std::to_string(c.funding_times[k]) + "ns",
                  "must be sorted in time (it is before funding_times[" + std::to_string(k - 1) + "])");
            break;
        }
    }
}

}  // namespace

void validate(const Costs& c, std::int64_t n, bool has_times, FieldErrors& e, const std::string& p) {
    check_unit_fraction(e, p + "fees", c.fees);
    check_amount(e, p + "fixed_fees", c.fixed_fees);
    check_amount(e, p + "unit_fee", c.unit_fee);
    check_amount(e, p + "unit_fee_min", c.unit_fee_min);
    if (!(c.unit_fee_max > 0)) e.add(p + "unit_fee_max", repr(c.unit_fee_max), "must be a fraction of value > 0 (inf: none)");
    check_unit_fraction(e, p + "slippage", c.slippage);
    if (!(finite(c.leverage) && c.leverage > 0 && c.leverage <= 10))
        e.add(p + "leverage", repr(c.leverage), "must be in (0, 10]");
    if (c.max_lots < 1) e.add(p + "max_lots", std::to_string(c.max_lots), "must be >= 1 lot, or None");
    if (c.spread_given && c.spread_abs_given)
        e.add(p + "spread_abs", "given", "give spread (a fraction) or spread_abs (price units), not both");
    check_series(c.spread, n, p + "spread", "must be a fraction in [0, 1)",
                 [](double v) { return finite(v) && v >= 0 && v < 1; }, e);
    check_series(c.spread_abs, n, p + "spread_abs", "must be a finite price distance >= 0",
                 [](double v) { return finite(v) && v >= 0; }, e);
    check_series(c.borrow_rate, n, p + "borrow_rate", "must be a finite annual rate >= 0",
                 [](double v) { return finite(v) && v >= 0; }, e);
    check_funding(c, has_times, e, p);
    if (!(finite(c.multiplier) && c.multiplier > 0))
        e.add(p + "multiplier", repr(c.multiplier), "must be a finite number > 0");
    if (!std::isnan(c.margin) && !(finite(c.margin) && c.margin > 0))
        e.add(p + "margin", repr(c.margin), "must be a finite amount per contract > 0, or None");
}

void validate(const OrderSpec& s, std::int64_t n, bool has_times, FieldErrors& e, const std::string& w) {
    const std::string p = w + ": ";
    if (s.bar < 0 || s.bar >= n)
        e.add(p + "bar", std::to_string(s.bar), "must be a bar of the data, in [0, " + std::to_string(n) + ")");
    if (s.side != 1 && s.side != -1) e.add(p + "side", std::to_string(s.side), "must be 'buy' or 'sell'");
    if (static_cast<int>(s.type) < 0 || static_cast<int>(s.type) > static_cast<int>(OKind::StopLimit))
        e.add(p + "order_type", std::to_string(static_cast<int>(s.type)),
              "must be one of 'market', 'limit', 'stop', 'stop_limit'");
    if (static_cast<int>(s.intent) < 0 || static_cast<int>(s.intent) > static_cast<int>(Intent::Net))
        e.add(p + "intent", std::to_string(static_cast<int>(s.intent)),
              "must be one of 'open', 'add', 'reduce', 'close', 'net'");
    if (static_cast<int>(s.size_type) < 0 || static_cast<int>(s.size_type) > static_cast<int>(SizeType::TargetPercent))
        e.add(p + "size_type", std::to_string(static_cast<int>(s.size_type)),
              "must be one of 'percent', 'value', 'units', 'target_percent'");
    if (s.lot < kNone) e.add(p + "lot", std::to_string(s.lot), "must be a lot id >= 0, or none");
    if (s.lot != kNone && s.intent != Intent::Reduce)
        e.add(p + "lot", std::to_string(s.lot), "is for a 'reduce' order (a trade's close)");
    if (s.tif_bars != kNone && s.tif_bars < 1) e.add(p + "tif", std::to_string(s.tif_bars), "must be >= 1 bar, or None");
    if (s.tif_ns != kNone) {
        if (s.tif_ns <= 0) e.add(p + "tif", std::to_string(s.tif_ns) + "ns", "must be a duration > 0");
        else if (!has_times) e.add(p + "tif", "timedelta", "needs timestamps on the bars (a DatetimeIndex)");
    }
    for (auto [name, v] : {std::pair{"limit", s.limit}, std::pair{"stop", s.stop}, std::pair{"sl", s.sl},
                           std::pair{"tp", s.tp}})
        if (!std::isnan(v) && !(finite(v) && v > 0)) e.add(p + name, repr(v), "must be a finite price > 0, or NaN");
    auto fraction = [&](const char* name, double v, bool below_one) {
        if (std::isnan(v)) return;
        if (!(finite(v) && v > 0 && (!below_one || v < 1)))
            e.add(p + name, repr(v), below_one ? "must be in (0, 1), or NaN" : "must be a finite number > 0, or NaN");
    };
    fraction("sl_stop", s.sl_stop, true);
    fraction("tp_stop", s.tp_stop, false);
    fraction("tsl_stop", s.tsl_stop, true);
    fraction("tsl_offset", s.tsl_offset, false);
    if (!std::isnan(s.tsl_stop) && !std::isnan(s.tsl_offset))
        e.add(p + "tsl_offset", repr(s.tsl_offset), "give tsl_stop (a fraction) or tsl_offset (a price distance), not both");
}

}  // namespace threadx::backtest::orders
