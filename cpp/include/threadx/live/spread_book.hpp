#pragma once
// The live spread core: last-tick matching of quotes across exchanges, one spread series
// per (symbol, buy exchange, sell exchange), each with a capped time window of exact
// quantiles, and an LRU over the keys.  Plain C++: spans in, caller-sized outputs filled.
//
// A tick (time, exchange, symbol, bid, ask) is checked (ids in range, prices finite and
// > 0, bid <= ask, time not before the previous tick of the same exchange and symbol);
// a bad one is counted by reason and skipped.  A good one becomes its exchange's last
// quote of the symbol; then for every other exchange X whose last quote of the symbol is
// fresh (its time within max_quote_age of the tick's), the two directed spreads
//     buy E, sell X: (bid_X - ask_E) / mid * 1e4      buy X, sell E: (bid_E - ask_X) / mid * 1e4
// (mid = the mean of the two exchanges' mid prices) are pushed into their keys' windows.
// A key's window time is the tick's time, or the key's previous time if that is later
// (two exchanges' clocks may disagree; a window never goes back).  Each push reports the
// quantiles after it and a band signal against the quantiles after the key's previous
// push (no look-ahead): +1 above q_hi, -1 below q_lo, 0 otherwise (or without quantiles).
//
// At most max_keys keys hold windows; a new key beyond that takes the window of the least
// recently updated key (which is counted as evicted and starts from nothing if it comes
// back).  A window keeps at most max_points points (see TimeWindow).  After the windows
// have reached their largest size, update() allocates nothing.
#include <cstdint>
#include <span>
#include <vector>

#include "threadx/core/errors.hpp"
#include "threadx/live/time_window.hpp"
#include "threadx/rolling/moments.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::live {

struct BookOptions {
    std::int32_t exchanges = 2;                       // exchange ids are 0 .. exchanges - 1 (<= 64)
    std::int32_t symbols = 1;                         // symbol ids are 0 .. symbols - 1
    std::int64_t window = 15LL * 60 * 1'000'000'000;  // ns
    std::int64_t max_quote_age = 5LL * 1'000'000'000; // ns; a quote older than this no longer pairs
    std::int64_t max_points = 16384;                  // per window
    std::int64_t max_keys = 10000;
    double q_lo = 0.05, q_hi = 0.95;
    rolling::Interpolation interpolation = rolling::Interpolation::linear;
    std::int64_t min_periods = 1;

    // Every broken rule at once, each naming its field.
    void validate(FieldErrors& errors) const;
};

// Why a tick was skipped: one counter each, in this order.
enum class Reject : int { exchange, symbol, non_finite, non_positive, crossed, out_of_order, count };
const char* name_of(Reject r) noexcept;

struct BookStats {
    std::int64_t ticks = 0, accepted = 0, updates = 0, unpaired = 0;
    std::int64_t rejected[static_cast<int>(Reject::count)] = {};
    std::int64_t keys = 0, evicted = 0, points = 0, dropped_points = 0, truncated_keys = 0;
};

// One row per window push, written at [row] of each span.
struct SpreadRows {
    std::span<std::int64_t> tick;   // index of the tick in the batch
    std::span<std::int32_t> symbol, buy, sell;
    std::span<std::int64_t> time;   // the window time of the point
    std::span<double> spread, q_lo, q_hi;
    std::span<std::int8_t> signal;
    std::span<std::int64_t> nobs;
    std::span<std::uint8_t> truncated;
    std::size_t capacity() const noexcept { return tick.size(); }
};

struct TickBatch {
    std::span<const std::int64_t> time;
    std::span<const std::int32_t> exchange, symbol;
    std::span<const double> bid, ask;
};

