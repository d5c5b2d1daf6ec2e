// Multi-asset rebalancing with shared cash, and the rolling weight rules (Eigen).
#include "threadx/backtest/portfolio.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace threadx::backtest {

namespace {

constexpr std::int64_t kCheckEvery = 1 << 12;

bool finite(double v) { return std::isfinite(v); }

class Book {
public:
    Book(const Panel& panel, const PortfolioParams& p, PortfolioOut& out)
        : pn_(panel), p_(p), out_(out), units_(static_cast<std::size_t>(panel.k), 0.0), cash_(p.init_cash) {}

    // Trades to the weights `w` at the raw prices `px` (bar `fill`, decided at `placed`).
    void trade_to(const double* w, const double* px, std::int64_t placed, std::int64_t fill) {
        const std::int64_t k = pn_.k;
        double equity = cash_;
        for (std::int64_t j = 0; j < k; ++j) equity += units_[j] * px[j];
        if (!(equity > 0)) return;  // nothing left to allocate
        std::vector<double> delta(static_cast<std::size_t>(k));
        for (std::int64_t j = 0; j < k; ++j) {
            const double wj = finite(w[j]) ? w[j] : 0.0;
            double target = wj * equity / px[j];
            if (!p_.fractional) target = std::trunc(target);
            delta[j] = target - units_[j];
        }
        // sells first, so their proceeds pay for the buys
        for (std::int64_t j = 0; j < k; ++j)
            if (delta[j] < 0) fill_order(j, -1, -delta[j], px[j], placed, fill);
        // buys are scaled down together when cash (times leverage) does not cover them with fees
        double cost = 0, fixed = 0;
        for (std::int64_t j = 0; j < k; ++j) {
            if (!(delta[j] > 0)) continue;
            cost += delta[j] * px[j] * (1 + p_.slippage) * (1 + p_.fees);
            fixed += p_.fixed_fees;
        }
        const double power = cash_ + (p_.leverage - 1) * equity;
        const double scale = cost + fixed > power ? std::max(power - fixed, 0.0) / cost : 1.0;
        for (std::int64_t j = 0; j < k; ++j) {
            if (!(delta[j] > 0)) continue;
            double d = delta[j] * scale;
            if (!p_.fractional) d = std::floor(d);
            if (d > 0) fill_order(j, 1, d, px[j], placed, fill);
        }
    }

    void mark(std::int64_t i) {
        const double* c = pn_.close + i * pn_.k;
        double equity = cash_;
        for (std::int64_t j = 0; j < pn_.k; ++j) {
            equity += units_[j] * c[j];
            out_.positions[i * pn_.k + j] = units_[j];
        }
        out_.equity[i] = equity;
        out_.cash[i] = cash_;
    }

private:
    void fill_order(std::int64_t j, int side, double units, double raw, std::int64_t placed, std::int64_t fill) {
        const double f = side > 0 ? raw * (1 + p_.slippage) : raw * (1 - p_.slippage);
        const double fee = p_.fees * units * f + p_.fixed_fees;
        cash_ -= side * units * f + fee;
        units_[j] += side * units;
        out_.orders.push_back({.sim = j, .kind = Kind::Market, .side = static_cast<std::int8_t>(side),
                               .status = Status::Filled, .reason = Reason::Signal, .size = units, .placed_bar = placed,
                               .fill_bar = fill, .fill_price = f, .fees = fee});
    }

    const Panel& pn_;
    const PortfolioParams& p_;
    PortfolioOut& out_;
    std::vector<double> units_;
    double cash_;
};

bool has_row(const double* w, std::int64_t k) {
    for (std::int64_t j = 0; j < k; ++j)
        if (finite(w[j])) return true;
    return false;
}

// Minimum-variance weights of the assets in `active` (w = S^-1 1 / 1' S^-1 1).
Eigen::VectorXd min_variance(const Eigen::MatrixXd& S, const std::vector<int>& active) {
    const auto m = static_cast<Eigen::Index>(active.size());
    Eigen::MatrixXd sub(m, m);
    for (Eigen::Index a = 0; a < m; ++a)
        for (Eigen::Index b = 0; b < m; ++b) sub(a, b) = S(active[a], active[b]);
    const Eigen::VectorXd x = sub.ldlt().solve(Eigen::VectorXd::Ones(m));
    return x / x.sum();
}

}  // namespace

