// C++ unit tests of the backtest core: hand-made fills, validation, many simulations
// equal single ones, the sweep's rows equal single simulations.  Exit code 0 = pass.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "threadx/backtest/engine.hpp"
#include "threadx/backtest/options.hpp"
#include "threadx/backtest/orders.hpp"
#include "threadx/backtest/portfolio.hpp"
#include "threadx/backtest/stats.hpp"
#include "threadx/backtest/sweep.hpp"

#include "check.hpp"

using namespace threadx;
using namespace threadx::backtest;

namespace {

using test::failures;

struct Data {
    std::vector<double> o, h, l, c;
    Bars bars() const { return {o.data(), h.data(), l.data(), c.data(), nullptr, static_cast<std::int64_t>(c.size())}; }
};

Data random_walk(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 g(seed);
    std::normal_distribution<double> step(0, 0.01);
    Data d;
    double p = 100;
    for (std::size_t i = 0; i < n; ++i) {
        const double o = p, c = p * std::exp(step(g));
        d.o.push_back(o);
        d.c.push_back(c);
        d.h.push_back(std::max(o, c) * (1 + std::abs(step(g)) / 2));
        d.l.push_back(std::min(o, c) * (1 - std::abs(step(g)) / 2));
        p = c;
    }
    return d;
}

struct Run {
    std::vector<double> eq, cash, pos;
    SimOut out;
    explicit Run(std::size_t n) : eq(n), cash(n), pos(n) {
        out.equity = {eq.data(), 1};
        out.cash = {cash.data(), 1};
        out.position = {pos.data(), 1};
    }
};

void test_market_fill_at_next_open() {
    Data d{{10, 12, 14, 16}, {11, 13, 15, 17}, {9, 11, 13, 15}, {10, 12, 14, 16}};
    std::vector<std::uint8_t> e{1, 0, 0, 0}, x{0, 1, 0, 0};
    SimInputs in;
    in.entries = {e.data(), 1};
    in.exits = {x.data(), 1};
    Params p;
    p.init_cash = 100;
    Run r(4);
    simulate(d.bars(), in, p, 0, r.out, CancelCheck(nullptr));
    CHECK(r.out.trades.size() == 1, "one trade, got %zu", r.out.trades.size());
    const TradeRecord& t = r.out.trades[0];
    CHECK(t.entry_bar == 1 && t.entry_price == 12 && t.exit_bar == 2 && t.exit_price == 14 && t.size == 8,
          "entry %lld@%g exit %lld@%g size %g", static_cast<long long>(t.entry_bar), t.entry_price,
          static_cast<long long>(t.exit_bar), t.exit_price, t.size);
    CHECK(r.eq[3] == 116, "final equity %g", r.eq[3]);
}

void test_validation_names_fields() {
    Params p;
    p.fees = 1.0;
    p.leverage = 20;
    p.sl_stop = 0;
    FieldErrors e;
    validate(p, e);
    CHECK(e.list().size() == 3, "three errors, got %zu", e.list().size());
    CHECK(!e.list().empty() && e.list()[0].field == "fees", "first field %s", e.list()[0].field.c_str());
}

void test_periods_per_year_has_one_rule() {
    const double bad[] = {0.0, -1.0, std::nan(""), INFINITY, -INFINITY};
    for (double v : bad) {
        FieldErrors e;
        check_periods_per_year(v, e);
        CHECK(e.list().size() == 1 && e.list()[0].field == "periods_per_year", "periods_per_year=%g refused", v);
    }
    FieldErrors ok;
    check_periods_per_year(252.0, ok);
    CHECK(ok.list().empty(), "periods_per_year=252 accepted");
}

void test_many_equal_single() {
    const std::size_t n = 2000, k = 8;
    const Data d = random_walk(n, 1);
    std::mt19937_64 g(2);
    std::bernoulli_distribution coin(0.03);
    std::vector<std::vector<std::uint8_t>> sig(4 * k, std::vector<std::uint8_t>(n));
    for (auto& s : sig)
        for (auto& v : s) v = coin(g);
    Params p;
    p.fees = 0.001;
    p.sl_stop = 0.02;
    p.tsl_stop = 0.03;
    p.intrabar = Intrabar::Nearest;
    std::vector<SimInputs> ins(k);
    std::vector<SimOut> outs(k);
    std::vector<Run> runs;
    runs.reserve(k);
    for (std::size_t c = 0; c < k; ++c) {
        ins[c].entries = {sig[4 * c].data(), 1};
        ins[c].exits = {sig[4 * c + 1].data(), 1};
        ins[c].short_entries = {sig[4 * c + 2].data(), 1};
        ins[c].short_exits = {sig[4 * c + 3].data(), 1};
        runs.emplace_back(n);
        outs[c] = runs[c].out;
    }
    simulate_many(d.bars(), ins, p, outs, nullptr);
    for (std::size_t c = 0; c < k; ++c) {
        Run one(n);
        simulate(d.bars(), ins[c], p, static_cast<std::int64_t>(c), one.out, CancelCheck(nullptr));
        bool same = one.out.trades.size() == outs[c].trades.size();
        for (std::size_t i = 0; same && i < n; ++i) same = one.eq[i] == runs[c].eq[i];
        CHECK(same, "simulation %zu differs from its single run", c);
    }
}

void test_sweep_rows_equal_single_runs() {
    const std::size_t n = 1500;
    const Data d = random_walk(n, 3);
    const std::vector<double> combos{5, 20, 10, 30, 8, 50};
    SweepSpec spec;
    spec.strategy = Strategy::DonchianBreakout;
    spec.combos = combos.data();
    spec.n_combos = 3;
    spec.params.fees = 0.001;
    const auto ns = sweep_stat_names().size();
    std::vector<double> stats(3 * ns), equity(3 * n);
    SweepOut out;
    out.stats = stats.data();
    out.equity = equity.data();
    sweep(d.bars(), spec, out, nullptr);
    const double final_equity = stats[stats::kEquityFinal], n_trades = stats[stats::kTrades];
    CHECK(final_equity == equity[n - 1], "row 0: final equity %g vs %g", final_equity, equity[n - 1]);
    CHECK(n_trades >= 1, "row 0 has trades (%g)", n_trades);
    FieldErrors e;
    const std::vector<double> bad{0, 20};
    validate_combos(Strategy::DonchianBreakout, bad.data(), 1, static_cast<std::int64_t>(n), e);
    CHECK(e.list().size() == 1 && e.list()[0].field == "entry", "entry=0 rejected");
}

// The option table's Python defaults are what a default Params holds (None: NaN, size
// None: all in = 1.0), and its setters and getters address the field they name.
void test_option_table_matches_params() {
    const Params p;
    for (const Option& o : options()) {
        if (o.python) {
            CHECK(!o.set && !o.get, "%s: a Python-only option has no Params field", o.name);
            continue;
        }
        const double v = o.get(p);
        double want = kNaN;
        switch (o.def.type) {
            case OptionDefault::Type::Number: want = o.def.number; break;
            case OptionDefault::Type::Bool: want = o.def.flag ? 1.0 : 0.0; break;
            case OptionDefault::Type::Text: want = choice_index(o, o.def.text); break;
            case OptionDefault::Type::None: want = o.kind == OptionKind::Size ? 1.0 : kNaN; break;
        }
        CHECK(v == want || (std::isnan(v) && std::isnan(want)), "%s: Params default %g, table %g", o.name, v, want);
        Params q;
        o.set(q, o.kind == OptionKind::Choice ? static_cast<double>(o.choices.size() - 1) : 0.5);
        const double got = o.get(q);
        CHECK(got == (o.kind == OptionKind::Choice ? static_cast<double>(o.choices.size() - 1)
                                                   : o.kind == OptionKind::Flag ? 1.0 : 0.5),
              "%s: set/get round trip gave %g", o.name, got);
    }
    CHECK(option("intrabar").choices.size() == 4 && choice_list(option("execution")) == "'open', 'close'",
          "choices as error messages list them");
}

void test_sweep_spec_validated_once() {
    const std::vector<double> combos{0, 20};
    SweepSpec spec;
    spec.strategy = Strategy::DonchianBreakout;
    spec.combos = combos.data();
    spec.n_combos = 1;
    spec.params.fees = 2.0;
    const RuleCounts before = rule_counts();
    FieldErrors e;
    validate(spec, 100, e);
    const RuleCounts after = rule_counts();
    CHECK(e.list().size() == 2, "fees and entry rejected (%zu errors)", e.list().size());
    CHECK(after.params - before.params == 1 && after.combos - before.combos == 1, "each rule set ran once");
}

// The shortcuts inside stats::compute against the plain formulas: the drawdown skip is
// exact, the telescoped geometric mean agrees to rounding, the order of trades does not matter.
void test_stats_shortcuts_equal_plain_formulas() {
    for (std::uint64_t seed = 10; seed < 40; ++seed) {
        const Data d = random_walk(300, seed);
        const std::vector<double>& e = d.c;
        std::vector<std::int64_t> entry{200, 10, 50}, exit{250, 60, 55};
        const std::vector<double> pnl{1, -2, 3}, ret{0.01, -0.02, 0.03};
        stats::Inputs in;
        in.equity = e;
        in.period_equity = e;
        in.periods_per_year = 252;
        in.trades = {entry, exit, pnl, ret};
        std::vector<double> row(stats::kCount), dd(e.size()), scratch;
        stats::compute(in, row.data(), scratch);
        stats::drawdown(e, dd);
        double max_dd = 0, log_sum = 0;
        for (std::size_t i = 0; i < e.size(); ++i) {
            max_dd = std::max(max_dd, dd[i]);
            if (i) log_sum += std::log(1.0 + (e[i] / e[i - 1] - 1.0));
        }
        CHECK(row[stats::kMaxDrawdown] == -max_dd * 100, "seed %llu: max dd %.17g vs %.17g",
              static_cast<unsigned long long>(seed), row[stats::kMaxDrawdown], -max_dd * 100);
        const double g = std::exp(log_sum / static_cast<double>(e.size() - 1)) - 1;
        const double ann = (std::pow(1 + g, 252.0) - 1) * 100;
        CHECK(std::abs(row[stats::kReturnAnn] - ann) <= 1e-10 * std::abs(ann) + 1e-12, "seed %llu: ann %.17g vs %.17g",
              static_cast<unsigned long long>(seed), row[stats::kReturnAnn], ann);
        CHECK(row[stats::kExposure] == (51.0 + 51.0) / 300 * 100, "seed %llu: exposure %g",
              static_cast<unsigned long long>(seed), row[stats::kExposure]);
    }
}

void test_rebalance_keeps_cash_non_negative() {
    const std::size_t n = 500, k = 3;
    std::vector<Data> assets{random_walk(n, 4), random_walk(n, 5), random_walk(n, 6)};
    std::vector<double> o(n * k), h(n * k), l(n * k), c(n * k), w(n * k, std::nan(""));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            o[i * k + j] = assets[j].o[i];
            h[i * k + j] = assets[j].h[i];
            l[i * k + j] = assets[j].l[i];
            c[i * k + j] = assets[j].c[i];
        }
    Panel pn{o.data(), h.data(), l.data(), c.data(), static_cast<std::int64_t>(n), static_cast<std::int64_t>(k)};
    weight_rule(pn, WeightRule::InverseVol, 50, 10, 0.0, w.data(), nullptr);
    PortfolioParams p;
    p.fees = 0.002;
    p.fixed_fees = 1;
    std::vector<double> eq(n), cash(n), pos(n * k);
    PortfolioOut out;
    out.equity = eq.data();
    out.cash = cash.data();
    out.positions = pos.data();
    rebalance(pn, w.data(), p, out, nullptr);
    double lowest = 0;
    for (double v : cash) lowest = std::min(lowest, v);
    CHECK(lowest >= -1e-9, "cash went to %g", lowest);
    CHECK(!out.orders.empty(), "rebalancing traded");
}

