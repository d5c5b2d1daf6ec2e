#pragma once
// The machinery of the candlestick patterns (TA-Lib's "Pattern Recognition" group).
//
// Candle settings.  TA-Lib judges "long", "short", "doji", "near", ... against 11 candle
// settings (TA_SetCandleSettings): each is a range type (the candle's real body, its
// high-low range or its two shadows), an average period and a factor.  A quantity is
// compared with
//     average(setting, bar) = factor * (avg_period != 0 ? total / avg_period : range(bar))
//                             / (range type == Shadows ? 2 : 1)
// where `total` is the running sum of range(setting) over the avg_period bars *before*
// `bar` (avg_period = 0: the bar's own range), exactly TA-Lib's TA_CANDLEAVERAGE.
//
// Settings per call.  ThreadX never reads a mutable global during a run: the settings a
// pattern uses travel with the call as hidden parameters appended to the pattern's
// parameter row (3 per setting it uses: range type, average period, factor; named
// "candle_settings.<Setting>.<key>", flagged `hidden` in the registry, so TA-Lib's
// signature is unchanged while grids, universes, streams and saved states carry them).
// Python fills them from `candle_settings=` over the process-wide settings it snapshots
// when a call or a stream starts (python/threadx/ta/_candles.py).
//
// Writing a pattern.  A pattern is a small struct P:
//     static constexpr int bars = 3;                       // candles it looks at (this one and 2 before)
//     static constexpr std::array<Use, 3> uses{{{BodyLong, 2}, {BodyShort, 1}, {BodyShort, 0}}};
//     static constexpr int n_params = 1;                   // its own (visible) parameters, if any,
//     explicit P(const double* params);                    //   read from the row's start
//     template <class C> int eval(const C& c);             // the value at this bar: -100, 0, 100, ...
// Use{setting, k}: the pattern compares with the average of `setting` for the candle k
// bars back; TA-Lib keeps one running total per such pair (each with its own rounding),
// and so does Pattern<P>.  In eval, c.bar(k) is the candle k bars back (0 = this one),
// c.avg(u) the average of uses[u] (computed on demand, as TA-Lib's && chains do) and
// c.index() the bar's index from the first complete bar (TA-Lib's i).
// Optional members:
//     static int lookback(int max_avg);   // TA-Lib's lookback when it is not max_avg + bars - 1
//     static constexpr int pre = 3;       // eval also runs on the `pre` bars before the first
//                                         // output (patterns with a memory: HIKKAKE)
//     template <class Ar> void fields(Ar&); template <class C> void check(const C&) const;
//                                         // a pattern's own running state (saved with the stream)
// Shared pieces: Bar's body/shadows/colour, the gap tests, near(), penetration() and
// below()/above() (TA-Lib's close -/+ body * penetration, not fused).
// Pattern<P> (the registry's state) then does the rest: the warm-up (TA-Lib's lookback,
// output NaN there, which the Python layer turns into 0 as TA-Lib returns it), each
// total's initial window and its O(1) update per bar, the candles' history, NaN handling
// (a NaN bar among the candles looked at gives NaN; a NaN reaching a running total
// poisons it, as for every running state) and state snapshots.  make_pattern<P>(...)
// registers it with TA-Lib's name, group, inputs (open, high, low, close) and output
// `integer`.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "threadx/ta/registry.hpp"

