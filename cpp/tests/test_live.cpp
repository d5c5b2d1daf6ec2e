// C++ unit tests of the live spread core: SortedBlocks against std::multiset; TimeWindow's
// quantiles against a brute-force sort of the points in (t - window, t]; SpreadBook against a
// plain re-implementation (last quotes, freshness, both directed spreads, clamped window time,
// signals against the previous quantiles); rejects by reason; LRU eviction; the cap; option
// validation; and no heap allocation per tick once the windows are full (operator new counted).
// Exit code 0 = pass.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <new>
#include <random>
#include <set>
#include <vector>

#include "threadx/live/spread_book.hpp"
#include "threadx/rolling/quantile.hpp"

#include "check.hpp"

// Counting allocations replaces the global operator new; a sanitizer build keeps its own (it
// checks that new and delete pair up), so there the steady-state check is skipped.
#if defined(__SANITIZE_ADDRESS__)
#define THREADX_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define THREADX_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef THREADX_COUNT_ALLOCATIONS
#define THREADX_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<long long> g_allocations{0};
}

#if THREADX_COUNT_ALLOCATIONS
void* operator new(std::size_t n) {
    ++g_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using namespace threadx;
using namespace threadx::live;

namespace {

using test::failures;
using test::throws_validation;

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void test_sorted_blocks() {
    std::mt19937_64 rng(7);
    SortedBlocks s;
    std::multiset<double> ref;
    std::vector<double> live;
    for (int step = 0; step < 60000; ++step) {
        const bool add = live.empty() || (rng() % 100) < (step < 30000 ? 60u : 40u);
        if (add) {
            const double v = static_cast<double>(rng() % 500) / 4.0;  // many duplicates
            s.insert(v);
            ref.insert(v);
            live.push_back(v);
        } else {
            const std::size_t i = rng() % live.size();
            CHECK(s.erase(live[i]), "erase of a stored value %g failed", live[i]);
            ref.erase(ref.find(live[i]));
            live[i] = live.back();
            live.pop_back();
        }
        CHECK(s.size() == static_cast<std::int64_t>(ref.size()), "size %lld vs %zu", static_cast<long long>(s.size()), ref.size());
        if (step % 97 == 0 && !ref.empty()) {
            std::int64_t k = 0;
            double prev = 0;
            for (double v : ref) {
                CHECK(s.kth(k) == v, "kth(%lld) = %g, expected %g", static_cast<long long>(k), s.kth(k), v);
                if (k > 0) {
                    double lo, hi;
                    s.kth_pair(k - 1, lo, hi);
                    CHECK(lo == prev && hi == v, "kth_pair(%lld) = (%g, %g)", static_cast<long long>(k - 1), lo, hi);
                }
                prev = v;
                ++k;
            }
        }
    }
    CHECK(!s.erase(1e9), "erase of an absent value succeeded");
    s.clear();
    CHECK(s.size() == 0, "clear left values");
}

double brute_quantile(std::vector<double> v, double q, rolling::Interpolation how) {
    if (v.empty()) return rolling::kNaN;
    std::sort(v.begin(), v.end());
    const auto p = rolling::QuantilePos::of(q, static_cast<std::int64_t>(v.size()));
    const double lo = v[static_cast<std::size_t>(p.idx)];
    const double hi = p.exact() ? lo : v[static_cast<std::size_t>(p.idx + 1)];
    return rolling::interpolate(how, p, lo, hi);
}

void test_time_window() {
    std::mt19937_64 rng(11);
    TimeWindow w;
    std::vector<std::pair<std::int64_t, double>> pts;
    const std::int64_t window = 1000;
    std::int64_t t = -5000;
    for (int step = 0; step < 20000; ++step) {
        t += static_cast<std::int64_t>(rng() % 40);  // repeats allowed
        const double v = static_cast<double>(rng() % 200) - 100.0;
        w.push(t, v, window, 1 << 20);
        pts.emplace_back(t, v);
        std::vector<double> in;
        for (auto& [pt, pv] : pts)
            if (pt > t - window) in.push_back(pv);
        CHECK(w.size() == static_cast<std::int64_t>(in.size()), "window size %lld vs %zu", static_cast<long long>(w.size()), in.size());
        for (double q : {0.0, 0.05, 0.5, 0.95, 1.0})
            for (auto how : {rolling::Interpolation::linear, rolling::Interpolation::nearest, rolling::Interpolation::midpoint}) {
                const double got = w.quantile(q, how, 1), want = brute_quantile(in, q, how);
                CHECK(same(got, want), "q=%g at step %d: %g vs %g", q, step, got, want);
            }
        CHECK(!w.truncated(window), "an uncapped window says truncated");
        if (pts.size() > 4000) pts.erase(pts.begin(), pts.begin() + 2000);
    }
    // the cap: the oldest points leave first; truncated until the dropped point would have left by time
    TimeWindow c;
    for (int i = 0; i < 10; ++i) c.push(i, i, 100, 4);
    CHECK(c.size() == 4 && c.quantile(0.0, rolling::Interpolation::linear, 1) == 6.0, "cap keeps the newest 4");
    CHECK(c.truncated(100), "capped window not flagged");
    c.push(200, 1.0, 100, 4);  // t=200: every earlier point left by time
    CHECK(c.size() == 1 && !c.truncated(100), "flag did not clear once the dropped points expired");
    CHECK(std::isnan(c.quantile(0.5, rolling::Interpolation::linear, 2)), "min_periods ignored");
    // extreme times do not overflow
    TimeWindow x;
    x.push(std::numeric_limits<std::int64_t>::min(), 1.0, 10, 8);
    x.push(std::numeric_limits<std::int64_t>::max(), 2.0, std::numeric_limits<std::int64_t>::max(), 8);
    CHECK(x.size() == 1, "extreme span: %lld points", static_cast<long long>(x.size()));
}

// ---------------------------------------------------------------- SpreadBook reference
struct RefBook {
    BookOptions o;
    struct Q { double bid, ask; std::int64_t t; bool valid = false; };
    std::map<std::pair<int, int>, Q> last;                  // (sym, ex)
    std::map<std::int64_t, std::vector<std::pair<std::int64_t, double>>> series;  // key -> points
    std::map<std::int64_t, std::pair<double, double>> prevq;
    struct Row { std::int64_t tick; int sym, buy, sell; std::int64_t time; double spread, lo, hi; int signal; std::int64_t nobs; };
    std::vector<Row> rows;
    std::int64_t rejected = 0;

    void push(std::size_t tick, int sym, int buy, int sell, std::int64_t now, double spread) {
        const std::int64_t key = (static_cast<std::int64_t>(sym) * o.exchanges + buy) * o.exchanges + sell;
        auto& s = series[key];
        std::int64_t t = s.empty() ? now : std::max(now, s.back().first);
        s.emplace_back(t, spread);
        std::vector<double> in;
        for (auto& [pt, pv] : s)
            if (pt > t - o.window) in.push_back(pv);
        auto it = prevq.find(key);
        double plo = it == prevq.end() ? rolling::kNaN : it->second.first;
        double phi = it == prevq.end() ? rolling::kNaN : it->second.second;
        int signal = spread > phi ? 1 : (spread < plo ? -1 : 0);
        double lo = brute_quantile(in, o.q_lo, o.interpolation), hi = brute_quantile(in, o.q_hi, o.interpolation);
        prevq[key] = {lo, hi};
        rows.push_back({static_cast<std::int64_t>(tick), sym, buy, sell, t, spread, lo, hi, signal, static_cast<std::int64_t>(in.size())});
    }
    void tick(std::size_t i, std::int64_t now, int ex, int sym, double bid, double ask) {
        Q& q = last[{sym, ex}];
        if (ex < 0 || ex >= o.exchanges || sym < 0 || sym >= o.symbols || !std::isfinite(bid) || !std::isfinite(ask) ||
            bid <= 0 || ask <= 0 || bid > ask || (q.valid && now < q.t)) {
            ++rejected;
            return;
        }
        q = Q{bid, ask, now, true};
        for (int x = 0; x < o.exchanges; ++x) {
            const Q& other = last[{sym, x}];
            if (x == ex || !other.valid || now - other.t > o.max_quote_age) continue;
            const double mid = 0.5 * (0.5 * (bid + ask) + 0.5 * (other.bid + other.ask));
            push(i, sym, ex, x, now, (other.bid - ask) / mid * 1e4);
            push(i, sym, x, ex, now, (bid - other.ask) / mid * 1e4);
        }
    }
};

struct Out {
    std::vector<std::int64_t> tick, time, nobs;
    std::vector<std::int32_t> sym, buy, sell;
    std::vector<double> spread, lo, hi;
    std::vector<std::int8_t> signal;
    std::vector<std::uint8_t> trunc;
    explicit Out(std::size_t n)
        : tick(n), time(n), nobs(n), sym(n), buy(n), sell(n), spread(n), lo(n), hi(n), signal(n), trunc(n) {}
    SpreadRows rows() { return {tick, sym, buy, sell, time, spread, lo, hi, signal, nobs, trunc}; }
};

void test_book_vs_reference() {
    BookOptions o;
    o.exchanges = 3;
    o.symbols = 4;
    o.window = 5000;
    o.max_quote_age = 300;
    o.q_lo = 0.1;
    o.q_hi = 0.9;
    SpreadBook book(o);
    RefBook ref;
    ref.o = o;
    std::mt19937_64 rng(3);
    const std::size_t n = 6000;
    std::vector<std::int64_t> time(n);
    std::vector<std::int32_t> ex(n), sym(n);
    std::vector<double> bid(n), ask(n);
    std::vector<std::int64_t> clock(12, 0);
    for (std::size_t i = 0; i < n; ++i) {
        ex[i] = static_cast<std::int32_t>(rng() % 3);
        sym[i] = static_cast<std::int32_t>(rng() % 4);
        std::int64_t& c = clock[static_cast<std::size_t>(sym[i] * 3 + ex[i])];
        c += static_cast<std::int64_t>(rng() % 100);
        time[i] = c + static_cast<std::int64_t>(rng() % 20) - 10;  // skew: sometimes back in time
        const double mid = 100.0 + static_cast<double>(rng() % 100) / 50.0;
        bid[i] = mid - 0.01 * static_cast<double>(rng() % 5);
        ask[i] = mid + 0.01 * static_cast<double>(rng() % 5);
        switch (rng() % 60) {  // garbage now and then
            case 0: bid[i] = -1.0; break;
            case 1: ask[i] = std::numeric_limits<double>::quiet_NaN(); break;
            case 2: std::swap(bid[i], ask[i]); bid[i] += 0.5; break;
            case 3: ex[i] = 7; break;
            case 4: sym[i] = -1; break;
            default: break;
        }
    }
    Out out(n * book.rows_per_tick());
    std::size_t rows = 0;
    for (std::size_t at = 0; at < n; at += 777) {  // in batches
        const std::size_t m = std::min<std::size_t>(777, n - at);
        TickBatch b{std::span(time).subspan(at, m), std::span(ex).subspan(at, m), std::span(sym).subspan(at, m),
                    std::span(bid).subspan(at, m), std::span(ask).subspan(at, m)};
        Out part(m * book.rows_per_tick());
        const std::size_t r = book.update(b, part.rows());
        for (std::size_t j = 0; j < r; ++j) {
            out.tick[rows] = part.tick[j] + static_cast<std::int64_t>(at);
            out.sym[rows] = part.sym[j]; out.buy[rows] = part.buy[j]; out.sell[rows] = part.sell[j];
            out.time[rows] = part.time[j]; out.spread[rows] = part.spread[j];
            out.lo[rows] = part.lo[j]; out.hi[rows] = part.hi[j]; out.signal[rows] = part.signal[j];
            out.nobs[rows] = part.nobs[j];
            ++rows;
        }
    }
    for (std::size_t i = 0; i < n; ++i) ref.tick(i, time[i], ex[i], sym[i], bid[i], ask[i]);
    CHECK(rows == ref.rows.size(), "rows %zu vs reference %zu", rows, ref.rows.size());
    // a batch's rows may come grouped by symbol: tick order (stable: a tick's rows keep theirs)
    std::vector<std::size_t> by_tick(rows);
    for (std::size_t j = 0; j < rows; ++j) by_tick[j] = j;
    std::stable_sort(by_tick.begin(), by_tick.end(), [&](std::size_t a, std::size_t b) { return out.tick[a] < out.tick[b]; });
    bool grouped = false;
    for (std::size_t j = 0; j < rows; ++j) grouped = grouped || by_tick[j] != j;
    CHECK(grouped, "the batches never ran grouped by symbol (the test would not cover it)");
    int shown = 0;
    for (std::size_t jj = 0; jj < std::min(rows, ref.rows.size()); ++jj) {
        const std::size_t j = by_tick[jj];
        const auto& r = ref.rows[jj];
        const bool ok = out.tick[j] == r.tick && out.sym[j] == r.sym && out.buy[j] == r.buy && out.sell[j] == r.sell &&
                        out.time[j] == r.time && out.spread[j] == r.spread && same(out.lo[j], r.lo) &&
                        same(out.hi[j], r.hi) && out.signal[j] == r.signal && out.nobs[j] == r.nobs;
        if (!ok && shown++ < 5) CHECK(false, "row %zu differs from the reference", jj);
    }
    const BookStats s = book.stats();
    std::int64_t rejected = 0;
    for (auto r : s.rejected) rejected += r;
    CHECK(rejected == ref.rejected && rejected > 0, "rejected %lld vs %lld", static_cast<long long>(rejected), static_cast<long long>(ref.rejected));
    CHECK(s.rejected[static_cast<int>(Reject::out_of_order)] > 0, "no out-of-order tick in the test data");
    CHECK(s.ticks == static_cast<std::int64_t>(n) && s.accepted + rejected == s.ticks, "tick counts");
    CHECK(s.keys == 24 && s.evicted == 0, "keys %lld", static_cast<long long>(s.keys));
}

void test_lru_and_cap() {
    BookOptions o;
    o.exchanges = 2;
    o.symbols = 10;
    o.max_keys = 4;  // two symbols' worth of directed pairs
    o.max_points = 3;
    o.window = 1'000'000;
    SpreadBook book(o);
    Out out(64);
    auto feed = [&](std::int64_t t, std::int32_t e, std::int32_t s) {
        std::int64_t time[1] = {t};
        std::int32_t ex[1] = {e}, sy[1] = {s};
        double b[1] = {100.0}, a[1] = {100.5};
        return book.update({time, ex, sy, b, a}, out.rows());
    };
    for (std::int32_t s = 0; s < 3; ++s) {
        feed(10 * s, 0, s);
        feed(10 * s + 1, 1, s);
    }
    BookStats st = book.stats();
    CHECK(st.keys == 4 && st.evicted == 2, "after 3 symbols with room for 2: keys %lld evicted %lld",
          static_cast<long long>(st.keys), static_cast<long long>(st.evicted));
    // symbol 0 was least recently updated and lost its windows: it starts again with one point
    CHECK(feed(100, 0, 0) == 2 && out.nobs[0] == 1, "evicted key restarted with %lld points", static_cast<long long>(out.nobs[0]));
    for (int i = 0; i < 5; ++i) feed(101 + i, 1, 0);
    CHECK(out.nobs[0] == 3 && out.trunc[0] == 1, "cap of 3: nobs %lld truncated %d", static_cast<long long>(out.nobs[0]), out.trunc[0]);
    CHECK(book.stats().dropped_points > 0, "drops not counted");
}

// A batch run symbol by symbol (no eviction possible) leaves the rows and the LRU order of
// tick-by-tick processing: later evictions pick the same victims.
void test_grouped_equals_tick_by_tick() {
    BookOptions o;
    o.exchanges = 2;
    o.symbols = 6;
    o.max_keys = 8;
    o.window = 500;
    SpreadBook grouped(o), single(o);
    std::mt19937_64 rng(9);
    const std::size_t n = 3000;
    std::vector<std::int64_t> time(n);
    std::vector<std::int32_t> ex(n), sym(n);
    std::vector<double> bid(n), ask(n);
    for (std::size_t i = 0; i < n; ++i) {
        time[i] = static_cast<std::int64_t>(i);
        ex[i] = static_cast<std::int32_t>(rng() % 2);
        // symbols 0-3 for a while (8 keys: batches run grouped), then 4 and 5 arrive (evictions)
        sym[i] = static_cast<std::int32_t>(i < 1000 ? rng() % 4 : rng() % 6);
        bid[i] = 100.0 + static_cast<double>(rng() % 50) / 10.0;
        ask[i] = bid[i] + 0.1;
    }
    Out a(n * 2), b(2);
    std::vector<double> got_a, got_b;
    for (std::size_t at = 0; at < n; at += 100) {
        TickBatch batch{std::span(time).subspan(at, 100), std::span(ex).subspan(at, 100), std::span(sym).subspan(at, 100),
                        std::span(bid).subspan(at, 100), std::span(ask).subspan(at, 100)};
        const std::size_t r = grouped.update(batch, a.rows());
        std::vector<std::size_t> idx(r);
        for (std::size_t j = 0; j < r; ++j) idx[j] = j;
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) { return a.tick[x] < a.tick[y]; });
        for (std::size_t j : idx) for (double v : {a.spread[j], a.lo[j], a.hi[j], static_cast<double>(a.nobs[j])}) got_a.push_back(v);
    }
    for (std::size_t i = 0; i < n; ++i) {
        TickBatch one{std::span(time).subspan(i, 1), std::span(ex).subspan(i, 1), std::span(sym).subspan(i, 1),
                      std::span(bid).subspan(i, 1), std::span(ask).subspan(i, 1)};
        const std::size_t r = single.update(one, b.rows());
        for (std::size_t j = 0; j < r; ++j) for (double v : {b.spread[j], b.lo[j], b.hi[j], static_cast<double>(b.nobs[j])}) got_b.push_back(v);
    }
    CHECK(got_a == got_b, "grouped batches differ from tick-by-tick (%zu vs %zu values)", got_a.size(), got_b.size());
    CHECK(grouped.stats().evicted == single.stats().evicted && single.stats().evicted > 0, "evictions %lld vs %lld",
          static_cast<long long>(grouped.stats().evicted), static_cast<long long>(single.stats().evicted));
}

