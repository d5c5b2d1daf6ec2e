#pragma once
// The one table of backtest options: name, kind, default, rule, doc, whether a sweep
// takes it.  threadx.backtest.run's options, BacktestRequest's fields, sweep's
// options and the bindings' parameter parser all derive from it (or are tested
// against it); the enums' names are the `choices` here and nowhere else.
#include <cstdint>
#include <string>
#include <vector>

#include "threadx/backtest/engine.hpp"

namespace threadx::backtest {

enum class OptionKind : int {
    Number,          // a finite float (the engine's Params field)
    Choice,          // one of `choices` (the enum's value is the choice's index)
    Flag,            // True or False
    Size,            // a float, or None = all in
    Stop,            // a float > 0, or None = none (NaN in Params)
    Expiry,          // Python only: bars (int) or a timedelta -> Params' expiry_bars / expiry_ns
    TimeBound,       // Python only: a timestamp (or a bar position) bounding the bars kept
    PeriodsPerYear,  // Python only: stats' annualisation, None = inferred from the index
};

// A Python default: None, a number, a bool or a string.
struct OptionDefault {
    enum class Type : int { None, Number, Bool, Text } type = Type::None;
    double number = 0.0;
    bool flag = false;
    const char* text = "";
};

struct Option {
    const char* name;
    OptionKind kind;
    OptionDefault def;
    std::vector<std::string> choices;  // Choice only, in the enum's order
    const char* rule;                  // what is accepted, as error messages say it
    const char* doc;
    bool sweep;    // threadx.backtest.sweep passes it on
    bool python;   // only Python reads it (not a Params field)
    // Params access (null for Python-only options): numbers as they are, choices as
    // their index, flags as 0/1, None-able values as NaN.
    void (*set)(Params&, double);
    double (*get)(const Params&);
};

// Every option, in threadx.backtest.run's order.
const std::vector<Option>& options();
// The option called `name`; throws std::out_of_range for an unknown one.
const Option& option(const std::string& name);
// The index of `value` in the option's choices, or -1.
int choice_index(const Option& o, const std::string& value);
// "'a', 'b', 'c'": the choices as error messages list them.
std::string choice_list(const Option& o);

// The rule of periods_per_year (the PeriodsPerYear option): a finite number > 0.  The one
// definition: run, sweep and rebalance (through _core.backtest.check_periods_per_year),
// the core's sweep() and the stats all apply it.
void check_periods_per_year(double v, FieldErrors& errors);

// How often each rule set has run since the process started (tests prove a call
// validates once): "params" = validate(Params), "combos" = validate_combos.
struct RuleCounts {
    std::int64_t params = 0, combos = 0;
};
RuleCounts rule_counts();
void count_params_rules();
void count_combo_rules();

}  // namespace threadx::backtest