namespace threadx::ta::candle {

// TA-Lib's TA_CandleSettingType, in its order (the values are TA-Lib's).
enum Setting : int {
    BodyLong, BodyVeryLong, BodyShort, BodyDoji, ShadowLong, ShadowVeryLong, ShadowShort,
    ShadowVeryShort, Near, Far, Equal, kSettings
};
// TA-Lib's TA_RangeType.
enum RangeType : int { RealBody, HighLow, Shadows, kRangeTypes };

struct SettingDefault {
    const char* name;
    RangeType type;
    int avg_period;
    double factor;
};
// TA-Lib 0.8.1's defaults (TA_RestoreCandleDefaultSettings).
inline constexpr SettingDefault kDefaults[kSettings] = {
    {"BodyLong", RealBody, 10, 1.0},        {"BodyVeryLong", RealBody, 10, 3.0},
    {"BodyShort", RealBody, 10, 1.0},       {"BodyDoji", HighLow, 10, 0.1},
    {"ShadowLong", RealBody, 0, 1.0},       {"ShadowVeryLong", RealBody, 0, 2.0},
    {"ShadowShort", Shadows, 10, 1.0},      {"ShadowVeryShort", HighLow, 10, 0.1},
    {"Near", HighLow, 5, 0.2},              {"Far", HighLow, 5, 0.6},
    {"Equal", HighLow, 5, 0.05},
};
inline constexpr const char* kRangeTypeNames[kRangeTypes] = {"RealBody", "HighLow", "Shadows"};
// TA_SetCandleSettings accepts average periods 0 to 1e8 (probed); a factor must be a
// finite number >= 0 (ThreadX's rule: TA-Lib takes any non-NaN).
inline constexpr double kMaxAvgPeriod = 100000000;

// The 3 hidden parameters of a setting, in row order: range_type, avg_period, factor.
// One definition of the settings' ranges: the registry validates pattern rows with them
// and check_settings() the process-wide setter's values.
std::vector<ParamSpec> setting_params(Setting s);
// Every invalid value of a full table (kSettings x 3 values, the row order above).
void check_settings(const double* values, FieldErrors& errors);

// ---------------------------------------------------------------- one candle

struct Bar {
    double open = 0, high = 0, low = 0, close = 0;
    bool white() const noexcept { return close >= open; }            // TA_CANDLECOLOR == 1
    int color() const noexcept { return close >= open ? 1 : -1; }    // TA_CANDLECOLOR
    double body() const noexcept { return std::fabs(close - open); }  // TA_REALBODY
    double top() const noexcept { return close >= open ? close : open; }     // max(open, close)
    double bottom() const noexcept { return close >= open ? open : close; }  // min(open, close)
    double upper() const noexcept { return high - top(); }     // TA_UPPERSHADOW
    double lower() const noexcept { return bottom() - low; }   // TA_LOWERSHADOW
    double range() const noexcept { return high - low; }       // TA_HIGHLOWRANGE
    bool has_nan() const noexcept { return std::isnan(open + high + low + close); }
};

// TA_CANDLERANGE of a range type.
inline double range_of(int type, const Bar& b) noexcept {
    switch (type) {
        case RealBody: return b.body();
        case HighLow: return b.range();
        default: return b.upper() + b.lower();
    }
}

// Gaps between the candle `later` and the earlier candle `earlier` (TA-Lib's macros).
inline bool body_gap_up(const Bar& later, const Bar& earlier) noexcept { return std::min(later.open, later.close) > std::max(earlier.open, earlier.close); }
inline bool body_gap_down(const Bar& later, const Bar& earlier) noexcept { return std::max(later.open, later.close) < std::min(earlier.open, earlier.close); }
inline bool gap_up(const Bar& later, const Bar& earlier) noexcept { return later.low > earlier.high; }
inline bool gap_down(const Bar& later, const Bar& earlier) noexcept { return later.high < earlier.low; }

// ---------------------------------------------------------------- shared pieces of patterns

// The `penetration` parameter (TA-Lib's range: 0 to TA_REAL_MAX).
inline ParamSpec penetration(double def) { return real("penetration", def, 0, 3e37); }

// close -/+ body * penetration as TA-Lib 0.8.1 (the talib wheel's build) computes it: the
// difference rounded twice (not fused; tests/test_ta_patterns.py::test_penetration_rounds_as_talib),
// the sum fused, one rounding (tests/test_ta_patterns_h_z.py::test_bullish_penetration_rounds_as_talib).
// The core is compiled without FMA contraction, so `below` stays two roundings.
inline double below(double close, double body, double pen) noexcept { return close - body * pen; }
inline double above(double close, double body, double pen) noexcept { return std::fma(body, pen, close); }

// `v` within +-avg of `ref`: ref - avg <= v <= ref + avg (TA-Lib's "near"/"equal" tests).
inline bool near(double v, double ref, double avg) noexcept { return v >= ref - avg && v <= ref + avg; }

// ---------------------------------------------------------------- the machinery

// A pattern compares with the average of `setting` for the candle `k` bars back.
struct Use {
    Setting setting;
    int k;
};

// One setting's values as a row carries them.
struct SettingValue {
    int type = HighLow;
    int avg = 0;
    double factor = 0;
    double half = 1;  // TA-Lib divides by 2 for Shadows, by 1 otherwise: * 0.5 or * 1, the same values
    SettingValue() = default;
    SettingValue(int t, int a, double f) : type(t), avg(a), factor(f), half(t == Shadows ? 0.5 : 1.0) {}
    // TA_CANDLEAVERAGE: `total` over the bars before `b`, or b's own range for avg 0.
    double average(double total, const Bar& b) const noexcept {
        const double a = avg != 0 ? total / static_cast<double>(avg) : range_of(type, b);
        return factor * a * half;
    }
};

// The last `cap` candles, newest last.  Grows to `cap` as candles arrive, so a very long
// average period (TA-Lib allows 1e8) costs only the candles actually seen.
struct History {
    std::vector<Bar> v;
    std::int64_t cap = 1, head = 0;  // head: the slot the next candle goes to
    History() = default;
    explicit History(std::int64_t c) : cap(c < 1 ? 1 : c) {}
    std::int64_t size() const noexcept { return static_cast<std::int64_t>(v.size()); }
    void push(const Bar& b) {
        if (size() < cap) {
            v.push_back(b);
            head = size() == cap ? 0 : size();
            return;
        }
        v[static_cast<std::size_t>(head)] = b;
        if (++head == cap) head = 0;
    }
    // The candle `age` bars back (0 = the last pushed); valid for age < size().
    const Bar& back(std::int64_t age) const noexcept {
        std::int64_t i = head - 1 - age;
        if (i < 0) i += size();
        return v[static_cast<std::size_t>(i)];
    }
    template <class Ar>
    void fields(Ar& ar) {
        std::uint64_t n = v.size();
        ar(n, head);
        StateCheck{}.within("candles.size", static_cast<long long>(n), 0, cap);  // before any allocation
        v.resize(static_cast<std::size_t>(n));
        for (Bar& b : v) ar(b.open, b.high, b.low, b.close);
    }
    template <class C>
    void check(const C& c) const {
        if (size() < cap) c.that(head == size(), "candles.head", head, "must be the number of candles held");
        else c.index("candles.head", head, cap);
    }
};

template <class P>
concept HasLookback = requires(int a) { { P::lookback(a) } -> std::convertible_to<int>; };
template <class P>
concept HasPre = requires { P::pre; };
template <class P>
concept HasParams = requires { P::n_params; };
template <class P, class Ar>
concept HasOwnFields = requires(P& p, Ar& ar) { p.fields(ar); };

// Hidden parameters of P: its distinct settings, in the order uses first names them.
template <class P>
std::vector<Setting> settings_of() {
    std::vector<Setting> s;
    for (const Use& u : P::uses)
        if (std::find(s.begin(), s.end(), u.setting) == s.end()) s.push_back(u.setting);
    return s;
}

// The registry's state of pattern P (see the top of this file).
template <class P>
struct Pattern {
    static constexpr int n_inputs = 4, n_outputs = 1;
    static constexpr int kUses = static_cast<int>(P::uses.size());
    static constexpr int kPre = [] { if constexpr (HasPre<P>) return P::pre; else return 0; }();

