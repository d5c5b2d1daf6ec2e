// C++ unit tests of the indicator core: for every registered indicator, the batch
// kernel equals its streaming twin bar for bit, a snapshot resumes identically, grids
// equal single runs, and parameter validation names the field.  Exit code 0 = pass.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "threadx/core/parallel.hpp"
#include "threadx/ta/registry.hpp"

#include "check.hpp"

using namespace threadx;
using namespace threadx::ta;

namespace {

using test::failures;

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// OHLCV-like columns (every input name gets a plausible series) with a leading NaN.
std::vector<std::vector<double>> inputs_for(const Info& info, std::size_t n, std::uint64_t seed) {
    std::mt19937_64 g(seed);
    std::normal_distribution<double> step;
    std::uniform_real_distribution<double> u;
    std::vector<double> close(n), high(n), low(n), open(n), volume(n), session(n);
    double s = 100;
    for (std::size_t i = 0; i < n; ++i) {
        s += step(g);
        close[i] = s;
        open[i] = s + 0.3 * step(g);
        high[i] = std::max(open[i], close[i]) + u(g);
        low[i] = std::min(open[i], close[i]) - u(g);
        volume[i] = std::round(1000 * u(g));
        session[i] = static_cast<double>(i / 50);
    }
    close[0] = NAN;
    std::vector<std::vector<double>> out;
    for (const auto& name : info.inputs) {
        if (name == "high" || name == "real0") out.push_back(high);
        else if (name == "low" || name == "real1") out.push_back(low);
        else if (name == "open") out.push_back(open);
        else if (name == "volume") out.push_back(volume);
        else if (name == "session") out.push_back(session);
        else out.push_back(close);
    }
    return out;
}

std::vector<double> defaults(const Info& info) {
    std::vector<double> p;
    for (const auto& s : info.params) p.push_back(s.def);
    return p;
}

void test_batch_equals_stream_and_snapshots() {
    const std::size_t n = 700;
    CancelCheck check(nullptr);
    for (const Info& info : registry()) {
        const auto in = inputs_for(info, n, 7);
        const auto p = defaults(info);
        const std::size_t ni = info.inputs.size(), no = info.outputs.size();
        std::vector<ConstColumn> cols;
        for (const auto& c : in) cols.push_back({c.data(), 1});
        std::vector<std::vector<double>> batch(no, std::vector<double>(n));
        std::vector<Column> outs;
        for (auto& b : batch) outs.push_back({b.data(), 1});
        info.column(p.data(), cols.data(), static_cast<std::int64_t>(n), outs.data(), check);

        auto s = info.stream(p.data());
        std::unique_ptr<Stream> resumed;
        std::vector<double> x(ni), y(no), z(no);
        bool ok = true, resumed_ok = true;
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t k = 0; k < ni; ++k) x[k] = in[k][i];
            if (i == n / 2) {  // snapshot into a fresh state, then run both
                resumed = info.stream(p.data());
                resumed->load(s->save());
            }
            s->update(x.data(), y.data());
            if (resumed) resumed->update(x.data(), z.data());
            for (std::size_t j = 0; j < no; ++j) {
                ok &= same(y[j], batch[j][i]);
                if (resumed) resumed_ok &= same(z[j], y[j]);
            }
        }
        CHECK(ok, "%s: stream differs from batch", info.name.c_str());
        CHECK(resumed_ok, "%s: a restored snapshot diverges", info.name.c_str());
        CHECK(s->bars() == static_cast<std::int64_t>(n), "%s: bars", info.name.c_str());
    }
}

