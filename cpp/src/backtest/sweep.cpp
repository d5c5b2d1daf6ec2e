// Parameter sweeps of the built-in strategies (see threadx/backtest/sweep.hpp).
#include "threadx/backtest/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <tbb/enumerable_thread_specific.h>

#include "threadx/backtest/options.hpp"
#include "threadx/backtest/stats.hpp"
#include "threadx/core/buffer.hpp"
#include "threadx/core/parallel.hpp"
#include "threadx/research/overfit.hpp"
#include "threadx/rolling/rolling.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::backtest {

namespace {

// ---------------------------------------------------------------- indicators
enum class Ind : int { Sma, Ema, Rsi, MaxHigh, MinLow, Quantile, Bbands };

struct Key {
    Ind ind;
    double a, b;  // period (window), and q for quantiles
    bool operator<(const Key& o) const { return std::tie(ind, a, b) < std::tie(o.ind, o.a, o.b); }
};

// One indicator column of the bars, computed with the same kernels as threadx.ta and
// threadx.rolling (so a sweep and a run() fed with those indicators agree).
void compute(const Bars& bars, const Key& k, double* out, const CancelToken* token) {
    const std::int64_t n = bars.n;
    const CancelCheck check(token);
    auto ta_run = [&](const char* name, const double* src, std::vector<double> params) {
        const ta::Info* info = ta::find(name);
        const ConstColumn in[1] = {{src, 1}};
        const Column o[1] = {{out, 1}};
        info->column(params.data(), in, n, o, check);
    };
    switch (k.ind) {
        case Ind::Sma: ta_run("SMA", bars.close, {k.a}); break;
        case Ind::Ema: ta_run("EMA", bars.close, {k.a}); break;
        case Ind::Rsi: ta_run("RSI", bars.close, {k.a}); break;
        case Ind::MaxHigh: ta_run("MAX", bars.high, {k.a}); break;
        case Ind::MinLow: ta_run("MIN", bars.low, {k.a}); break;
        case Ind::Quantile: {
            rolling::Spec spec;
            spec.stat = rolling::Stat::quantile;
            spec.window = static_cast<std::int64_t>(k.a);
            spec.q = {k.b};
            const ConstMatrix x{bars.close, n, 1, 1, n};
            const OutTensor o{out, n, 1, 1, 1, n, n};
            rolling::run(spec, x, nullptr, 0, o, token);
            break;
        }
        case Ind::Bbands: break;  // per combination (three outputs), see Signals
    }
}

// ---------------------------------------------------------------- strategies
struct StrategyDef {
    std::vector<std::string> params;
};

const StrategyDef& def_of(Strategy s) {
    static const StrategyDef defs[] = {
        {{"fast", "slow"}},
        {{"fast", "slow"}},
        {{"timeperiod", "lower", "upper"}},
        {{"timeperiod", "nbdev"}},
        {{"entry", "exit"}},
        {{"window", "lower_q", "upper_q"}},
    };
    return defs[static_cast<int>(s)];
}

// The shared indicators one combination reads.
std::vector<Key> keys_of(Strategy s, const double* c) {
    switch (s) {
        case Strategy::SmaCross: return {{Ind::Sma, c[0], 0}, {Ind::Sma, c[1], 0}};
        case Strategy::EmaCross: return {{Ind::Ema, c[0], 0}, {Ind::Ema, c[1], 0}};
        case Strategy::RsiThreshold: return {{Ind::Rsi, c[0], 0}};
        case Strategy::BbandsReversion: return {};
        case Strategy::DonchianBreakout:
            return {{Ind::MaxHigh, c[0], 0}, {Ind::MinLow, c[0], 0}, {Ind::MaxHigh, c[1], 0}, {Ind::MinLow, c[1], 0}};
        case Strategy::QuantileBand: return {{Ind::Quantile, c[0], c[1]}, {Ind::Quantile, c[0], c[2]}};
    }
    return {};
}

// Every shared indicator column, computed in parallel.  The block is not zero-filled
// first: each kernel writes every row of its column (its warm-up NaNs included), and a
// fill of keys x bars doubles would be a long pass (fresh pages cost ~11 us each here)
// that no cancellation check interrupts; the kernels check the token as they go.
class Indicators {
public:
    Indicators(const Bars& bars, Strategy s, const double* combos, std::int64_t n_combos, std::int64_t n_params,
               const CancelToken* token) {
        for (std::int64_t r = 0; r < n_combos; ++r)
            for (const Key& k : keys_of(s, combos + r * n_params)) slot_.emplace(k, 0);
        std::vector<Key> keys;
        for (auto& [k, slot] : slot_) {
            slot = static_cast<std::int64_t>(keys.size());
            keys.push_back(k);
        }
        data_.resize(keys.size() * static_cast<std::size_t>(bars.n));
        parallel_ranges(keys.size(), 1, token, [&](std::size_t b, std::size_t e) {
            for (std::size_t j = b; j < e; ++j) compute(bars, keys[j], data_.data() + j * bars.n, token);
        });
        n_ = bars.n;
    }
    const double* get(const Key& k) const { return data_.data() + slot_.at(k) * n_; }

private:
    std::map<Key, std::int64_t> slot_;
    Buffer<double> data_;
    std::int64_t n_ = 0;
};

// Signals of one combination into four byte columns (entries, exits, short entries, short
// exits).  The columns are not initialised: make() writes every row a simulation reads.
class Signals {
public:
    explicit Signals(std::int64_t n) : n_(n) { buf_.resize(static_cast<std::size_t>(4 * n)); }

