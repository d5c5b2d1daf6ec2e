#pragma once
// Building blocks of the TA-Lib-compatible indicators.
//
// Every indicator is one *state* type S with
//     static constexpr int n_inputs, n_outputs;
//     explicit S(const double* params);               // params in the registry's order
//     void update(const double* x, double* y);        // one bar in, latest outputs out
//     template <class Ar> void fields(Ar& ar);         // every member, for snapshots
// The batch kernel runs the same state over a column (run_column), so the streaming
// twin equals the batch result at every bar by construction.  A state emits NaN
// until its warm-up (TA-Lib's lookback, unstable period included) is over.
#include <cmath>
#include <algorithm>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "threadx/core/cancel.hpp"
#include "threadx/core/errors.hpp"
#include "threadx/core/strided.hpp"

namespace threadx::ta {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// TA-Lib's TA_IS_ZERO / TA_IS_ZERO_OR_NEG, used before its divisions.  The pinned
// TA-Lib 0.8 (C 0.8.1) tests for an exact zero (probed: a gain + loss of 1e-17 or a true
// range of 1e-300 is divided by), where older sources used an absolute 1e-8.
inline bool is_zero(double v) noexcept { return v == 0.0; }
inline bool is_zero_or_neg(double v) noexcept { return v <= 0.0; }
// TA_IS_ZERO_SCALED(v, scale): zero relative to the size of what v was computed from.
inline bool is_zero_scaled(double v, double scale) noexcept { return std::fabs(v) <= 0.00000000000001 * scale; }

// An MA type parameter (0-13, validated and DEFAULT resolved by the registry) as the int the
// MA factories take.
inline int as_matype(double v) noexcept { return static_cast<int>(v); }

// v < 0 ? 0 : v without a branch (a NaN stays NaN).  For splitting a change into gain
// and loss: on a random walk the branch TA-Lib writes is mispredicted half the time.
inline double max0(double v) noexcept {
#if defined(__SSE2__)
    // MAXSD returns its second operand unless the first is greater: max(0, v) keeps NaN
    return _mm_cvtsd_f64(_mm_max_sd(_mm_setzero_pd(), _mm_set_sd(v)));
#else
    return v < 0.0 ? 0.0 : v;
#endif
}

// TA-Lib's periods are ints; the registry has checked range and integrality.
inline int as_period(double p) noexcept { return static_cast<int>(p); }

// ---------------------------------------------------------------- snapshots

template <class T, class Ar>
concept HasFields = requires(T& t, Ar& ar) { t.fields(ar); };

// Appends every field's bytes.
struct Writer {
    std::string bytes;
    template <class... T>
    void operator()(T&... t) { (put(t), ...); }

private:
    template <class T>
    void put(T& t) {
        if constexpr (HasFields<T, Writer>) {
            t.fields(*this);
        } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
            bytes.append(reinterpret_cast<const char*>(&t), sizeof(T));
        } else {  // std::vector of arithmetic or of states
            std::uint64_t n = t.size();
            put(n);
            for (auto& e : t) put(e);
        }
    }
};

// Invariants of a restored state.  A state (or any part of one) may declare
//     template <class C> void check(const C& c) const;
// next to its fields, stating what they must satisfy for update() to be safe and
// meaningful: indices inside their buffers, counters not negative, positions ordered.
// Reader calls it right after reading that part's fields (the parts inside first), so
// every nested state is checked by the one load; Writer never calls it.  A failed check
// is a ValidationError naming the field ("state.<what>") and its value.
struct StateCheck {
    // Throws unless ok: `what` is the field, `value` its restored value, `must` the rule.
    void that(bool ok, const char* what, long long value, const std::string& must) const {
        if (!ok) fail(what, repr(value), must);
    }
    // 0 <= i < size (a slot of a buffer of `size` entries).
    void index(const char* what, long long i, long long size) const {
        if (!(0 <= i && i < size)) fail(what, repr(i), "must be a slot in [0, " + std::to_string(size) + ")");
    }
    // lo <= v <= hi.
    void within(const char* what, long long v, long long lo, long long hi) const {
        if (!(lo <= v && v <= hi))
            fail(what, repr(v), "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    [[noreturn]] static void fail(const char* what, const std::string& value, const std::string& must) {
        FieldErrors e;
        e.add(std::string("state.") + what, value, must + " (the state is corrupted or was not made by ThreadX)");
        e.throw_if_any();
        throw Error("unreachable");
    }
};

template <class T>
concept HasCheck = requires(const T& t, const StateCheck& c) { t.check(c); };

// Reads fields back in the same order.  Every field is checked: a bool must be a 0 or 1
// byte, a vector must have the size its parameters give, the bytes must end with the
// last field, and each part's check() hook holds (StateCheck).
struct Reader {
    const std::string& bytes;
    std::size_t pos = 0;
    template <class... T>
    void operator()(T&... t) { (get(t), ...); }
    void finish() const {
        if (pos != bytes.size()) bad("has bytes after its last field");
    }

private:
    [[noreturn]] void bad(const char* why) const { StateCheck::fail("fields", "offset " + std::to_string(pos), why); }
    template <class T>
    void get(T& t) {
        if constexpr (HasFields<T, Reader>) {
            t.fields(*this);
            if constexpr (HasCheck<T>) t.check(StateCheck{});
        } else if constexpr (std::is_same_v<T, bool>) {
            unsigned char b = 0;
            get(b);
            if (b > 1) StateCheck{}.that(false, "flag", b, "must be a bool (0 or 1)");
            t = b != 0;
        } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
            if (sizeof(T) > bytes.size() - pos) bad("ends inside a field (truncated)");
            std::memcpy(&t, bytes.data() + pos, sizeof(T));
            pos += sizeof(T);
        } else {
            std::uint64_t n = 0;
            get(n);
            if (n != t.size())
                StateCheck{}.that(false, "size", static_cast<long long>(n),
                                  "must be " + std::to_string(t.size()) + ", as the parameters give");
            for (auto& e : t) get(e);
        }
    }
};