    P p;
    std::array<SettingValue, kUses> set{};
    std::array<double, kUses> total{};
    std::int64_t lookback = 0, begin = 0;  // first output bar; first bar eval runs (lookback - pre)
    std::int64_t count = 0;                // bars seen
    std::int64_t clean = 0;                // bars since the last bar holding a NaN (capped)
    History hist;

    // The view eval() gets of the current bar.
    struct Ctx {
        const Pattern& s;
        std::int64_t i;  // this bar's index, counted from the first complete bar (TA-Lib's i)
        std::int64_t index() const noexcept { return i; }
        const Bar& bar(int k) const noexcept { return s.hist.back(k); }
        double avg(int u) const noexcept { return s.set[u].average(s.total[u], bar(P::uses[u].k)); }
    };

    static constexpr int kParams = [] { if constexpr (HasParams<P>) return P::n_params; else return 0; }();
    static P make(const double* params) {
        if constexpr (kParams > 0) return P(params);
        else return P{};
    }

    explicit Pattern(const double* params) : p(make(params)) {
        const auto settings = settings_of<P>();
        int max_avg = 0;
        std::int64_t depth = P::bars, reach = P::bars - 1;  // reach: the oldest candle a bar needs
        for (int u = 0; u < kUses; ++u) {
            const auto j = static_cast<std::size_t>(std::find(settings.begin(), settings.end(), P::uses[u].setting) - settings.begin());
            const double* v = params + kParams + 3 * j;
            set[u] = {static_cast<int>(v[0]), static_cast<int>(v[1]), v[2]};
            max_avg = std::max(max_avg, set[u].avg);
            reach = std::max<std::int64_t>(reach, P::uses[u].k + static_cast<std::int64_t>(set[u].avg));
        }
        if constexpr (HasLookback<P>) lookback = P::lookback(max_avg);
        else lookback = max_avg + P::bars - 1;
        // TA-Lib's lookbacks always cover `reach`; the max keeps memory safe regardless
        begin = std::max(lookback - kPre, reach);
        depth = std::max(depth, reach + 1);
        hist = History(depth);
    }