    SimInputs make(const Bars& bars, Strategy s, bool short_side, const double* c, const Indicators& ind,
                   const CancelCheck& check) {
        std::uint8_t* up = buf_.data();           // long entry
        std::uint8_t* down = buf_.data() + n_;    // long exit
        std::uint8_t* sup = buf_.data() + 2 * n_;   // short entry
        std::uint8_t* sdown = buf_.data() + 3 * n_; // short exit
        const double* close = bars.close;
        up[0] = down[0] = sup[0] = sdown[0] = 0;  // every loop below writes the rest of its columns
        switch (s) {
            case Strategy::SmaCross:
            case Strategy::EmaCross: {
                const Ind kind = s == Strategy::SmaCross ? Ind::Sma : Ind::Ema;
                const double* f = ind.get({kind, c[0], 0});
                const double* sl = ind.get({kind, c[1], 0});
                for (std::int64_t i = 1; i < n_; ++i) {
                    up[i] = f[i] > sl[i] && f[i - 1] <= sl[i - 1];
                    down[i] = f[i] < sl[i] && f[i - 1] >= sl[i - 1];
                }
                mirror(up, down, sup, sdown, short_side);
                break;
            }
            case Strategy::RsiThreshold: {
                const double* r = ind.get({Ind::Rsi, c[0], 0});
                const double lo = c[1], hi = c[2];
                for (std::int64_t i = 1; i < n_; ++i) {
                    up[i] = r[i - 1] < lo && r[i] >= lo;    // crosses up through lower
                    down[i] = r[i - 1] < hi && r[i] >= hi;  // crosses up through upper
                    if (short_side) {
                        sup[i] = r[i - 1] > hi && r[i] <= hi;    // crosses down through upper
                        sdown[i] = r[i - 1] > lo && r[i] <= lo;  // crosses down through lower
                    }
                }
                break;
            }
            case Strategy::BbandsReversion: {
                const ta::Info* info = ta::find("BBANDS");
                const double p[4] = {c[0], c[1], c[1], 0.0};
                const ConstColumn in[1] = {{close, 1}};
                bb_.resize(static_cast<std::size_t>(3 * n_));
                const Column o[3] = {{bb_.data(), 1}, {bb_.data() + n_, 1}, {bb_.data() + 2 * n_, 1}};
                info->column(p, in, n_, o, check);
                const double *upper = bb_.data(), *mid = bb_.data() + n_, *lower = bb_.data() + 2 * n_;
                for (std::int64_t i = 0; i < n_; ++i) {
                    up[i] = close[i] < lower[i];
                    down[i] = close[i] > mid[i];
                    if (short_side) {
                        sup[i] = close[i] > upper[i];
                        sdown[i] = close[i] < mid[i];
                    }
                }
                break;
            }
            case Strategy::DonchianBreakout: {
                const double* hi_in = ind.get({Ind::MaxHigh, c[0], 0});
                const double* lo_in = ind.get({Ind::MinLow, c[0], 0});
                const double* hi_out = ind.get({Ind::MaxHigh, c[1], 0});
                const double* lo_out = ind.get({Ind::MinLow, c[1], 0});
                for (std::int64_t i = 1; i < n_; ++i) {  // channels of the previous bars
                    up[i] = close[i] > hi_in[i - 1];
                    down[i] = close[i] < lo_out[i - 1];
                    if (short_side) {
                        sup[i] = close[i] < lo_in[i - 1];
                        sdown[i] = close[i] > hi_out[i - 1];
                    }
                }
                break;
            }
            case Strategy::QuantileBand: {
                const double* ql = ind.get({Ind::Quantile, c[0], c[1]});
                const double* qu = ind.get({Ind::Quantile, c[0], c[2]});
                for (std::int64_t i = 0; i < n_; ++i) {
                    up[i] = close[i] < ql[i];
                    down[i] = close[i] > qu[i];
                    if (short_side) {
                        sup[i] = close[i] > qu[i];
                        sdown[i] = close[i] < ql[i];
                    }
                }
                break;
            }
        }
        SimInputs in;
        in.entries = {up, 1};
        in.exits = {down, 1};
        if (short_side) {
            in.short_entries = {sup, 1};
            in.short_exits = {sdown, 1};
        }
        return in;
    }

private:
    // a crossover's short side: enter on the downward cross, leave on the upward one
    void mirror(const std::uint8_t* up, const std::uint8_t* down, std::uint8_t* sup, std::uint8_t* sdown,
                bool short_side) const {
        if (!short_side) return;
        std::copy(down, down + n_, sup);
        std::copy(up, up + n_, sdown);
    }