// ---------------------------------------------------------------- windows

// The last `cap` values, oldest first at `head`.
struct Ring {
    std::vector<double> v;
    std::int64_t head = 0;
    explicit Ring(std::int64_t cap = 1) : v(static_cast<std::size_t>(cap < 1 ? 1 : cap), 0.0) {}
    std::int64_t capacity() const noexcept { return static_cast<std::int64_t>(v.size()); }
    // The value `age` pushes ago (0 = the last pushed); valid for age < capacity.
    double back(std::int64_t age) const noexcept {
        std::int64_t i = head - 1 - age;
        if (i < 0) i += capacity();
        return v[static_cast<std::size_t>(i)];
    }
    // Stores x over the oldest value and returns the value it replaced.
    double push(double x) noexcept {
        double old = v[static_cast<std::size_t>(head)];
        v[static_cast<std::size_t>(head)] = x;
        if (++head == capacity()) head = 0;
        return old;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(v, head); }
    template <class C>
    void check(const C& c) const { c.index("Ring.head", head, capacity()); }
};

// ---------------------------------------------------------------- drivers

// TA-Lib's Python wrapper starts every function at the first bar where no input is
// NaN; the state never sees the leading NaN bars.
template <int NI>
inline bool any_nan(const double* x) noexcept {
    bool nan = false;
    for (int k = 0; k < NI; ++k) nan |= std::isnan(x[k]);
    return nan;
}

inline constexpr std::int64_t kCheckEvery = 1 << 16;

// A state may add a faster batch path with the same results (exact selections such as
// window extremes, whose values do not depend on the algorithm):
//     static void batch(const double* params, const ConstColumn* in, std::int64_t start,
//                       std::int64_t n, const Column* out, const CancelCheck& check);
// filling rows [start, n) as the state would, fed from row `start`.
template <class S>
concept HasBatch = requires(const double* p, const ConstColumn* in, const Column* out,
                            const CancelCheck& c) { S::batch(p, in, std::int64_t{}, std::int64_t{}, out, c); };

// A state that reports positions (MAXINDEX, MININDEX) counts them from the start of
// the series, as TA-Lib does, so it is told how many leading bars the driver skipped:
//     void skipped(std::int64_t bars);
template <class S>
concept WantsSkipped = requires(S& s) { s.skipped(std::int64_t{}); };

// A state whose update costs O(period) declares its per-bar work, so the cancel token
// is checked every kCheckEvery units of work rather than every kCheckEvery bars (a
// 5,000-bar CCI would otherwise run ~0.5 s between checks).
template <class S>
concept HasWork = requires(const double* p) {
    { S::work_per_bar(p) } -> std::convertible_to<std::int64_t>;
};

template <class S>
std::int64_t bars_between_checks(const double* params) {
    if constexpr (HasWork<S>) return std::max<std::int64_t>(1, kCheckEvery / std::max<std::int64_t>(1, S::work_per_bar(params)));
    else return kCheckEvery;
}