void test_grid_equals_single_runs() {
    const Info* ema = find("EMA");
    CHECK(ema != nullptr, "EMA registered");
    if (!ema) return;
    const std::int64_t n = 500, assets = 3;
    std::vector<double> x(static_cast<std::size_t>(n * assets));
    std::mt19937_64 g(3);
    std::normal_distribution<double> step;
    for (auto& v : x) v = 100 + step(g);
    ConstMatrix m{x.data(), n, assets, 1, n};
    const std::vector<double> sets = {2, 5, 30, 200};
    std::vector<double> out(static_cast<std::size_t>(n * assets * 4));
    GridOut o{{out.data()}, n, 1};
    run_grid(*ema, {m}, sets.data(), 4, o, nullptr);
    bool ok = true;
    CancelCheck check(nullptr);
    for (std::int64_t a = 0; a < assets; ++a)
        for (std::int64_t k = 0; k < 4; ++k) {
            std::vector<double> one(static_cast<std::size_t>(n));
            ConstColumn c = m.column(a);
            Column oc{one.data(), 1};
            ema->column(&sets[static_cast<std::size_t>(k)], &c, n, &oc, check);
            for (std::int64_t i = 0; i < n; ++i) ok &= same(one[static_cast<std::size_t>(i)], out[static_cast<std::size_t>((a * 4 + k) * n + i)]);
        }
    CHECK(ok, "grid result differs from single runs");
}

// Every combination of the given values, one parameter set per row.
std::vector<double> cartesian(const std::vector<std::vector<double>>& axes, std::int64_t& n_sets) {
    std::vector<double> sets = {};
    n_sets = 1;
    for (const auto& a : axes) n_sets *= static_cast<std::int64_t>(a.size());
    for (std::int64_t g = 0; g < n_sets; ++g) {
        std::int64_t r = g;
        std::vector<double> row(axes.size());
        for (std::size_t k = axes.size(); k-- > 0;) {
            row[k] = axes[k][static_cast<std::size_t>(r % static_cast<std::int64_t>(axes[k].size()))];
            r /= static_cast<std::int64_t>(axes[k].size());
        }
        sets.insert(sets.end(), row.begin(), row.end());
    }
    return sets;
}

// The sharing hook of the indicator under test, wrapped to record the size of every group.
GridFn g_real_grid = nullptr;
std::mutex g_calls_mutex;
std::vector<std::int64_t> g_calls;
void counting_grid(const double* const* sets, std::int64_t k, const ConstColumn* in, std::int64_t n,
                   const Column* out, const CancelCheck& check) {
    {
        std::lock_guard<std::mutex> lock(g_calls_mutex);
        g_calls.push_back(k);
    }
    g_real_grid(sets, k, in, n, out, check);
}