void validate(const PortfolioParams& p, FieldErrors& e) {
    Params q;  // the single-asset rules are the same ones
    q.init_cash = p.init_cash;
    q.fees = p.fees;
    q.fixed_fees = p.fixed_fees;
    q.slippage = p.slippage;
    q.leverage = p.leverage;
    validate(q, e);
}

void rebalance(const Panel& pn, const double* weights, const PortfolioParams& p, PortfolioOut& out,
               const CancelToken* token) {
    const CancelCheck check(token);
    Book book(pn, p, out);
    const double* pending = nullptr;  // weights decided at the previous close
    std::int64_t pending_bar = -1;
    for (std::int64_t i = 0; i < pn.n; ++i) {
        if ((i & (kCheckEvery - 1)) == kCheckEvery - 1) check();
        if (pending) {
            book.trade_to(pending, pn.open + i * pn.k, pending_bar, i);
            pending = nullptr;
        }
        const double* w = weights + i * pn.k;
        if (has_row(w, pn.k)) {
            if (p.execution == Execution::Close) {
                book.trade_to(w, pn.close + i * pn.k, i, i);
            } else {
                pending = w;
                pending_bar = i;
            }
        }
        book.mark(i);
    }
}

void weight_rule(const Panel& pn, WeightRule rule, std::int64_t window, std::int64_t every, double ridge,
                 double* weights, const CancelToken* token) {
    const CancelCheck check(token);
    const std::int64_t n = pn.n, k = pn.k;
    std::fill(weights, weights + n * k, std::nan(""));
    Eigen::MatrixXd R(window, k);
    for (std::int64_t i = window; i < n; i += every) {
        check();
        for (std::int64_t t = 0; t < window; ++t) {
            const std::int64_t bar = i - window + 1 + t;
            for (std::int64_t j = 0; j < k; ++j) R(t, j) = pn.close[bar * k + j] / pn.close[(bar - 1) * k + j] - 1.0;
        }
        double* w = weights + i * k;
        if (rule == WeightRule::Equal) {
            for (std::int64_t j = 0; j < k; ++j) w[j] = 1.0 / static_cast<double>(k);
            continue;
        }
        const Eigen::MatrixXd centered = R.rowwise() - R.colwise().mean();
        Eigen::MatrixXd S = (centered.transpose() * centered) / static_cast<double>(window - 1);
        if (rule == WeightRule::InverseVol) {
            double total = 0;
            for (std::int64_t j = 0; j < k; ++j) {
                const double sd = std::sqrt(S(j, j));
                w[j] = sd > 0 ? 1.0 / sd : 0.0;  // a flat asset gets no weight
                total += w[j];
            }
            for (std::int64_t j = 0; j < k; ++j) w[j] = total > 0 ? w[j] / total : 1.0 / static_cast<double>(k);
            continue;
        }
        S.diagonal().array() += ridge * S.trace() / static_cast<double>(k);
        std::vector<int> active(static_cast<std::size_t>(k));
        for (std::int64_t j = 0; j < k; ++j) active[j] = static_cast<int>(j);
        Eigen::VectorXd x = min_variance(S, active);
        // long-only: drop the most negative weight and solve again until none is negative
        while (rule == WeightRule::MinVarianceLong && active.size() > 1 && x.minCoeff() < 0) {
            Eigen::Index worst;
            x.minCoeff(&worst);
            active.erase(active.begin() + worst);
            x = min_variance(S, active);
        }
        for (std::int64_t j = 0; j < k; ++j) w[j] = 0.0;
        for (std::size_t a = 0; a < active.size(); ++a) w[active[a]] = x(static_cast<Eigen::Index>(a));
    }
}

}  // namespace threadx::backtest