// A state may also compute several parameter sets at once, sharing what they have in
// common.  The sets given together agree on the parameters S::share lists (indices):
//     static constexpr int share[] = {0, 3};
//     static void group(const double* const* sets, std::int64_t k, const ConstColumn* in,
//                       std::int64_t start, std::int64_t n, const Column* out,
//                       const CancelCheck& check);
// fills rows [start, n) of output j of set s (parameters sets[s]) at out[s * n_outputs + j],
// bit for bit what the state computes for each set alone.
template <class S>
concept HasGroup = requires(const double* const* sets, const ConstColumn* in, const Column* out,
                            const CancelCheck& c) {
    S::share[0];
    S::group(sets, std::int64_t{}, in, std::int64_t{}, std::int64_t{}, out, c);
};

// The first row where no input is NaN (TA-Lib's wrapper starts there); with no complete
// row, the last row (TA-Lib's check_begidx).
template <int NI>
std::int64_t first_row(const ConstColumn* in, std::int64_t n) {
    double x[NI];
    std::int64_t start = 0;
    for (; start < n; ++start) {
        for (int k = 0; k < NI; ++k) x[k] = in[k][start];
        if (!any_nan<NI>(x)) break;
    }
    return start == n && n > 0 ? n - 1 : start;
}

// Runs a fresh state over rows [0, n) of the input columns.
template <class S>
void run_column(const double* params, const ConstColumn* in, std::int64_t n, const Column* out,
                const CancelCheck& check) {
    constexpr int NI = S::n_inputs, NO = S::n_outputs;
    double x[NI], y[NO];
    auto load = [&](std::int64_t i) {
        for (int k = 0; k < NI; ++k) x[k] = in[k][i];
    };
    const std::int64_t start = first_row<NI>(in, n);
    for (std::int64_t i = 0; i < start; ++i)
        for (int j = 0; j < NO; ++j) out[j][i] = kNaN;
    if constexpr (HasBatch<S>) {
        S::batch(params, in, start, n, out, check);
        return;
    }
    S s(params);
    if constexpr (WantsSkipped<S>) s.skipped(start);
    const std::int64_t every = bars_between_checks<S>(params);
    std::int64_t i = start;
    while (i < n) {
        const std::int64_t stop = n - i > every ? i + every : n;
        for (; i < stop; ++i) {
            load(i);
            s.update(x, y);
            for (int j = 0; j < NO; ++j) out[j][i] = y[j];
        }
        if (i < n) check();
    }
}

// Runs k parameter sets of a HasGroup state over rows [0, n) (out as in S::group).
template <class S>
void run_group(const double* const* sets, std::int64_t k, const ConstColumn* in, std::int64_t n,
               const Column* out, const CancelCheck& check) {
    const std::int64_t start = first_row<S::n_inputs>(in, n);
    for (std::int64_t c = 0; c < k * S::n_outputs; ++c)
        for (std::int64_t i = 0; i < start; ++i) out[c][i] = kNaN;
    S::group(sets, k, in, start, n, out, check);
}

// The streaming side, behind one virtual interface for the bindings.
class Stream {
public:
    virtual ~Stream() = default;
    virtual int n_inputs() const noexcept = 0;
    virtual int n_outputs() const noexcept = 0;
    virtual void update(const double* x, double* y) = 0;
    virtual std::unique_ptr<Stream> clone() const = 0;
    virtual std::string save() = 0;
    virtual void load(const std::string& bytes) = 0;
    virtual std::int64_t bars() const noexcept = 0;
};

template <class S>
class StreamOf final : public Stream {
public:
    explicit StreamOf(const double* params) : s_(params) {}
    int n_inputs() const noexcept override { return S::n_inputs; }
    int n_outputs() const noexcept override { return S::n_outputs; }
    void update(const double* x, double* y) override {
        ++bars_;
        if (!started_) {
            if (any_nan<S::n_inputs>(x)) {
                for (int j = 0; j < S::n_outputs; ++j) y[j] = kNaN;
                return;
            }
            started_ = true;
            if constexpr (WantsSkipped<S>) s_.skipped(bars_ - 1);
        }
        s_.update(x, y);
    }
    std::unique_ptr<Stream> clone() const override { return std::make_unique<StreamOf>(*this); }
    std::string save() override {
        Writer w;
        w(started_, bars_, s_);
        return std::move(w.bytes);
    }
    void load(const std::string& bytes) override {
        StreamOf copy = *this;  // all or nothing
        Reader r{bytes};
        r(copy.started_, copy.bars_, copy.s_);
        r.finish();
        StateCheck{}.that(copy.bars_ >= 0, "bars", copy.bars_, "must not be negative");
        *this = std::move(copy);
    }
    std::int64_t bars() const noexcept override { return bars_; }

private:
    S s_;
    bool started_ = false;
    std::int64_t bars_ = 0;
};

}  // namespace threadx::ta