    void update(const double* x, double* y) {
        const Bar b{x[0], x[1], x[2], x[3]};
        hist.push(b);
        const std::int64_t i = count++;
        clean = b.has_nan() ? 0 : std::min<std::int64_t>(clean + 1, P::bars + 1);
        if (i < begin) {  // the initial windows: range(j) for j in [begin - k - avg, begin - k - 1]
            for (int u = 0; u < kUses; ++u) {
                const std::int64_t k = P::uses[u].k;
                if (i >= begin - k - set[u].avg && i < begin - k) total[u] += range_of(set[u].type, b);
            }
            y[0] = kNaN;
            return;
        }
        const int r = p.eval(Ctx{*this, i});
        bool nan = clean < P::bars;
        for (int u = 0; u < kUses; ++u) nan |= std::isnan(total[u]);
        y[0] = i < lookback || nan ? kNaN : static_cast<double>(r);
        for (int u = 0; u < kUses; ++u) {  // add this bar's range, drop the oldest (TA-Lib's order)
            const int k = P::uses[u].k;
            total[u] += range_of(set[u].type, hist.back(k)) - range_of(set[u].type, hist.back(k + set[u].avg));
        }
    }

    // The batch path: the same eval() and the same arithmetic as update(), bar for bar (so
    // the results are bit-identical, which the stream-equals-batch tests check), reading the
    // candles from the columns instead of a history.  In = ConstColumn, or Contiguous for
    // the usual unit-stride columns (no stride multiplications in the loop).
    struct Contiguous {
        const double* p;
        double operator[](std::int64_t i) const noexcept { return p[i]; }
    };
    struct ContiguousOut {
        double* p;
        double& operator[](std::int64_t i) const noexcept { return p[i]; }
    };
    template <class In>
    struct Cols {
        const SettingValue* set;
        const double* total;
        const In* in;
        std::int64_t row, i;  // the current row, and its index from the first complete bar
        std::int64_t index() const noexcept { return i; }
        Bar bar(int k) const noexcept { return at(in, row - k); }
        double avg(int u) const noexcept { return set[u].average(total[u], bar(P::uses[u].k)); }
    };
    template <class In>
    static Bar at(const In* in, std::int64_t row) noexcept { return {in[0][row], in[1][row], in[2][row], in[3][row]}; }

