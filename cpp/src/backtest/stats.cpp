// The statistics of one simulation (see threadx/backtest/stats.hpp).
#include "threadx/backtest/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "threadx/backtest/options.hpp"
#include "threadx/core/errors.hpp"

namespace threadx::backtest::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

const Table kTable = {{
    {"Exposure Time [%]", "100 * share of bars inside some [entry_bar, exit_bar] (both ends in)"},
    {"Equity Final [$]", "E[n-1]"},
    {"Equity Peak [$]", "max E (NaN ignored)"},
    {"Return [%]", "100 * (E[n-1] - E[0]) / E[0]"},
    {"Buy & Hold Return [%]", "100 * (c[n-1] - c[f]) / c[f], f = the first trading bar"},
    {"Return (Ann.) [%]",
     "100 * ((1 + g)**N - 1), g = gmean(R): R = pct_change of the period equity P (NaN dropped), "
     "N = periods per year"},
    {"Volatility (Ann.) [%]", "100 * sqrt((var(R, ddof=1) + (1 + g)**2)**N - (1 + g)**(2N))"},
    {"CAGR [%]", "100 * ((E[n-1] / E[0])**(1 / years) - 1) (NaN when years is 0 or unknown)"},
    {"Sharpe Ratio", "(Return (Ann.) [%] - 100 rf) / Volatility (Ann.) [%] (NaN if the volatility is 0)"},
    {"Sortino Ratio", "((1 + g)**N - 1 - rf) / (sqrt(mean(min(R, 0)**2)) * sqrt(N))"},
    {"Calmar Ratio", "((1 + g)**N - 1) / max dd (NaN if max dd is 0)"},
    {"Max. Drawdown [%]", "-100 * max dd, dd = 1 - E / cummax(E) (NaN ignored; 0 when all NaN)"},
    {"# Trades", "number of closed trades"},
    {"Win Rate [%]", "100 * mean(pnl > 0)"},
    {"Best Trade [%]", "100 * max r (r = trade return, NaN ignored)"},
    {"Worst Trade [%]", "100 * min r"},
    {"Avg. Trade [%]", "100 * gmean(r)"},
    {"Profit Factor", "sum(r[r > 0]) / |sum(r[r < 0])| (NaN if no losing trade)"},
    {"Expectancy [%]", "100 * mean r"},
    {"SQN", "sqrt(# trades) * mean(pnl) / std(pnl, ddof=1) (NaN with a zero or undefined std)"},
    {"Kelly Criterion", "W - (1 - W) / (mean(pnl[pnl > 0]) / -mean(pnl[pnl < 0])), W = win rate as a fraction"},
}};

double pct_return(double first, double last) { return (last - first) / first * 100; }

// Sum and count of the values `keep` accepts.
template <class Keep>
std::pair<double, double> sum_count(std::span<const double> x, Keep keep) {
    double sum = 0, count = 0;
    for (const double v : x)
        if (keep(v)) {
            sum += v;
            count += 1;
        }
    return {sum, count};
}

template <class Keep>
double mean_of(std::span<const double> x, Keep keep) {
    const auto [sum, count] = sum_count(x, keep);
    return count > 0 ? sum / count : kNaN;
}

bool not_nan(double v) { return !std::isnan(v); }