class SpreadBook {
public:
    // Batches of at least this many ticks may run symbol by symbol (see group_by_symbol).
    static constexpr std::size_t kGroupMin = 64;
    explicit SpreadBook(const BookOptions& options);  // validates; throws ValidationError
    // Rows one tick can produce: 2 * (exchanges - 1).
    std::size_t rows_per_tick() const noexcept { return 2 * static_cast<std::size_t>(opt_.exchanges - 1); }
    // Applies a batch; `out` needs batch size * rows_per_tick() rows (checked).  Returns the
    // rows written.  Rows of one tick are consecutive and a key's rows are in tick order
    // (so every key's series is the one tick-by-tick updates give); rows of different
    // symbols may come grouped by symbol (out.tick orders them).  Throws ValidationError
    // when the spans' sizes disagree.
    std::size_t update(const TickBatch& ticks, const SpreadRows& out);
    // Makes room for symbol ids up to symbols - 1 (never shrinks); allocates.
    void reserve_symbols(std::int32_t symbols);
    // Counters, with keys, points and truncated keys counted now (O(keys)).
    BookStats stats() const noexcept;
    const BookOptions& options() const noexcept { return opt_; }

private:
    struct Quote { double bid = 0, ask = 0; std::int64_t time = 0; bool valid = false; };
    struct Slot {
        TimeWindow window;
        std::int64_t key = -1;
        double q_lo = rolling::kNaN, q_hi = rolling::kNaN;
        std::int32_t prev = -1, next = -1;  // LRU list, most recent at head_
        std::int64_t last_tick = 0;         // grouped batches: the tick of the last push
        std::uint32_t mark = 0;             // grouped batches: touched in batch number `mark`
    };
    struct Tick {
        std::int64_t time;
        double bid, ask;
        std::int32_t exchange, symbol;
        std::size_t index;  // in the batch
    };
    static Tick tick_at(const TickBatch& t, std::size_t i) noexcept {
        return {t.time[i], t.bid[i], t.ask[i], t.exchange[i], t.symbol[i], i};
    }
    bool check(const Tick& t);
    std::int32_t slot_for(std::int64_t key);
    void touch(std::int32_t s) noexcept;
    void unlink(std::int32_t s) noexcept;
    // Applies one tick, writing its rows from `row` on; returns how many.  `lru`: keep the LRU
    // list as it goes (else the grouped batch records the touched slots and orders them after).
    std::size_t apply(const Tick& t, const SpreadRows& out, std::size_t row, bool lru);
    void push(std::int64_t key, std::int64_t time, double spread, std::size_t tick, const SpreadRows& out,
              std::size_t row, bool lru);
    // A batch can run symbol by symbol (each symbol's windows stay in cache, rows are written
    // in that order) when it cannot evict: every key's rows, the counters and the LRU order
    // then come out as tick-by-tick processing leaves them.
    bool group_by_symbol(const TickBatch& t);
    std::size_t update_grouped(const TickBatch& t, const SpreadRows& out);
    std::int64_t key_of(std::int32_t sym, std::int32_t buy, std::int32_t sell) const noexcept {
        return (static_cast<std::int64_t>(sym) * opt_.exchanges + buy) * opt_.exchanges + sell;
    }

    BookOptions opt_;
    std::vector<Quote> quotes_;          // [symbol * exchanges + exchange]
    std::vector<std::int32_t> slot_of_;  // [key] -> slot, -1 without a window
    std::vector<Slot> slots_;            // grows up to max_keys
    std::int32_t head_ = -1, tail_ = -1;
    BookStats stats_;
    // scratch of grouped batches, reused (no allocation once the largest batch was seen)
    std::uint32_t epoch_ = 0;
    std::vector<std::uint32_t> symbol_mark_;  // [symbol]: seen in batch number epoch_
    std::vector<std::int32_t> symbol_bucket_; // [symbol]: its bucket in this batch
    std::vector<std::int32_t> buckets_;       // ticks per bucket, then bucket starts
    std::vector<Tick> packed_;                // the batch's ticks grouped by bucket
    std::vector<std::int32_t> touched_;       // slots pushed in this batch
};

}  // namespace threadx::live