    static void batch(const double* params, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        Pattern s(params);
        if (in[0].stride == 1 && in[1].stride == 1 && in[2].stride == 1 && in[3].stride == 1 && out[0].stride == 1) {
            const Contiguous c[4] = {{in[0].data}, {in[1].data}, {in[2].data}, {in[3].data}};
            run_rows(s, c, start, n, ContiguousOut{out[0].data}, check);
        } else {
            run_rows(s, in, start, n, out[0], check);
        }
    }
    template <class In, class Out>
    static void run_rows(Pattern& s, const In* in, std::int64_t start, std::int64_t n, Out out, const CancelCheck& check) {
        const std::array<SettingValue, kUses> set = s.set;  // locals: visibly loop-invariant
        std::array<double, kUses> total = s.total;
        const std::int64_t begin = s.begin, lookback = s.lookback;
        std::int64_t last_nan = start - 1;  // as update()'s `clean`: bars since the last NaN bar
        for (std::int64_t row = start; row < n; ++row) {
            const std::int64_t i = row - start;
            if ((i & (kCheckEvery - 1)) == 0 && i) check();
            const Bar b = at(in, row);
            if (b.has_nan()) last_nan = row;
            if (i < begin) {
                for (int u = 0; u < kUses; ++u) {
                    const std::int64_t k = P::uses[u].k;
                    if (i >= begin - k - set[u].avg && i < begin - k) total[u] += range_of(set[u].type, b);
                }
                out[row] = kNaN;
                continue;
            }
            const int r = s.p.eval(Cols<In>{set.data(), total.data(), in, row, i});
            bool nan = std::min<std::int64_t>(row - last_nan, P::bars + 1) < P::bars;
            for (int u = 0; u < kUses; ++u) nan |= std::isnan(total[u]);
            out[row] = i < lookback || nan ? kNaN : static_cast<double>(r);
            for (int u = 0; u < kUses; ++u) {
                const int k = P::uses[u].k;
                total[u] += range_of(set[u].type, at(in, row - k)) - range_of(set[u].type, at(in, row - k - set[u].avg));
            }
        }
    }

    template <class Ar>
    void fields(Ar& ar) {
        ar(total, count, clean, hist);
        if constexpr (HasOwnFields<P, Ar>) p.fields(ar);
    }
    template <class C>
    void check(const C& c) const {
        c.that(count >= 0, "count", count, "must not be negative");
        c.that(hist.size() == std::min(count, hist.cap), "candles.size", hist.size(), "must be min(count, capacity)");
        c.within("clean", clean, 0, P::bars + 1);
    }
};

// The registry entry of pattern P: TA-Lib's name and doc, group "Pattern Recognition",
// inputs open/high/low/close, output `integer`, P's visible parameters then the hidden
// candle settings it uses.
template <class P>
Info make_pattern(std::string name, std::string doc, std::vector<ParamSpec> visible = {}) {
    if (static_cast<int>(visible.size()) != Pattern<P>::kParams) throw Error(name + ": visible parameters differ from n_params");
    std::vector<ParamSpec> params = std::move(visible);
    for (Setting s : settings_of<P>())
        for (ParamSpec& h : setting_params(s)) params.push_back(std::move(h));  // hidden
    return integer_outputs(make_info<Pattern<P>>({std::move(name), "Pattern Recognition", std::move(doc),
                                                 {"open", "high", "low", "close"}, std::move(params), {"integer"}}));
}

}  // namespace threadx::ta::candle
