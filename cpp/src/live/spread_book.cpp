#include "threadx/live/spread_book.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace threadx::live {

namespace {
// now - then without overflow; a quote stamped after `now` (clocks disagree) has age 0
std::int64_t age(std::int64_t now, std::int64_t then) noexcept {
    if (now <= then) return 0;
    const std::uint64_t d = static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(then);
    return d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? std::numeric_limits<std::int64_t>::max()
                                                                                  : static_cast<std::int64_t>(d);
}
}  // namespace

const char* name_of(Reject r) noexcept {
    switch (r) {
        case Reject::exchange: return "bad_exchange";
        case Reject::symbol: return "bad_symbol";
        case Reject::non_finite: return "non_finite";
        case Reject::non_positive: return "non_positive";
        case Reject::crossed: return "crossed";
        case Reject::out_of_order: return "out_of_order";
        case Reject::count: break;
    }
    return "?";
}

void BookOptions::validate(FieldErrors& errors) const {
    if (exchanges < 2 || exchanges > 64) errors.add("exchanges", repr(exchanges), "must be in [2, 64]");
    if (symbols < 0 || symbols > (1 << 24)) errors.add("symbols", repr(symbols), "must be in [0, 16777216]");
    if (window <= 0) errors.add("window", repr(static_cast<long long>(window)), "must be a duration > 0");
    if (max_quote_age < 0) errors.add("max_quote_age", repr(static_cast<long long>(max_quote_age)), "must be >= 0");
    if (max_points < 1 || max_points > (1LL << 30))
        errors.add("max_points", repr(static_cast<long long>(max_points)), "must be in [1, 2**30]");
    if (max_keys < 1 || max_keys > (1LL << 24))
        errors.add("max_keys", repr(static_cast<long long>(max_keys)), "must be in [1, 2**24]");
    if (!(q_lo >= 0.0 && q_lo <= 1.0)) errors.add("q_lo", repr(q_lo), "must be in [0, 1]");
    if (!(q_hi >= 0.0 && q_hi <= 1.0)) errors.add("q_hi", repr(q_hi), "must be in [0, 1]");
    if (q_lo >= 0.0 && q_lo <= 1.0 && q_hi >= 0.0 && q_hi <= 1.0 && q_lo > q_hi) errors.add("q_lo", repr(q_lo), "must be <= q_hi (" + repr(q_hi) + ")");
    if (min_periods < 1) errors.add("min_periods", repr(static_cast<long long>(min_periods)), "must be >= 1");
}

SpreadBook::SpreadBook(const BookOptions& options) : opt_(options) {
    FieldErrors errors;
    opt_.validate(errors);
    errors.throw_if_any();
    reserve_symbols(opt_.symbols);
}

void SpreadBook::reserve_symbols(std::int32_t symbols) {
    if (symbols < 0 || symbols > (1 << 24)) throw ValidationError({{"symbols", repr(symbols), "must be in [0, 16777216]"}});
    if (symbols <= opt_.symbols && !quotes_.empty()) return;
    opt_.symbols = std::max(opt_.symbols, symbols);
    const auto e = static_cast<std::size_t>(opt_.exchanges);
    quotes_.resize(static_cast<std::size_t>(opt_.symbols) * e);
    slot_of_.resize(static_cast<std::size_t>(opt_.symbols) * e * e, -1);
    symbol_mark_.resize(static_cast<std::size_t>(opt_.symbols), 0);
    symbol_bucket_.resize(static_cast<std::size_t>(opt_.symbols), 0);
}

bool SpreadBook::check(const Tick& t) {
    auto reject = [this](Reject r) {
        ++stats_.rejected[static_cast<int>(r)];
        return false;
    };
    const std::int32_t ex = t.exchange, sym = t.symbol;
    if (ex < 0 || ex >= opt_.exchanges) return reject(Reject::exchange);
    if (sym < 0 || sym >= opt_.symbols) return reject(Reject::symbol);
    const double bid = t.bid, ask = t.ask;
    if (!std::isfinite(bid) || !std::isfinite(ask)) return reject(Reject::non_finite);
    if (bid <= 0.0 || ask <= 0.0) return reject(Reject::non_positive);
    if (bid > ask) return reject(Reject::crossed);
    const Quote& q = quotes_[static_cast<std::size_t>(sym) * static_cast<std::size_t>(opt_.exchanges) +
                             static_cast<std::size_t>(ex)];
    if (q.valid && t.time < q.time) return reject(Reject::out_of_order);
    return true;
}

