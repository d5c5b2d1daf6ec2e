// The backtest options' table (options.hpp).
#include "threadx/backtest/options.hpp"

#include <atomic>
#include <cmath>
#include <stdexcept>

namespace threadx::backtest {

namespace {

using D = OptionDefault;
using K = OptionKind;

constexpr D none() { return {}; }
constexpr D num(double v) { return {D::Type::Number, v, false, ""}; }
constexpr D flag(bool v) { return {D::Type::Bool, 0.0, v, ""}; }
constexpr D text(const char* v) { return {D::Type::Text, 0.0, false, v}; }

template <class E>
double index_of(E e) { return static_cast<double>(static_cast<int>(e)); }

template <class E>
E enum_of(double v) { return static_cast<E>(static_cast<int>(v)); }

std::vector<Option> make_table() {
    return {
        {"init_cash", K::Number, num(10000.0), {}, "> 0", "starting cash", true, false,
         [](Params& p, double v) { p.init_cash = v; }, [](const Params& p) { return p.init_cash; }},
        {"fees", K::Number, num(0.0), {}, "in [0, 1)", "fraction of traded value per fill", true, false,
         [](Params& p, double v) { p.fees = v; }, [](const Params& p) { return p.fees; }},
        {"fixed_fees", K::Number, num(0.0), {}, ">= 0", "currency per fill", true, false,
         [](Params& p, double v) { p.fixed_fees = v; }, [](const Params& p) { return p.fixed_fees; }},
        {"slippage", K::Number, num(0.0), {}, "in [0, 1)",
         "fraction against the trader: buys fill at p * (1 + slippage), sells at p * (1 - slippage)", true, false,
         [](Params& p, double v) { p.slippage = v; }, [](const Params& p) { return p.slippage; }},
        {"size", K::Size, none(), {}, "> 0 (percent: in (0, 1]; target_percent: up to leverage)",
         "None = all in (1.0 of the size type 'percent')", true, false,
         [](Params& p, double v) { p.size = std::isnan(v) ? 1.0 : v; }, [](const Params& p) { return p.size; }},
        {"size_type", K::Choice, text("percent"), {"percent", "value", "units", "target_percent"},
         "one of the choices",
         "percent (of cash, times leverage), target_percent (a position worth size x equity), value (currency), "
         "units",
         true, false, [](Params& p, double v) { p.size_type = enum_of<SizeType>(v); },
         [](const Params& p) { return index_of(p.size_type); }},
        {"fractional", K::Flag, flag(false), {}, "True or False", "False: whole units (floor); True: any size",
         true, false, [](Params& p, double v) { p.fractional = v != 0; },
         [](const Params& p) { return p.fractional ? 1.0 : 0.0; }},
        {"leverage", K::Number, num(1.0), {}, "in (0, 10]", "buying power = available cash * leverage", true, false,
         [](Params& p, double v) { p.leverage = v; }, [](const Params& p) { return p.leverage; }},
        {"execution", K::Choice, text("open"), {"open", "close"}, "one of the choices",
         "market orders fill at the next bar's open or at the signal bar's close", true, false,
         [](Params& p, double v) { p.execution = enum_of<Execution>(v); },
         [](const Params& p) { return index_of(p.execution); }},
        {"order_type", K::Choice, text("market"), {"market", "limit", "stop", "stop_limit"}, "one of the choices",
         "entry order type", false, false, [](Params& p, double v) { p.order_type = enum_of<OrderType>(v); },
         [](const Params& p) { return index_of(p.order_type); }},
        {"expiry", K::Expiry, none(), {}, "bars (int in [1, 2**40]) or a positive timedelta",
         "pending entry orders live this many bars or this long", false, true, nullptr, nullptr},
        {"sl_stop", K::Stop, none(), {}, "in (0, 1)", "stop-loss distance, a fraction of the entry price", true,
         false, [](Params& p, double v) { p.sl_stop = v; }, [](const Params& p) { return p.sl_stop; }},
        {"tp_stop", K::Stop, none(), {}, "> 0", "take-profit distance, a fraction of the entry price", true, false,
         [](Params& p, double v) { p.tp_stop = v; }, [](const Params& p) { return p.tp_stop; }},
        {"tsl_stop", K::Stop, none(), {}, "in (0, 1)", "trailing stop distance, a fraction of the peak", true,
         false, [](Params& p, double v) { p.tsl_stop = v; }, [](const Params& p) { return p.tsl_stop; }},
        {"tsl_offset", K::Stop, none(), {}, "> 0, not with tsl_stop",
         "trailing stop as a price distance from the peak", true, false,
         [](Params& p, double v) { p.tsl_offset = v; }, [](const Params& p) { return p.tsl_offset; }},
        {"intrabar", K::Choice, text("backtesting"), {"backtesting", "nearest", "ohlc", "olhc"},
         "one of the choices", "price path inside a bar for stops", true, false,
         [](Params& p, double v) { p.intrabar = enum_of<Intrabar>(v); },
         [](const Params& p) { return index_of(p.intrabar); }},
        {"close_at_end", K::Flag, flag(true), {}, "True or False",
         "close an open position at the last bar's close (reason end_of_data)", true, false,
         [](Params& p, double v) { p.close_at_end = v != 0; },
         [](const Params& p) { return p.close_at_end ? 1.0 : 0.0; }},
        {"periods_per_year", K::PeriodsPerYear, none(), {}, "a finite number > 0, or None to infer it from the index",
         "bars per year for annualised stats", false, true, nullptr, nullptr},
        {"start", K::TimeBound, none(), {}, "a timestamp (a bar position without a DatetimeIndex), before end",
         "keep the bars with start <= time", true, true, nullptr, nullptr},
        {"end", K::TimeBound, none(), {}, "a timestamp (a bar position without a DatetimeIndex), after start",
         "keep the bars with time < end", true, true, nullptr, nullptr},
    };
}

std::atomic<std::int64_t> params_runs{0}, combo_runs{0};

}  // namespace

const std::vector<Option>& options() {
    static const std::vector<Option> table = make_table();
    return table;
}

const Option& option(const std::string& name) {
    for (const Option& o : options())
        if (name == o.name) return o;
    throw std::out_of_range("no backtest option " + name);
}

int choice_index(const Option& o, const std::string& value) {
    for (std::size_t k = 0; k < o.choices.size(); ++k)
        if (o.choices[k] == value) return static_cast<int>(k);
    return -1;
}

std::string choice_list(const Option& o) {
    std::string all;
    for (const auto& c : o.choices) all += (all.empty() ? "'" : ", '") + c + "'";
    return all;
}

void check_periods_per_year(double v, FieldErrors& errors) {
    if (!(std::isfinite(v) && v > 0)) errors.add("periods_per_year", repr(v), std::string("must be ") + option("periods_per_year").rule);
}

RuleCounts rule_counts() { return {params_runs.load(), combo_runs.load()}; }
void count_params_rules() { params_runs.fetch_add(1, std::memory_order_relaxed); }
void count_combo_rules() { combo_runs.fetch_add(1, std::memory_order_relaxed); }

}  // namespace threadx::backtest
