#include "threadx/ta/registry.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <bit>
#include <cstring>
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
    register_oscillator(r);
    register_transform(r);
    register_pattern_a_h(r);
    register_cycle(r);
    register_pattern_h_z(r);
    register_flow(r);
    register_band(r);
    std::sort(r.begin(), r.end(), [](const Info& a, const Info& b) { return a.name < b.name; });
    return r;
}

std::array<std::atomic<int>, static_cast<std::size_t>(Unstable::count)> g_unstable{};

const char* const kUnstableNames[] = {
    "ADX", "ADXR", "ATR", "CMO", "DX", "EMA", "HT_DCPERIOD", "HT_DCPHASE", "HT_PHASOR",
    "HT_SINE", "HT_TRENDLINE", "HT_TRENDMODE", "IMI", "KAMA", "MAMA", "MFI", "MINUS_DI",
    "MINUS_DM", "NATR", "PLUS_DI", "PLUS_DM", "RSI", "STOCHRSI", "T3", "RMA", "HA", "RVI"};
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

bool validate_param(const ParamSpec& s, double v, const std::string& owner, FieldErrors& errors) {
    if (s.kind != ParamKind::Real && !(std::isfinite(v) && v == std::floor(v))) {
        errors.add(s.name, repr(v), "must be an integer");
        return false;
    }
    if (!(v >= s.lo && v <= s.hi)) {
        std::string msg = "must be in [";
        msg += s.kind == ParamKind::Real ? repr(s.lo) : repr(static_cast<long long>(s.lo));
        msg += ", ";
        msg += s.kind == ParamKind::Real ? repr(s.hi) : repr(static_cast<long long>(s.hi));
        msg += "] for ";
        msg += owner;
        errors.add(s.name, s.kind == ParamKind::Real ? repr(v) : repr(static_cast<long long>(v)), msg);
        return false;
    }
    return true;
}

void validate_params(const Info& info, const double* p, FieldErrors& errors) {
    g_validations.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t k = 0; k < info.params.size(); ++k) validate_param(info.params[k], p[k], info.name, errors);
    if (info.check) info.check(p, errors);
}