    std::int64_t n_;
    Buffer<std::uint8_t> buf_;
    Buffer<double> bb_;  // BBANDS' three bands, per combination
};

// One combination's stats row through threadx/backtest/stats.hpp, as run() reports them
// with periods_per_year given (every bar a period).  Per thread: the buffers are reused.
class StatsRow {
public:
    void fill(const Bars& bars, const double* equity, const std::vector<TradeRecord>& trades, const SweepSpec& spec,
              double* row, const CancelCheck& check) {
        entry_.clear();
        exit_.clear();
        pnl_.clear();
        ret_.clear();
        for (const TradeRecord& t : trades) {
            entry_.push_back(t.entry_bar);
            exit_.push_back(t.exit_bar);
            pnl_.push_back(t.pnl);
            ret_.push_back(t.ret);
        }
        const std::span<const double> eq(equity, static_cast<std::size_t>(bars.n));
        stats::Inputs in;
        in.equity = eq;
        in.period_equity = eq;
        in.periods_per_year = spec.periods_per_year;
        in.years = spec.years;
        in.close = {bars.close, static_cast<std::size_t>(bars.n)};
        in.trades = {entry_, exit_, pnl_, ret_};
        stats::compute(in, row, scratch_, check);
    }

private:
    std::vector<std::int64_t> entry_, exit_;
    std::vector<double> pnl_, ret_, scratch_;
};

// What one thread of a sweep reuses from one combination to the next (allocated once per
// thread, never initialised: the simulation writes every bar).
struct Scratch {
    explicit Scratch(std::int64_t n) : sig(n) {
        for (Buffer<double>* b : {&eq, &cash, &pos}) b->resize(static_cast<std::size_t>(n));
    }
    Signals sig;
    Buffer<double> eq, cash, pos;
    SimOut so;
    StatsRow stats_row;
};

}  // namespace

const std::vector<std::string>& strategy_params(Strategy s) { return def_of(s).params; }

const std::vector<std::string>& sweep_stat_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& d : stats::table()) v.emplace_back(d.name);
        return v;
    }();
    return names;
}

void validate_combos(Strategy s, const double* combos, std::int64_t n_combos, std::int64_t n_bars,
                     FieldErrors& errors) {
    count_combo_rules();
    const auto& names = strategy_params(s);
    const auto np = static_cast<std::int64_t>(names.size());
    std::vector<bool> reported(names.size(), false);
    auto bad = [&](std::int64_t j, double v, const std::string& why) {
        if (reported[static_cast<std::size_t>(j)]) return;
        reported[static_cast<std::size_t>(j)] = true;
        errors.add(names[static_cast<std::size_t>(j)], repr(v), why);
    };
    for (std::int64_t r = 0; r < n_combos; ++r) {
        const double* c = combos + r * np;
        for (std::int64_t j = 0; j < np; ++j) {
            const double v = c[j];
            const std::string& name = names[static_cast<std::size_t>(j)];
            const bool is_period = name == "fast" || name == "slow" || name == "timeperiod" || name == "entry" ||
                                   name == "exit" || name == "window";
            if (is_period) {
                const double lo = (name == "entry" || name == "exit" || name == "window") ? 1 : 2;
                if (!(v == std::floor(v) && v >= lo && v <= 100000))
                    bad(j, v, "must be a whole number of bars in [" + repr(lo) + ", 100000]");
                else if (v > static_cast<double>(n_bars)) bad(j, v, "is longer than the data");
            } else if (name == "lower" || name == "upper") {
                if (!(v >= 0 && v <= 100)) bad(j, v, "must be an RSI level in [0, 100]");
            } else if (name == "nbdev") {
                if (!(std::isfinite(v) && v > 0)) bad(j, v, "must be a finite number of deviations > 0");
            } else if (!(v >= 0 && v <= 1)) {
                bad(j, v, "must be a quantile level in [0, 1]");
            }
        }
        if (s == Strategy::RsiThreshold && !(c[1] < c[2])) bad(2, c[2], "must be above lower");
        if (s == Strategy::QuantileBand && !(c[1] < c[2])) bad(2, c[2], "must be above lower_q");
    }
}

