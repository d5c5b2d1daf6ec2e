#pragma once
// Overfitting statistics (docs/research.md has the formulas, the NaN and tie rules and the papers):
//
//  - PSR, probabilistic Sharpe ratio (Bailey & López de Prado 2012):
//      PSR(SR*) = Φ((SR − SR*)·√(T − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²))
//    SR the per-period (not annualised) Sharpe ratio, γ₃ the skewness, γ₄ the (non-excess) kurtosis.
//  - DSR, deflated Sharpe ratio (Bailey & López de Prado 2014): PSR(SR*) with
//      SR* = √V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)))
//    γ the Euler–Mascheroni constant, N the number of trials, V the variance of their Sharpe ratios.
//  - MinTRL, minimum track record length: 1 + (1 − γ₃·SR + (γ₄ − 1)/4·SR²)·(Φ⁻¹(1 − α)/(SR − SR*))²
//    (+inf when SR <= SR*: no track record is long enough).
//  - PBO, probability of backtest overfitting by CSCV (Bailey, Borwein, López de Prado & Zhu 2015),
//    from per-partition sums (count, sum, sum of squares of each trial's returns in each of S row
//    partitions): memory O(N·S) whatever the number of rows.  A sweep keeps a PartitionSums and
//    calls add_trial() for each trial as it finishes (trials are independent: concurrent calls for
//    different trials are safe), then pbo(sums.view(), ...).
//
// Every entry point validates its inputs once (every bad field at once, ValidationError) before
// any work; the long kernels (partition_sums, pbo) take a CancelToken checked between chunks.
#include <cstdint>
#include <span>
#include <vector>

#include "threadx/core/cancel.hpp"
#include "threadx/core/errors.hpp"

namespace threadx::research {

// ---- Sharpe ratio statistics --------------------------------------------------------------

// What PSR, DSR and MinTRL read of the selected strategy's returns.
struct SharpeInputs {
    double sharpe = 0;    // SR: per-period mean / std (ddof = 1)
    double n_obs = 0;     // T: number of returns (> 1)
    double skew = 0;      // γ₃ (population moments, scipy.stats.skew's default)
    double kurtosis = 3;  // γ₄, non-excess (normal: 3)
};

// SR, γ₃, γ₄ and T of a return series, NaN skipped (T counts the non-NaN values).  ±inf is
// refused.  With fewer than 2 values or a zero std, sharpe/skew/kurtosis are NaN (validate()
// then refuses them).
SharpeInputs sharpe_moments(std::span<const double> returns);

// Adds an error per bad field: sharpe/skew/kurtosis not finite, n_obs not > 1, and a
// non-positive variance term 1 − γ₃·SR + (γ₄ − 1)/4·SR² (named "kurtosis": γ₄ < 1 + γ₃²).
void validate(const SharpeInputs& in, FieldErrors& errors);
// n_trials >= 2 (an integer count), trials_variance finite and >= 0.
void validate_trials(double n_trials, double trials_variance, FieldErrors& errors);
// alpha in (0, 1).
void validate_alpha(double alpha, FieldErrors& errors);

// Standard normal CDF Φ and its inverse Φ⁻¹ (Acklam's rational approximation refined by one
// Halley step: relative error near machine precision on (0, 1)).
double norm_cdf(double x);
double norm_ppf(double p);

// Each validates its arguments (ValidationError) and then computes.
double probabilistic_sharpe(const SharpeInputs& in, double sr_benchmark);
double expected_max_sharpe(double n_trials, double trials_variance);  // SR* of the DSR
double deflated_sharpe(const SharpeInputs& in, double n_trials, double trials_variance);
double min_track_record_length(const SharpeInputs& in, double sr_benchmark, double alpha);

// ---- Partition sums -----------------------------------------------------------------------

// Rows [row_begin(p), row_begin(p + 1)) form partition p: row_begin(p) = floor(p·T/S), so
// partition sizes differ by at most one row.
std::int64_t row_begin(std::int64_t p, std::int64_t n_rows, std::int64_t n_partitions);

// Non-owning view of per-partition sums; each span holds S·N values laid out [p·N + n].
struct PartitionSumsView {
    std::int64_t n_partitions = 0;  // S
    std::int64_t n_trials = 0;      // N
    std::span<const double> count, sum, sumsq;
};

// S even in [2, kMaxPartitions], n_rows >= S, n_trials >= 2.
inline constexpr std::int64_t kMaxPartitions = 24;  // C(24, 12) = 2,704,156 combinations
void validate_shape(std::int64_t n_rows, std::int64_t n_trials, std::int64_t n_partitions, FieldErrors& errors);

class PartitionSums {
public:
    // Validates the shape (ValidationError); all sums start at zero.
    PartitionSums(std::int64_t n_rows, std::int64_t n_trials, std::int64_t n_partitions);