// A grid with repeated share keys (2-D input with NaNs) equals single runs bit for bit,
// on 1 and 2 threads, and its groups go through the indicator's sharing hook.
void check_shared_grid(const char* name, const std::vector<std::vector<double>>& axes,
                       std::size_t n_groups, std::int64_t group_size) {
    const Info* found = find(name);
    CHECK(found && found->grid, "%s has a sharing hook", name);
    if (!found || !found->grid) return;
    std::int64_t n_sets = 0;
    const std::vector<double> sets = cartesian(axes, n_sets);
    const auto groups = share_groups(*found, sets.data(), n_sets);
    bool sizes = groups.size() == n_groups;
    for (const auto& g : groups) sizes &= static_cast<std::int64_t>(g.size()) == group_size;
    CHECK(sizes, "%s: %zu share groups (expected %zu of %lld)", name, groups.size(), n_groups,
          static_cast<long long>(group_size));

    Info info = *found;  // the same indicator with a counting hook
    g_real_grid = info.grid;
    info.grid = &counting_grid;
    const std::int64_t n = 600, assets = 3, no = static_cast<std::int64_t>(info.outputs.size());
    std::vector<double> x(static_cast<std::size_t>(n * assets));
    std::mt19937_64 gen(11);
    std::normal_distribution<double> step;
    for (std::int64_t a = 0; a < assets; ++a) {
        double s = 100;
        for (std::int64_t i = 0; i < n; ++i) x[static_cast<std::size_t>(a * n + i)] = s += step(gen);
    }
    for (std::int64_t i = 0; i < 40; ++i) x[static_cast<std::size_t>(n + i)] = NAN;  // asset 1 starts late
    x[static_cast<std::size_t>(2 * n + 300)] = NAN;                                   // asset 2 has a gap
    ConstMatrix m{x.data(), n, assets, 1, n};
    CancelCheck check(nullptr);
    const int threads_before = get_num_threads();
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        g_calls.clear();
        std::vector<std::vector<double>> out(static_cast<std::size_t>(no),
                                             std::vector<double>(static_cast<std::size_t>(n * assets * n_sets)));
        GridOut o{{}, n, 1};
        for (auto& v : out) o.data.push_back(v.data());
        run_grid(info, {m}, sets.data(), n_sets, o, nullptr);
        bool hook = g_calls.size() == static_cast<std::size_t>(assets) * n_groups;
        for (std::int64_t k : g_calls) hook &= k == group_size;
        CHECK(hook, "%s on %d threads: the sharing hook ran %zu times", name, threads, g_calls.size());
        bool ok = true;
        for (std::int64_t a = 0; a < assets; ++a)
            for (std::int64_t g = 0; g < n_sets; ++g) {
                std::vector<std::vector<double>> one(static_cast<std::size_t>(no), std::vector<double>(static_cast<std::size_t>(n)));
                std::vector<Column> oc;
                for (auto& v : one) oc.push_back({v.data(), 1});
                const ConstColumn c = m.column(a);
                found->column(&sets[static_cast<std::size_t>(g * static_cast<std::int64_t>(axes.size()))], &c, n, oc.data(), check);
                for (std::int64_t j = 0; j < no; ++j)
                    for (std::int64_t i = 0; i < n; ++i) {
                        const double want = one[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
                        const double got = out[static_cast<std::size_t>(j)][static_cast<std::size_t>((a * n_sets + g) * n + i)];
                        ok &= std::memcmp(&want, &got, sizeof(double)) == 0 || (std::isnan(want) && std::isnan(got));
                    }
            }
        CHECK(ok, "%s on %d threads: a shared grid differs from single runs", name, threads);
    }
    set_num_threads(threads_before);
}

void test_grid_sharing() {
    check_shared_grid("BBANDS", {{10, 20}, {1, 2, 2.5}, {1, 3}, {0, 1}}, 4, 6);
    check_shared_grid("MACD", {{8, 12}, {26, 30}, {5, 9, 12}}, 4, 3);
    // MACDEXT: all-EMA sets (MACD's path) and others in one group
    check_shared_grid("MACDEXT", {{8, 12}, {1}, {26}, {0, 1}, {1, 5, 9}, {0, 1}}, 4, 6);
    const Info* ema = find("EMA");
    CHECK(ema && !ema->grid, "EMA has no sharing hook");
    std::int64_t n_sets = 0;
    const auto sets = cartesian({{5, 5, 9}}, n_sets);
    CHECK(share_groups(*ema, sets.data(), n_sets).size() == 3, "no hook: one group per set");
}

void test_validation_and_cancel() {
    const Info* sma = find("SMA");
    FieldErrors e;
    double bad[] = {1};
    validate_params(*sma, bad, e);
    CHECK(e.list().size() == 1 && e.list()[0].field == "timeperiod", "SMA timeperiod=1 rejected by name");
    FieldErrors e2;
    double frac[] = {2.5};
    validate_params(*sma, frac, e2);
    CHECK(!e2.empty(), "non-integral period rejected");
    CHECK(find("CDLFUTURE") == nullptr && find("sma") == nullptr, "unknown names are not found");
    CHECK(find("CDLDOJI") != nullptr && find("HT_TRENDMODE") != nullptr, "TA-Lib 0.8 names are found");

    CancelToken token;
    token.cancel();
    std::vector<double> x(1000, 1.0), out(1000);
    ConstMatrix m{x.data(), 1000, 1, 1, 1000};
    GridOut o{{out.data()}, 1000, 1};
    double p[] = {10};
    bool threw = false;
    try {
        run_grid(*sma, {m}, p, 1, o, &token);
    } catch (const CancelledError&) {
        threw = true;
    }
    CHECK(threw, "a cancelled token stops run_grid");

    const Info* bb = find("BBANDS");  // a shared group is cancelled too
    std::vector<double> out3(3000);
    GridOut o3{{out3.data(), out3.data() + 1000, out3.data() + 2000}, 500, 1};
    double sets[] = {20, 1, 1, 0, 20, 2, 2, 0};
    ConstMatrix m1{x.data(), 500, 1, 1, 500};
    threw = false;
    try {
        run_grid(*bb, {m1}, sets, 2, o3, &token);
    } catch (const CancelledError&) {
        threw = true;
    }
    CHECK(threw, "a cancelled token stops a shared group");
}

}  // namespace