void SpreadBook::unlink(std::int32_t s) noexcept {
    Slot& x = slots_[static_cast<std::size_t>(s)];
    if (x.prev >= 0) slots_[static_cast<std::size_t>(x.prev)].next = x.next; else head_ = x.next;
    if (x.next >= 0) slots_[static_cast<std::size_t>(x.next)].prev = x.prev; else tail_ = x.prev;
    x.prev = x.next = -1;
}

void SpreadBook::touch(std::int32_t s) noexcept {
    if (head_ == s) return;
    if (slots_[static_cast<std::size_t>(s)].prev >= 0) unlink(s);  // linked (a new slot is not yet)
    Slot& x = slots_[static_cast<std::size_t>(s)];
    x.next = head_;
    if (head_ >= 0) slots_[static_cast<std::size_t>(head_)].prev = s;
    head_ = s;
    if (tail_ < 0) tail_ = s;
}

std::int32_t SpreadBook::slot_for(std::int64_t key) {
    std::int32_t& mapped = slot_of_[static_cast<std::size_t>(key)];
    if (mapped >= 0) return mapped;
    std::int32_t s;
    if (static_cast<std::int64_t>(slots_.size()) < opt_.max_keys) {
        slots_.emplace_back();
        s = static_cast<std::int32_t>(slots_.size() - 1);
    } else {  // evict the least recently updated key; its window's memory is reused
        s = tail_;
        Slot& victim = slots_[static_cast<std::size_t>(s)];
        slot_of_[static_cast<std::size_t>(victim.key)] = -1;
        victim.window.clear();
        ++stats_.evicted;
    }
    Slot& x = slots_[static_cast<std::size_t>(s)];
    x.key = key;
    x.q_lo = x.q_hi = rolling::kNaN;
    mapped = s;
    return s;
}

void SpreadBook::push(std::int64_t key, std::int64_t time, double spread, std::size_t tick, const SpreadRows& out,
                      std::size_t row, bool lru) {
    const std::int32_t s = slot_for(key);
    Slot& x = slots_[static_cast<std::size_t>(s)];
    if (lru) {
        touch(s);
    } else {
        x.last_tick = static_cast<std::int64_t>(tick);
        if (x.mark != epoch_) {
            x.mark = epoch_;
            touched_.push_back(s);
        }
    }
    TimeWindow& w = x.window;
    if (w.size() > 0 && w.last_time() > time) time = w.last_time();
    stats_.dropped_points += w.push(time, spread, opt_.window, opt_.max_points);
    std::int8_t signal = 0;
    if (spread > x.q_hi) signal = 1;  // comparisons with NaN are false: no signal
    else if (spread < x.q_lo) signal = -1;
    x.q_lo = w.quantile(opt_.q_lo, opt_.interpolation, opt_.min_periods);
    x.q_hi = w.quantile(opt_.q_hi, opt_.interpolation, opt_.min_periods);
    const auto e = static_cast<std::int64_t>(opt_.exchanges);
    out.tick[row] = static_cast<std::int64_t>(tick);
    out.symbol[row] = static_cast<std::int32_t>(key / (e * e));
    out.buy[row] = static_cast<std::int32_t>((key / e) % e);
    out.sell[row] = static_cast<std::int32_t>(key % e);
    out.time[row] = time;
    out.spread[row] = spread;
    out.q_lo[row] = x.q_lo;
    out.q_hi[row] = x.q_hi;
    out.signal[row] = signal;
    out.nobs[row] = w.size();
    out.truncated[row] = w.truncated(opt_.window) ? 1 : 0;
    ++stats_.updates;
}

std::size_t SpreadBook::apply(const Tick& t, const SpreadRows& out, std::size_t row, bool lru) {
    ++stats_.ticks;
    if (!check(t)) return 0;
    ++stats_.accepted;
    const auto e = static_cast<std::size_t>(opt_.exchanges);
    const std::int32_t ex = t.exchange, sym = t.symbol;
    const std::int64_t now = t.time;
    const std::size_t i = t.index;
    Quote* book = &quotes_[static_cast<std::size_t>(sym) * e];
    book[ex] = Quote{t.bid, t.ask, now, true};
    const double mid_e = 0.5 * (t.bid + t.ask);
    std::size_t written = 0;
    for (std::int32_t x = 0; x < opt_.exchanges; ++x) {
        const Quote& other = book[x];
        if (x == ex || !other.valid || age(now, other.time) > opt_.max_quote_age) continue;
        const double mid = 0.5 * (mid_e + 0.5 * (other.bid + other.ask));
        push(key_of(sym, ex, x), now, (other.bid - t.ask) / mid * 1e4, i, out, row + written++, lru);
        push(key_of(sym, x, ex), now, (t.bid - other.ask) / mid * 1e4, i, out, row + written++, lru);
    }
    if (written == 0) ++stats_.unpaired;
    return written;
}