void test_validation() {
    BookOptions bad;
    bad.exchanges = 1;
    bad.window = 0;
    bad.q_lo = 0.9;
    bad.q_hi = 0.1;
    bad.max_points = 0;
    FieldErrors errors;
    bad.validate(errors);
    CHECK(errors.list().size() == 4, "expected 4 errors, got %zu", errors.list().size());
    CHECK(throws_validation([&] { SpreadBook b(bad); }), "bad options accepted");
    SpreadBook book(BookOptions{});
    std::vector<std::int64_t> t(3);
    std::vector<std::int32_t> e(2), s(3);
    std::vector<double> b(3), a(3);
    Out out(8);
    CHECK(throws_validation([&] { book.update({t, e, s, b, a}, out.rows()); }), "length mismatch accepted");
    std::vector<std::int32_t> e3(3);
    Out small(2);
    CHECK(throws_validation([&] { book.update({t, e3, s, b, a}, small.rows()); }), "short output accepted");
}

void test_no_allocation_in_steady_state() {
    BookOptions o;
    o.exchanges = 3;
    o.symbols = 50;
    o.window = 2000;
    o.max_quote_age = 1'000'000;
    SpreadBook book(o);
    const std::size_t n = 20000;
    std::vector<std::int64_t> time(n);
    std::vector<std::int32_t> ex(n), sym(n);
    std::vector<double> bid(n), ask(n);
    std::mt19937_64 rng(5);
    for (std::size_t i = 0; i < n; ++i) {
        time[i] = static_cast<std::int64_t>(i);
        ex[i] = static_cast<std::int32_t>(i % 3);
        sym[i] = static_cast<std::int32_t>(rng() % 50);
        bid[i] = 100.0 + static_cast<double>(rng() % 1000) / 100.0;
        ask[i] = bid[i] + 0.01;
    }
    Out out(n * book.rows_per_tick());
    TickBatch all{time, ex, sym, bid, ask};
    for (int round = 0; round < 3; ++round) {  // fill the windows (times restart: shift them)
        for (auto& t : time) t += static_cast<std::int64_t>(n);
        book.update(all, out.rows());
    }
    for (auto& t : time) t += static_cast<std::int64_t>(n);
    const long long before = g_allocations.load();
    book.update(all, out.rows());
    const long long allocated = g_allocations.load() - before;
    CHECK(allocated == 0, "steady-state update allocated %lld times", allocated);
    if (!THREADX_COUNT_ALLOCATIONS) std::printf("allocation count not checked in a sanitizer build\n");
}

}  // namespace

int main() {
    test_sorted_blocks();
    test_time_window();
    test_book_vs_reference();
    test_lru_and_cap();
    test_grouped_equals_tick_by_tick();
    test_validation();
    test_no_allocation_in_steady_state();
    if (failures) std::printf("%d failures\n", failures);
    else std::printf("live: all passed\n");
    return failures ? 1 : 0;
}
