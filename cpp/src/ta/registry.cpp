#include "threadx/ta/registry.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <numeric>

#include "threadx/core/parallel.hpp"

namespace threadx::ta {

namespace {

std::vector<Info> build() {
    std::vector<Info> r;
    register_overlap(r);
    register_momentum(r);
    register_volatility(r);
    register_volume(r);
    register_statistic(r);
    register_price(r);
    register_math(r);
    std::sort(r.begin(), r.end(), [](const Info& a, const Info& b) { return a.name < b.name; });
    return r;
}

std::array<std::atomic<int>, static_cast<std::size_t>(Unstable::count)> g_unstable{};

const char* const kUnstableNames[] = {
    "ADX", "ADXR", "ATR", "CMO", "DX", "EMA", "HT_DCPERIOD", "HT_DCPHASE", "HT_PHASOR",
    "HT_SINE", "HT_TRENDLINE", "HT_TRENDMODE", "IMI", "KAMA", "MAMA", "MFI", "MINUS_DI",
    "MINUS_DM", "NATR", "PLUS_DI", "PLUS_DM", "RSI", "STOCHRSI", "T3"};
static_assert(std::size(kUnstableNames) == static_cast<std::size_t>(Unstable::count));

}  // namespace

const std::vector<Info>& registry() {
    static const std::vector<Info> r = build();
    return r;
}

const Info* find(const std::string& name) {
    const auto& r = registry();
    auto it = std::lower_bound(r.begin(), r.end(), name,
                               [](const Info& a, const std::string& n) { return a.name < n; });
    return it != r.end() && it->name == name ? &*it : nullptr;
}

namespace {
std::atomic<std::uint64_t> g_validations{0};
}  // namespace

std::uint64_t validation_count() noexcept { return g_validations.load(std::memory_order_relaxed); }

void validate_params(const Info& info, const double* p, FieldErrors& errors) {
    g_validations.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t k = 0; k < info.params.size(); ++k) {
        const ParamSpec& s = info.params[k];
        const double v = p[k];
        if (s.kind != ParamKind::Real && !(std::isfinite(v) && v == std::floor(v))) {
            errors.add(s.name, repr(v), "must be an integer");
            continue;
        }
        if (!(v >= s.lo && v <= s.hi)) {
            std::string msg = "must be in [";
            msg += s.kind == ParamKind::Real ? repr(s.lo) : repr(static_cast<long long>(s.lo));
            msg += ", ";
            msg += s.kind == ParamKind::Real ? repr(s.hi) : repr(static_cast<long long>(s.hi));
            msg += "] for ";
            msg += info.name;
            errors.add(s.name, s.kind == ParamKind::Real ? repr(v) : repr(static_cast<long long>(v)), msg);
            continue;
        }
        if (s.kind == ParamKind::MaType && v == 7)
            errors.add(s.name, "7", "MAMA (matype=7) is not implemented by ThreadX; use 0-6 or 8");
    }
    if (info.check) info.check(p, errors);
}

int unstable_period(Unstable id) noexcept {
    return g_unstable[static_cast<std::size_t>(id)].load(std::memory_order_relaxed);
}
void set_unstable_period(Unstable id, int n) noexcept {
    g_unstable[static_cast<std::size_t>(id)].store(n, std::memory_order_relaxed);
}
std::vector<std::string> unstable_names() {
    return {std::begin(kUnstableNames), std::end(kUnstableNames)};
}

std::vector<std::vector<std::int64_t>> share_groups(const Info& info, const double* params,
                                                    std::int64_t n_sets) {
    const std::int64_t np = static_cast<std::int64_t>(info.params.size());
    auto key = [&](std::int64_t g, int k) { return params[g * np + k]; };
    auto less = [&](std::int64_t a, std::int64_t b) {
        for (int k : info.share)
            if (key(a, k) != key(b, k)) return key(a, k) < key(b, k);
        return false;
    };
    std::vector<std::int64_t> order(static_cast<std::size_t>(n_sets));
    std::iota(order.begin(), order.end(), std::int64_t{0});
    std::vector<std::vector<std::int64_t>> groups;
    if (!info.grid) {
        for (std::int64_t g : order) groups.push_back({g});
        return groups;
    }
    std::stable_sort(order.begin(), order.end(), less);
    for (std::size_t t = 0; t < order.size(); ++t) {
        if (t == 0 || less(order[t - 1], order[t])) groups.emplace_back();
        groups.back().push_back(order[t]);
    }
    return groups;
}

namespace {

// Fewer tasks than threads: the groups split into parts (each set's values do not depend
// on the sets computed with it), so that every thread gets work.
std::vector<std::vector<std::int64_t>> split_for_threads(std::vector<std::vector<std::int64_t>> groups,
                                                         std::int64_t assets) {
    const std::int64_t threads = get_num_threads();
    const std::int64_t tasks = assets * static_cast<std::int64_t>(groups.size());
    if (tasks == 0 || tasks >= threads) return groups;
    const std::int64_t parts = (threads + tasks - 1) / tasks;
    std::vector<std::vector<std::int64_t>> out;
    for (const auto& g : groups) {
        const std::int64_t m = static_cast<std::int64_t>(g.size()), p = std::min(parts, m);
        for (std::int64_t q = 0; q < p; ++q)
            out.emplace_back(g.begin() + q * m / p, g.begin() + (q + 1) * m / p);
    }
    return out;
}

}  // namespace

void run_grid(const Info& info, const std::vector<ConstMatrix>& inputs, const double* params,
              std::int64_t n_sets, const GridOut& out, const CancelToken* token) {
    const std::size_t n_in = info.inputs.size(), n_out = info.outputs.size();
    const std::int64_t n_params = static_cast<std::int64_t>(info.params.size());
    const std::int64_t rows = inputs.empty() ? 0 : inputs[0].rows;
    const std::int64_t assets = inputs.empty() ? 0 : inputs[0].cols;
    const auto groups = split_for_threads(share_groups(info, params, n_sets), assets);
    const std::int64_t n_groups = static_cast<std::int64_t>(groups.size());
    CancelCheck check(token);
    parallel_ranges(static_cast<std::size_t>(assets * n_groups), 1, token, [&](std::size_t b, std::size_t e) {
        std::vector<ConstColumn> in(n_in);
        std::vector<Column> o;
        std::vector<const double*> sets;
        for (std::size_t t = b; t < e; ++t) {
            const std::int64_t a = static_cast<std::int64_t>(t) / n_groups;
            const auto& group = groups[t % static_cast<std::size_t>(n_groups)];
            for (std::size_t k = 0; k < n_in; ++k) in[k] = inputs[k].column(a);
            o.clear();
            sets.clear();
            for (std::int64_t g : group) {
                sets.push_back(params + g * n_params);
                for (std::size_t j = 0; j < n_out; ++j)
                    o.push_back({out.data[j] + (a * n_sets + g) * out.col_stride, out.row_stride});
            }
            if (group.size() == 1)
                info.column(sets[0], in.data(), rows, o.data(), check);
            else
                info.grid(sets.data(), static_cast<std::int64_t>(group.size()), in.data(), rows, o.data(), check);
        }
    });
}

}  // namespace threadx::ta