// The order core alone: pyramiding, a FIFO reduce across two lots, a bracket child
// cancelled when its lot closes, end of data (docs/orders.md §§ 3, 4.1, 6).
void test_orders_fifo_and_brackets() {
    namespace ob = threadx::backtest::orders;
    Data d{{100, 101, 102, 103, 104, 105}, {100, 101, 102, 103, 104, 105}, {100, 101, 102, 103, 104, 105},
           {100, 101, 102, 103, 104, 105}};
    std::vector<ob::OrderSpec> specs(3);
    specs[0].bar = 0, specs[0].size_type = SizeType::Units, specs[0].size = 10, specs[0].tp = 103.5;
    specs[1].bar = 1, specs[1].size_type = SizeType::Units, specs[1].size = 5;
    specs[2].bar = 2, specs[2].side = -1, specs[2].intent = ob::Intent::Reduce, specs[2].size_type = SizeType::Units;
    specs[2].size = 12;
    std::vector<ob::SymbolIn> syms(1);
    syms[0].bars = d.bars();
    syms[0].orders = specs.data();
    syms[0].n_orders = 3;
    std::vector<double> eq(6), cash(6), pos(6);
    ob::GroupOut out;
    out.equity = {eq.data(), 1};
    out.cash = {cash.data(), 1};
    out.symbols.resize(1);
    out.symbols[0].position = {pos.data(), 1};
    ob::simulate(syms, ob::GroupParams{}, out, CancelCheck(nullptr));
    const auto& t = out.symbols[0].trades;
    CHECK(t.size() == 3, "3 trade records (%zu)", t.size());
    if (t.size() == 3) {
        CHECK(t[0].size == 10 && t[0].pnl == 20 && t[0].lot == 0, "lot 0 closed whole: pnl %g", t[0].pnl);
        CHECK(t[1].size == 2 && t[1].pnl == 2 && t[1].lot == 1, "2 units of lot 1: pnl %g", t[1].pnl);
        CHECK(t[2].size == 3 && t[2].pnl == 9 && t[2].exit_reason == ob::OReason::EndOfData, "the rest at the end");
    }
    CHECK(eq[5] == 10031 && pos[3] == 3 && pos[5] == 0, "equity %g, position %g then %g", eq[5], pos[3], pos[5]);
    const auto& o = out.symbols[0].orders;
    CHECK(o.size() == 5 && o[1].kind == ob::OKind::TakeProfit && o[1].status == ob::OStatus::Cancelled &&
              o[1].reason == ob::OReason::PositionClosed,
          "the take-profit child is cancelled with its lot");
}

}  // namespace

int main() {
    test_orders_fifo_and_brackets();
    test_market_fill_at_next_open();
    test_validation_names_fields();
    test_periods_per_year_has_one_rule();
    test_many_equal_single();
    test_sweep_rows_equal_single_runs();
    test_option_table_matches_params();
    test_sweep_spec_validated_once();
    test_stats_shortcuts_equal_plain_formulas();
    test_rebalance_keeps_cash_non_negative();
    if (failures) {
        std::printf("%d failure(s)\n", failures);
        return 1;
    }
    std::printf("backtest tests passed\n");
    return 0;
}
