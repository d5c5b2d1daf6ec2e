#pragma once
// Add/remove aggregators for sums and moments, with the numerical method named:
// Kahan-compensated sums (pandas' add_sum/remove_sum) and Welford's variance with
// Kahan-compensated means (pandas' add_var/remove_var).  NaN is skipped and not
// counted.  Unlike pandas, infinities are counted apart from the finite state, so a
// window the inf has left is exact again (pandas keeps NaN there: an artefact).
#include <cmath>
#include <cstdint>
#include <limits>

namespace threadx::rolling {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Observation count, infinities, and the run of identical trailing values that
// lets constant windows return exact results (pandas' num_consecutive_same_value).
struct ObsState {
    std::int64_t nobs = 0, pos_inf = 0, neg_inf = 0;
    std::int64_t same_run = 0;
    double last = kNaN;

    // Returns true when v is finite (the caller folds it into its finite state).
    bool add(double v) noexcept {
        ++nobs;
        if (v == last) ++same_run; else { same_run = 1; last = v; }
        if (std::isinf(v)) { (v > 0 ? pos_inf : neg_inf) += 1; return false; }
        return true;
    }
    bool remove(double v) noexcept {
        --nobs;
        if (std::isinf(v)) { (v > 0 ? pos_inf : neg_inf) -= 1; return false; }
        return true;
    }
    bool constant() const noexcept { return nobs > 0 && same_run >= nobs; }
    bool has_inf() const noexcept { return pos_inf + neg_inf > 0; }
    // Sum of the infinities alone: +inf, -inf, NaN (both signs) or 0.
    double inf_sum() const noexcept {
        if (pos_inf && neg_inf) return kNaN;
        if (pos_inf) return std::numeric_limits<double>::infinity();
        if (neg_inf) return -std::numeric_limits<double>::infinity();
        return 0.0;
    }
};

struct KahanSum {
    double sum = 0.0, comp_add = 0.0, comp_remove = 0.0;
    void add(double v) noexcept {
        double y = v - comp_add, t = sum + y;
        comp_add = t - sum - y;
        sum = t;
    }
    void remove(double v) noexcept {
        double y = -v - comp_remove, t = sum + y;
        comp_remove = t - sum - y;
        sum = t;
    }
    void reset() noexcept { *this = KahanSum{}; }
};

class SumAgg {
public:
    void add(std::int64_t, double v) noexcept {
        if (std::isnan(v)) return;
        if (obs_.add(v)) sum_.add(v);
        if (std::signbit(v)) ++neg_;
    }
    void remove(std::int64_t, double v) noexcept {
        if (std::isnan(v)) return;
        if (obs_.remove(v)) sum_.remove(v);
        if (std::signbit(v)) --neg_;
        if (obs_.nobs == 0) sum_.reset();
    }
    double sum(std::int64_t minp) const noexcept {
        if (obs_.nobs < minp) return kNaN;
        if (obs_.nobs == 0) return 0.0;
        if (obs_.has_inf()) return obs_.inf_sum();
        if (obs_.constant()) return obs_.last * static_cast<double>(obs_.nobs);
        return sum_.sum;
    }
    double mean(std::int64_t minp) const noexcept {
        if (obs_.nobs < minp || obs_.nobs == 0) return kNaN;
        if (obs_.has_inf()) return obs_.inf_sum();
        if (obs_.constant()) return obs_.last;
        double m = sum_.sum / static_cast<double>(obs_.nobs);
        // rounding must not put the mean of same-signed values on the other side of 0
        if (neg_ == 0 && m < 0) m = 0;
        else if (neg_ == obs_.nobs && m > 0) m = 0;
        return m;
    }

private:
    ObsState obs_;
    KahanSum sum_;
    std::int64_t neg_ = 0;
};

// Welford's online variance over the finite values of the window.
class VarAgg {
public:
    explicit VarAgg(std::int64_t ddof) noexcept : ddof_(ddof) {}
    void add(std::int64_t, double v) noexcept {
        if (std::isnan(v) || !obs_.add(v)) return;
        ++n_;
        double prev_mean = mean_ - comp_add_;
        double y = v - comp_add_, t = y - mean_;
        comp_add_ = t + mean_ - y;
        mean_ += t / static_cast<double>(n_);
        ssqdm_ += (v - prev_mean) * (v - mean_);
    }
    void remove(std::int64_t, double v) noexcept {
        if (std::isnan(v) || !obs_.remove(v)) return;
        --n_;
        if (n_ == 0) { mean_ = ssqdm_ = comp_add_ = comp_remove_ = 0.0; return; }
        double prev_mean = mean_ - comp_remove_;
        double y = v - comp_remove_, t = y - mean_;
        comp_remove_ = t + mean_ - y;
        mean_ -= t / static_cast<double>(n_);
        ssqdm_ -= (v - prev_mean) * (v - mean_);
    }
    double var(std::int64_t minp) const noexcept {
        std::int64_t nobs = obs_.nobs;
        if (nobs < std::max<std::int64_t>(minp, 1) || nobs <= ddof_) return kNaN;
        if (obs_.has_inf()) return kNaN;
        if (nobs == 1 || obs_.constant()) return 0.0;
        double r = ssqdm_ / static_cast<double>(nobs - ddof_);
        return r < 0 ? 0.0 : r;  // cancellation can leave a tiny negative
    }
    double std(std::int64_t minp) const noexcept { return std::sqrt(var(minp)); }
    // The window mean as var() sees it (NaN when the window has no observation).
    double mean() const noexcept {
        if (obs_.nobs == 0) return kNaN;
        if (obs_.has_inf()) return obs_.inf_sum();
        if (obs_.constant()) return obs_.last;
        return mean_;
    }

private:
    ObsState obs_;
    std::int64_t n_ = 0, ddof_;
    double mean_ = 0.0, ssqdm_ = 0.0, comp_add_ = 0.0, comp_remove_ = 0.0;
};

}  // namespace threadx::rolling