void validate(const SweepSpec& spec, std::int64_t n_bars, FieldErrors& errors) {
    validate(spec.params, errors);
    validate_combos(spec.strategy, spec.combos, spec.n_combos, n_bars, errors);
}

void sweep(const Bars& bars, const SweepSpec& spec, const SweepOut& out, const CancelToken* token) {
    FieldErrors errors;
    const auto np = static_cast<std::int64_t>(strategy_params(spec.strategy).size());
    check_periods_per_year(spec.periods_per_year, errors);
    errors.throw_if_any();
    const Indicators ind(bars, spec.strategy, spec.combos, spec.n_combos, np, token);
    const std::int64_t n = bars.n, ns = static_cast<std::int64_t>(sweep_stat_names().size());
    std::vector<std::vector<TradeRecord>> trades_of(out.trades ? static_cast<std::size_t>(spec.n_combos) : 0);
    const CancelCheck check(token);
    tbb::enumerable_thread_specific<Scratch> scratch([n] { return Scratch(n); });
    parallel_ranges(static_cast<std::size_t>(spec.n_combos), 1, token, [&](std::size_t b, std::size_t e) {
        Scratch& w = scratch.local();
        SimOut& so = w.so;
        for (std::size_t r = b; r < e; ++r) {
            const auto row = static_cast<std::int64_t>(r);
            const SimInputs in = w.sig.make(bars, spec.strategy, spec.short_side, spec.combos + row * np, ind, check);
            check();  // between the phases of a combination too: each is a pass over every bar
            double* equity = out.equity ? out.equity + row * n : w.eq.data();
            so.equity = {equity, 1};
            so.cash = {w.cash.data(), 1};
            so.position = {w.pos.data(), 1};
            so.orders.clear();
            so.trades.clear();
            simulate(bars, in, spec.params, row, so, check);
            check();
            if (out.partitions)
                for (std::int64_t i = 1; i < n; ++i)
                    out.partitions->add(row, i - 1,
                                        equity[i - 1] > 0 ? equity[i] / equity[i - 1] - 1.0 : kNaN);
            w.stats_row.fill(bars, equity, so.trades, spec, out.stats + row * ns, check);
            if (out.trades) trades_of[r] = so.trades;
            if (out.done) out.done->fetch_add(1, std::memory_order_relaxed);
        }
    });
    if (out.trades)
        for (auto& t : trades_of) out.trades->insert(out.trades->end(), t.begin(), t.end());
}

void sweep_signals(const Bars& bars, const SweepSpec& spec, std::int64_t row, std::uint8_t* out,
                   const CancelToken* token) {
    const auto np = static_cast<std::int64_t>(strategy_params(spec.strategy).size());
    const double* c = spec.combos + row * np;
    const Indicators ind(bars, spec.strategy, c, 1, np, token);
    Signals sig(bars.n);
    const CancelCheck check(token);
    const SimInputs in = sig.make(bars, spec.strategy, spec.short_side, c, ind, check);
    const std::int64_t n = bars.n;
    std::copy(in.entries.data, in.entries.data + n, out);
    std::copy(in.exits.data, in.exits.data + n, out + n);
    if (spec.short_side) {
        std::copy(in.short_entries.data, in.short_entries.data + n, out + 2 * n);
        std::copy(in.short_exits.data, in.short_exits.data + n, out + 3 * n);
    } else {
        std::fill(out + 2 * n, out + 4 * n, std::uint8_t{0});
    }
}

}  // namespace threadx::backtest