void resolve_params(const Info& info, double* p) noexcept {
    for (std::size_t k = 0; k < info.params.size(); ++k)
        if (info.params[k].kind == ParamKind::MaType && p[k] == kMaTypeDefault) p[k] = info.params[k].def;
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

void run_grid(const Info& info, const std::vector<ConstMatrix>& inputs, const double* given,
              std::int64_t n_sets, const GridOut& out, const CancelToken* token) {
    const std::size_t n_in = info.inputs.size(), n_out = info.outputs.size();
    const std::int64_t n_params = static_cast<std::int64_t>(info.params.size());
    std::vector<double> resolved(given, given + n_sets * n_params);
    for (std::int64_t g = 0; g < n_sets; ++g) resolve_params(info, resolved.data() + g * n_params);
    const double* params = resolved.data();
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

// ---------------------------------------------------------------- saved states

static_assert(std::endian::native == std::endian::little, "saved states are little-endian");

namespace {

constexpr char kMagic[8] = {'T', 'X', 'S', 'T', 'A', 'T', 'E', '\0'};

[[noreturn]] void bad_state(const std::string& field, const std::string& value, const std::string& why) {
    FieldErrors e;
    e.add(field, value, why);
    e.throw_if_any();
    throw Error("unreachable");
}

constexpr std::array<std::uint64_t, 256> crc64_table() {
    std::array<std::uint64_t, 256> t{};
    for (std::uint64_t i = 0; i < 256; ++i) {
        std::uint64_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xC96C5795D7870F42ULL : c >> 1;
        t[i] = c;
    }
    return t;
}

template <class T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Reads the header's fields in order; running past the end is a truncated state.
struct HeaderReader {
    const std::string& b;
    std::size_t pos = 0;
    template <class T>
    T get(const char* what) {
        T v{};
        if (sizeof(T) > b.size() - pos) bad_state(std::string("state.") + what, "offset " + std::to_string(pos), "the state ends inside its header (truncated)");
        std::memcpy(&v, b.data() + pos, sizeof(T));
        pos += sizeof(T);
        return v;
    }
    std::string text(std::uint64_t n, const char* what) {
        if (n > b.size() - pos) bad_state(std::string("state.") + what, "length " + std::to_string(n), "is longer than the state (truncated or corrupted)");
        std::string s = b.substr(pos, n);
        pos += n;
        return s;
    }
};

std::string params_repr(const Info& info, const double* p) {
    std::string s;
    for (std::size_t k = 0; k < info.params.size(); ++k)
        s += (k ? ", " : "") + info.params[k].name + "=" + repr(p[k]);
    return s;
}

}  // namespace

std::uint64_t crc64(const char* data, std::size_t n) noexcept {
    static constexpr auto table = crc64_table();
    std::uint64_t c = ~std::uint64_t{0};
    for (std::size_t i = 0; i < n; ++i)
        c = table[(c ^ static_cast<unsigned char>(data[i])) & 0xff] ^ (c >> 8);
    return ~c;
}

std::string save_state(const Info& info, const double* params, Stream& s) {
    const std::string fields = s.save();
    std::string out(kMagic, sizeof kMagic);
    put<std::uint32_t>(out, kStateFormat);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(info.name.size()));
    out += info.name;
    put<std::uint32_t>(out, static_cast<std::uint32_t>(info.params.size()));
    for (std::size_t k = 0; k < info.params.size(); ++k) put<double>(out, params[k]);
    put<std::uint64_t>(out, fields.size());
    out += fields;
    put<std::uint64_t>(out, crc64(out.data(), out.size()));
    return out;
}

SavedState read_state(const std::string& bytes) {
    if (bytes.size() < sizeof kMagic + 4 + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
        bad_state("state", std::to_string(bytes.size()) + " bytes",
                  "is not a ThreadX streaming state (no TXSTATE header)");
    HeaderReader r{bytes, sizeof kMagic};
    const auto version = r.get<std::uint32_t>("version");
    if (version != kStateFormat)
        bad_state("state.version", std::to_string(version),
                  "this ThreadX reads streaming states of format " + std::to_string(kStateFormat) +
                      " only (saved by another ThreadX version)");
    const std::size_t body = bytes.size() - 8;
    std::uint64_t stored = 0;
    std::memcpy(&stored, bytes.data() + body, 8);
    if (stored != crc64(bytes.data(), body))
        bad_state("state.checksum", std::to_string(stored),
                  "does not match the bytes (the state is corrupted, truncated or extended)");
    SavedState out;
    const std::string name = r.text(r.get<std::uint32_t>("name"), "name");
    out.info = find(name);
    if (!out.info) bad_state("state.name", repr(name), "is not an indicator ThreadX provides");
    const auto np = r.get<std::uint32_t>("params");
    if (np != out.info->params.size())
        bad_state("state.params", std::to_string(np) + " values",
                  name + " takes " + std::to_string(out.info->params.size()));
    out.params.resize(np);
    for (auto& p : out.params) p = r.get<double>("params");
    FieldErrors errors;
    validate_params(*out.info, out.params.data(), errors);
    if (!errors.empty())
        bad_state("state.params", params_repr(*out.info, out.params.data()),
                  "are not valid for " + name + ": " + errors.list()[0].field + " " + errors.list()[0].message);
    const auto n = r.get<std::uint64_t>("fields");
    out.fields = r.text(n, "fields");
    if (r.pos != body) bad_state("state.fields", "length " + std::to_string(n), "does not end where the checksum starts");
    return out;
}

void load_state(const Info& info, const double* params, Stream& s, const std::string& bytes) {
    const SavedState saved = read_state(bytes);
    if (saved.info != &info)
        bad_state("state.name", repr(saved.info->name),
                  "is not " + info.name + ": a state loads only into the indicator that saved it");
    for (std::size_t k = 0; k < info.params.size(); ++k)
        if (!(saved.params[k] == params[k]))
            bad_state("state.params", params_repr(info, saved.params.data()),
                      "differ from this " + info.name + "'s (" + params_repr(info, params) + ")");
    s.load(saved.fields);
}

}  // namespace threadx::ta