// The field of the ValidationError f() throws ("" when it throws none, "?" for another error).
template <class F>
std::string refused_field(F&& f) {
    try {
        f();
    } catch (const ValidationError& e) {
        return e.errors().empty() ? "" : e.errors()[0].field;
    } catch (...) {
        return "?";
    }
    return "";
}

// A restored state is checked: a ring's head out of range, a bool that is not 0/1, a
// saved state of another indicator, parameters or format version, and any change of
// its bytes are refused with the field named.
void test_restored_states_are_checked() {
    Ring ring(4);
    for (double v : {1.0, 2.0, 3.0, 4.0, 5.0}) ring.push(v);
    Writer w;
    w(ring);
    std::string bytes = w.bytes;
    const std::int64_t bad_head[] = {4, -1, std::int64_t(1) << 40};
    for (std::int64_t h : bad_head) {
        std::memcpy(bytes.data() + bytes.size() - 8, &h, 8);
        Ring back(4);
        CHECK(refused_field([&] {
                  Reader r{bytes};
                  r(back);
              }) == "state.Ring.head",
              "ring head %lld accepted", static_cast<long long>(h));
    }

    const Info& mom = *find("MOM");
    const Info& ema = *find("EMA");
    const double p10[] = {10}, p20[] = {20};
    auto s = mom.stream(p10);
    const double x[] = {1.0};
    double y[1];
    for (int i = 0; i < 50; ++i) s->update(x, y);
    const std::string saved = save_state(mom, p10, *s);
    auto fresh = mom.stream(p10);
    CHECK(refused_field([&] { load_state(mom, p10, *fresh, saved); }).empty(), "a valid state refused");
    CHECK(refused_field([&] { load_state(mom, p20, *mom.stream(p20), saved); }) == "state.params", "params");
    CHECK(refused_field([&] { load_state(ema, p10, *ema.stream(p10), saved); }) == "state.name", "name");
    std::string other = saved;
    other[8] = 2;  // the format version
    CHECK(refused_field([&] { load_state(mom, p10, *fresh, other); }) == "state.version", "version");
    for (std::size_t i = 12; i < saved.size(); ++i) {
        std::string bad = saved;
        bad[i] = static_cast<char>(bad[i] ^ 0x10);
        CHECK(!refused_field([&] { load_state(mom, p10, *fresh, bad); }).empty(), "flip at %zu accepted", i);
    }
    // a `started` flag of 2 with a valid checksum: refused by the fields' own check
    std::string flag = saved.substr(0, saved.size() - 8);
    const std::size_t fields_at = flag.size() - s->save().size();
    flag[fields_at] = 2;
    const std::uint64_t crc = crc64(flag.data(), flag.size());
    flag.append(reinterpret_cast<const char*>(&crc), 8);
    CHECK(refused_field([&] { load_state(mom, p10, *fresh, flag); }) == "state.flag", "bool 2 accepted");
}

int main() {
    test_restored_states_are_checked();
    test_batch_equals_stream_and_snapshots();
    test_grid_equals_single_runs();
    test_grid_sharing();
    test_validation_and_cancel();
    std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}