// Sum of (v - mean)**2 over the non-NaN values, in four running sums (numpy sums in
// eight): the additions overlap instead of waiting on one another.
double squared_deviations(std::span<const double> x, double mean) {
    double acc[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    const auto term = [mean](double v) { return not_nan(v) ? (v - mean) * (v - mean) : 0.0; };
    for (; i + 4 <= x.size(); i += 4)
        for (std::size_t j = 0; j < 4; ++j) acc[j] += term(x[i + j]);
    for (; i < x.size(); ++i) acc[0] += term(x[i]);
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

// Variance with ddof=1 of the non-NaN values (two passes, as numpy); NaN below two values.
double sample_variance(std::span<const double> x) {
    const auto [sum, count] = sum_count(x, not_nan);
    return count < 2 ? kNaN : squared_deviations(x, sum / count) / (count - 1);
}

// max of the non-NaN values (NaN if none); `sign` = -1 gives minus the min.
double nanmax(std::span<const double> x, double sign = 1) {
    double best = -kInf;
    bool any = false;
    for (const double v : x)
        if (not_nan(v)) {
            best = std::max(best, sign * v);
            any = true;
        }
    return any ? sign * best : kNaN;
}

// backtesting.py's geometric_mean: NaN counts as 0; 0 if any 1 + r <= 0; NaN if empty.
double geometric_mean(std::span<const double> r) {
    if (r.empty()) return kNaN;
    double log_sum = 0;
    for (const double v : r) {
        const double g = std::isnan(v) ? 1.0 : 1.0 + v;
        if (g <= 0) return 0.0;
        log_sum += std::log(g);
    }
    return std::exp(log_sum / static_cast<double>(r.size())) - 1.0;
}

// One pass over E: the deepest drawdown and the highest equity.
struct EquityScan {
    double max_dd = 0;      // max over bars of dd = 1 - E / cummax(E), NaN ignored, 0 when there is none
    double highest = kNaN;  // max E, NaN ignored
};

// cummax (np.maximum.accumulate) is NaN from E's first NaN on, and so is every dd there:
// only the bars before it count.  As 1 - q falls when q rises, max dd = 1 - (the smallest
// E / peak); a bar is divided only when it may set a new low (the 4-ulp margin keeps the
// skip exact under the product's rounding).
EquityScan scan_equity(std::span<const double> equity) {
    const auto first_nan = static_cast<std::size_t>(
        std::find_if(equity.begin(), equity.end(), [](double v) { return std::isnan(v); }) - equity.begin());
    constexpr double kMargin = 1 + 4 * std::numeric_limits<double>::epsilon();
    double peak = -kInf, low = kInf;
    for (const double x : equity.first(first_nan)) {
        peak = std::max(peak, x);
        if (peak > 0 && low >= 0 && x > low * peak * kMargin) continue;  // x / peak > low
        low = std::min(low, x / peak);  // 0 / 0 is NaN: std::min keeps `low`
    }
    const double after = nanmax(equity.subspan(first_nan));
    const double highest = first_nan > 0 ? std::max(peak, std::isnan(after) ? -kInf : after) : after;
    return {low == kInf ? 0.0 : 1 - low, highest};
}

// R = pct_change(P) with NaN dropped, and what one pass over it gives.
struct PeriodReturns {
    std::span<const double> r;
    double sum = 0;       // of R
    double down2 = 0;     // of min(R, 0)**2
    bool positive = true;  // P > 0 throughout
};

PeriodReturns period_returns(std::span<const double> period_equity, std::vector<double>& buf) {
    if (buf.size() < period_equity.size()) buf.resize(period_equity.size());
    // locals, not the result's fields: stores through buf could alias those, and the sums
    // would go through memory on every period
    double sum = 0, down2 = 0;
    bool positive = period_equity.empty() || period_equity[0] > 0;
    std::size_t m = 0;
    for (std::size_t i = 1; i < period_equity.size(); ++i) {
        positive &= period_equity[i] > 0;
        const double ri = period_equity[i] / period_equity[i - 1] - 1.0;
        if (std::isnan(ri)) continue;
        buf[m++] = ri;
        sum += ri;
        // min(ri, 0) exactly, without a branch on the sign (which mispredicts); +inf gives 0
        const double neg = ri < kInf ? 0.5 * (ri - std::abs(ri)) : 0.0;
        down2 += neg * neg;
    }
    return {{buf.data(), m}, sum, down2, positive};
}

// gmean(R).  With P positive throughout (so no NaN was dropped), mean(log(1 + R))
// telescopes to log(P[last] / P[0]) / #R, which saves a log per period.
double period_geometric_mean(std::span<const double> period_equity, const PeriodReturns& pr) {
    if (pr.r.empty() || !pr.positive) return geometric_mean(pr.r);
    return std::exp(std::log(period_equity.back() / period_equity.front()) / static_cast<double>(pr.r.size())) - 1.0;
}

void equity_stats(const Inputs& in, double* row) {
    const auto& e = in.equity;
    row[kEquityFinal] = e.back();
    row[kReturn] = pct_return(e.front(), e.back());
    const auto f = static_cast<std::size_t>(in.first_bar);
    row[kBuyHold] = in.close.empty() ? kNaN : pct_return(in.close[f], in.close.back());
    const bool known = in.years != 0 && not_nan(in.years);
    row[kCagr] = known ? (std::pow(e.back() / e.front(), 1 / in.years) - 1) * 100 : kNaN;
}

// The annualised figures of the period returns; gives (1 + g)**N - 1 for Calmar.
double annualised_stats(const Inputs& in, std::vector<double>& scratch, double* row) {
    const PeriodReturns pr = period_returns(in.period_equity, scratch);
    const auto m = static_cast<double>(pr.r.size());
    const double n_per = in.periods_per_year, rf = in.risk_free_rate;
    const double g = period_geometric_mean(in.period_equity, pr);
    const double ann = std::pow(1 + g, n_per) - 1;
    const double var = m < 2 ? kNaN : squared_deviations(pr.r, pr.sum / m) / (m - 1);
    const double vol = std::sqrt(std::pow(var + (1 + g) * (1 + g), n_per) - std::pow(1 + g, 2 * n_per));
    row[kReturnAnn] = ann * 100;
    row[kVolatilityAnn] = vol * 100;
    row[kSharpe] = row[kVolatilityAnn] != 0 ? (row[kReturnAnn] - rf * 100) / row[kVolatilityAnn] : kNaN;
    const double downside = m > 0 ? std::sqrt(pr.down2 / m) : kNaN;
    row[kSortino] = (ann - rf) / (downside * std::sqrt(n_per));
    return ann;
}

// Equity Peak, Max. Drawdown and Calmar: one pass over E.
void drawdown_stats(const Inputs& in, double ann, double* row) {
    const auto [max_dd, highest] = scan_equity(in.equity);
    row[kEquityPeak] = highest;
    row[kMaxDrawdown] = -max_dd * 100;
    row[kCalmar] = max_dd != 0 ? ann / max_dd : kNaN;
}

// Bars covered by [entry_bar, exit_bar] spans (both ends in) in entry order, counted once:
// each span adds its part after the furthest exit so far.
std::int64_t covered_in_entry_order(std::span<const std::int64_t> entry, std::span<const std::int64_t> exit) {
    std::int64_t covered = 0, last = -1;
    for (std::size_t k = 0; k < entry.size(); ++k) {
        const std::int64_t from = std::max(entry[k], last + 1);
        if (exit[k] >= from) covered += exit[k] - from + 1;
        last = std::max(last, exit[k]);
    }
    return covered;
}

// The same for trades in any order (a portfolio's trades are grouped by symbol).
double covered_bars(const Trades& t) {
    if (std::is_sorted(t.entry_bar.begin(), t.entry_bar.end()))
        return static_cast<double>(covered_in_entry_order(t.entry_bar, t.exit_bar));
    std::vector<std::pair<std::int64_t, std::int64_t>> spans;
    for (std::size_t k = 0; k < t.entry_bar.size(); ++k) spans.emplace_back(t.entry_bar[k], t.exit_bar[k]);
    std::sort(spans.begin(), spans.end());
    std::vector<std::int64_t> entry, exit;
    for (const auto& [e, x] : spans) {
        entry.push_back(e);
        exit.push_back(x);
    }
    return static_cast<double>(covered_in_entry_order(entry, exit));
}

void trade_stats(const Trades& t, double n_bars, double* row) {
    const auto nt = static_cast<double>(t.pnl.size());
    const auto is_win = [](double v) { return v > 0; };
    const auto is_loss = [](double v) { return v < 0; };
    const double win_rate = nt > 0 ? sum_count(t.pnl, is_win).second / nt : kNaN;
    row[kExposure] = covered_bars(t) / n_bars * 100;
    row[kTrades] = nt;
    row[kWinRate] = win_rate * 100;
    row[kBestTrade] = nanmax(t.ret) * 100;
    row[kWorstTrade] = nanmax(t.ret, -1) * 100;
    row[kAvgTrade] = geometric_mean(t.ret) * 100;
    const double loss = std::abs(sum_count(t.ret, is_loss).first);
    row[kProfitFactor] = loss != 0 ? sum_count(t.ret, is_win).first / loss : kNaN;
    row[kExpectancy] = mean_of(t.ret, not_nan) * 100;
    const double sd = std::sqrt(sample_variance(t.pnl));
    row[kSqn] = sd != 0 ? std::sqrt(nt) * mean_of(t.pnl, not_nan) / sd : kNaN;
    const double ratio = mean_of(t.pnl, is_win) / -mean_of(t.pnl, is_loss);
    row[kKelly] = win_rate - (1 - win_rate) / ratio;
}

}  // namespace

const Table& table() { return kTable; }

void validate(const Inputs& in) {
    FieldErrors errors;
    const auto n = static_cast<std::int64_t>(in.equity.size());
    if (n == 0) errors.add("equity", "[]", "must not be empty");
    if (!in.close.empty() && static_cast<std::int64_t>(in.close.size()) != n)
        errors.add("close", repr(static_cast<long long>(in.close.size())) + " bars", "must have equity's length");
    if (!in.close.empty() && !(in.first_bar >= 0 && in.first_bar < n))
        errors.add("first_bar", repr(static_cast<long long>(in.first_bar)), "must be a bar of the data");
    if (!in.period_equity.empty()) check_periods_per_year(in.periods_per_year, errors);
    if (!(in.risk_free_rate > -1 && in.risk_free_rate < 1))
        errors.add("risk_free_rate", repr(in.risk_free_rate), "must be in (-1, 1) (an annual fraction: 0.02 = 2 %)");
    const Trades& t = in.trades;
    const std::size_t k = t.pnl.size();
    if (t.entry_bar.size() != k || t.exit_bar.size() != k || t.ret.size() != k)
        errors.add("trades", repr(static_cast<long long>(k)) + " pnl values",
                   "entry_bar, exit_bar, pnl and return must have one value per trade");
    const auto bad_bar = [n](std::int64_t b) { return b < 0 || b >= n; };
    if (std::any_of(t.entry_bar.begin(), t.entry_bar.end(), bad_bar) ||
        std::any_of(t.exit_bar.begin(), t.exit_bar.end(), bad_bar))
        errors.add("trades", "entry_bar/exit_bar",
                   "must be bars of the data, in [0, " + repr(static_cast<long long>(n)) + ")");
    errors.throw_if_any();
}

void compute(const Inputs& in, double* row, std::vector<double>& scratch, const CancelCheck& check) {
    equity_stats(in, row);
    check();
    const double ann = annualised_stats(in, scratch, row);
    check();
    drawdown_stats(in, ann, row);
    check();
    trade_stats(in.trades, static_cast<double>(in.equity.size()), row);
}

void drawdown(std::span<const double> equity, std::span<double> out) {
    double peak = -kInf;
    for (std::size_t i = 0; i < equity.size(); ++i) {
        peak = std::isnan(peak) || std::isnan(equity[i]) ? kNaN : std::max(peak, equity[i]);
        out[i] = 1 - equity[i] / peak;
    }
}

}  // namespace threadx::backtest::stats