    // Adds one trial's returns (n_rows values, row order; NaN skipped and not counted, ±inf
    // refused with ValidationError).  Calls for different trials may run concurrently.
    void add_trial(std::int64_t trial, std::span<const double> returns);
    // Adds one return of `trial` at `row` (NaN skipped).  Not validated: the caller's loop.
    void add(std::int64_t trial, std::int64_t row, double value) noexcept;

    std::int64_t n_rows() const noexcept { return n_rows_; }
    std::int64_t partition_of(std::int64_t row) const noexcept;
    PartitionSumsView view() const noexcept;
    std::vector<double>& count() noexcept { return count_; }
    std::vector<double>& sum() noexcept { return sum_; }
    std::vector<double>& sumsq() noexcept { return sumsq_; }

private:
    std::int64_t n_rows_, n_trials_, n_partitions_;
    std::vector<double> count_, sum_, sumsq_;
};

// The sums of a row-major T×N matrix of returns (trial n in column n), parallel over the
// partitions.  Validates first: the shape, and every value finite or NaN.
PartitionSums partition_sums(const double* returns, std::int64_t n_rows, std::int64_t n_trials,
                             std::int64_t n_partitions, const CancelToken* cancel = nullptr);

// ---- PBO by CSCV --------------------------------------------------------------------------

enum class Metric : int { Sharpe = 0, Mean = 1 };

// The metric of sums (count c, sum s, sum of squares q): Sharpe = (s/c) / sqrt((q − s²/c)/(c − 1)),
// NaN when c < 2 or the sum of squared deviations q − s²/c is <= 1e-12·q (zero, up to the rounding
// of a constant series); Mean = s/c, NaN when c < 1.
double metric_of(Metric m, double c, double s, double q) noexcept;

// The full-sample metric of every trial (its sums over all partitions, ascending order).
std::vector<double> trial_metrics(const PartitionSumsView& sums, Metric metric);

struct PboResult {
    double pbo = 0;                       // share of the valid combinations with λ <= 0
    std::int64_t n_combinations = 0;      // C(S, S/2)
    std::int64_t n_valid = 0;             // combinations whose λ is not NaN
    std::vector<double> logit;            // λ per combination (NaN: no ranked best trial)
    std::vector<double> is_metric;        // in-sample metric of n* per combination
    std::vector<double> oos_metric;       // out-of-sample metric of n* per combination
    std::vector<double> oos_rank;         // ω = rank / (N' + 1) per combination
    std::vector<std::int64_t> best;       // n* per combination (-1: none)
};

// Checks the sums (S, N, the spans' sizes, counts whole and >= 0, sums finite, sumsq >= 0) and
// that the full-sample metric is not NaN for every trial.
void validate(const PartitionSumsView& sums, Metric metric, FieldErrors& errors);

// The in-sample partitions of combination k (lexicographic order of S/2-subsets of [0, S)).
std::vector<int> combination(std::int64_t k, int n_partitions);
std::int64_t n_combinations(int n_partitions);

// PBO over every combination, in parallel (results independent of the thread count).  The sums
// of every subset of each group of up to 8 partitions are tabulated first (2^8·N values per group,
// narrower groups when that passes 64 MiB), so a combination's in- and out-of-sample sums cost one
// addition per group.
PboResult pbo(const PartitionSumsView& sums, Metric metric = Metric::Sharpe, const CancelToken* cancel = nullptr);

}  // namespace threadx::research
