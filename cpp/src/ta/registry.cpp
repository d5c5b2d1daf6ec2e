#include "threadx/ta/registry.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>

#include "threadx/core/parallel.hpp"

namespace threadx::ta {

namespace {

std::vector<Info> build() {
    std::vector<Info> r;
    register_basic(r);
    register_overlap(r);
    register_directional(r);
    register_misc(r);
    register_extra(r);
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

void validate_params(const Info& info, const double* p, FieldErrors& errors) {
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

void run_grid(const Info& info, const std::vector<ConstMatrix>& inputs, const double* params,
              std::int64_t n_sets, const GridOut& out, const CancelToken* token) {
    const std::int64_t n_in = static_cast<std::int64_t>(info.inputs.size());
    const std::int64_t n_params = static_cast<std::int64_t>(info.params.size());
    const std::int64_t n_out = static_cast<std::int64_t>(info.outputs.size());
    const std::int64_t rows = inputs.empty() ? 0 : inputs[0].rows;
    const std::int64_t assets = inputs.empty() ? 0 : inputs[0].cols;
    const std::int64_t tasks = assets * n_sets;
    CancelCheck check(token);
    parallel_ranges(static_cast<std::size_t>(tasks), 1, token, [&](std::size_t b, std::size_t e) {
        std::vector<ConstColumn> in(static_cast<std::size_t>(n_in));
        std::vector<Column> o(static_cast<std::size_t>(n_out));
        for (std::size_t t = b; t < e; ++t) {
            const auto task = static_cast<std::int64_t>(t);
            const std::int64_t a = task / n_sets, g = task % n_sets;
            for (std::int64_t k = 0; k < n_in; ++k) in[k] = inputs[k].column(a);
            for (std::int64_t j = 0; j < n_out; ++j)
                o[j] = {out.data[j] + task * out.col_stride, out.row_stride};
            info.column(params + g * n_params, in.data(), rows, o.data(), check);
        }
    });
}

}  // namespace threadx::ta