bool SpreadBook::group_by_symbol(const TickBatch& t) {
    // buckets: one per distinct valid symbol (first-appearance order), one for the rest
    if (++epoch_ == 0) {  // wrapped: forget every old mark
        std::fill(symbol_mark_.begin(), symbol_mark_.end(), 0u);
        for (Slot& x : slots_) x.mark = 0;
        epoch_ = 1;
    }
    buckets_.clear();
    std::size_t new_keys = 0;
    const std::int32_t e = opt_.exchanges;
    for (std::size_t i = 0; i < t.time.size(); ++i) {
        const std::int32_t sym = t.symbol[i];
        if (sym < 0 || sym >= opt_.symbols) continue;
        const auto s = static_cast<std::size_t>(sym);
        if (symbol_mark_[s] == epoch_) continue;
        symbol_mark_[s] = epoch_;
        symbol_bucket_[s] = static_cast<std::int32_t>(buckets_.size());
        buckets_.push_back(0);
        for (std::int32_t a = 0; a < e; ++a)
            for (std::int32_t b = 0; b < e; ++b)
                if (a != b && slot_of_[static_cast<std::size_t>(key_of(sym, a, b))] < 0) ++new_keys;
    }
    return static_cast<std::int64_t>(slots_.size() + new_keys) <= opt_.max_keys;
}

std::size_t SpreadBook::update_grouped(const TickBatch& t, const SpreadRows& out) {
    const std::size_t n = t.time.size();
    const std::size_t rest = buckets_.size();  // the bucket of ticks with an invalid symbol
    buckets_.push_back(0);
    auto bucket_of = [&](std::size_t i) {
        const std::int32_t sym = t.symbol[i];
        return sym < 0 || sym >= opt_.symbols ? rest : static_cast<std::size_t>(symbol_bucket_[static_cast<std::size_t>(sym)]);
    };
    for (std::size_t i = 0; i < n; ++i) ++buckets_[bucket_of(i)];
    std::int32_t start = 0;
    for (auto& b : buckets_) std::swap(b, start), start += b;  // counts -> starts
    packed_.resize(n);  // the ticks copied in symbol order: the loop below reads them in sequence
    for (std::size_t i = 0; i < n; ++i) packed_[static_cast<std::size_t>(buckets_[bucket_of(i)]++)] = tick_at(t, i);
    touched_.clear();
    std::size_t row = 0;
    for (const Tick& tick : packed_) row += apply(tick, out, row, false);
    // the LRU order tick-order processing would have left: touched slots by their last tick
    std::sort(touched_.begin(), touched_.end(), [this](std::int32_t a, std::int32_t b) {
        return slots_[static_cast<std::size_t>(a)].last_tick < slots_[static_cast<std::size_t>(b)].last_tick;
    });
    for (std::int32_t s : touched_) touch(s);
    return row;
}

std::size_t SpreadBook::update(const TickBatch& t, const SpreadRows& out) {
    const std::size_t n = t.time.size();
    FieldErrors errors;
    if (t.exchange.size() != n || t.symbol.size() != n || t.bid.size() != n || t.ask.size() != n)
        errors.add("ticks", repr(static_cast<long long>(n)), "time, exchange, symbol, bid and ask must have one length");
    const std::size_t cap = out.capacity();
    if (out.symbol.size() != cap || out.buy.size() != cap || out.sell.size() != cap || out.time.size() != cap ||
        out.spread.size() != cap || out.q_lo.size() != cap || out.q_hi.size() != cap || out.signal.size() != cap ||
        out.nobs.size() != cap || out.truncated.size() != cap)
        errors.add("out", repr(static_cast<long long>(cap)), "every output column must have one length");
    if (cap < n * rows_per_tick())
        errors.add("out", repr(static_cast<long long>(cap)),
                   "needs at least len(ticks) * 2 * (exchanges - 1) = " + repr(static_cast<long long>(n * rows_per_tick())) + " rows");
    errors.throw_if_any();
    if (n >= kGroupMin && group_by_symbol(t)) return update_grouped(t, out);
    std::size_t row = 0;
    for (std::size_t i = 0; i < n; ++i) row += apply(tick_at(t, i), out, row, true);
    return row;
}

BookStats SpreadBook::stats() const noexcept {
    BookStats s = stats_;
    s.keys = s.points = s.truncated_keys = 0;
    for (const Slot& x : slots_) {
        if (x.key < 0) continue;
        ++s.keys;
        s.points += x.window.size();
        if (x.window.truncated(opt_.window)) ++s.truncated_keys;
    }
    return s;
}

}  // namespace threadx::live
