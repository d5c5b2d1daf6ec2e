// The order-level core (docs/orders.md is the rule book; tests/order_reference.py the
// independent reference it is tested against).  The names follow the reference's.
#include "threadx/backtest/orders.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace threadx::backtest::orders {

namespace {

constexpr double kRejectRtol = 1e-9;
constexpr std::int64_t kCheckEvery = 1 << 14;

bool nan(double v) { return std::isnan(v); }

// A lot with nothing to check in a bar: no stop-loss, take-profit, trailing stop or path.
bool has_levels(const Lot& L) {
    return !(nan(L.sl) && nan(L.tp) && nan(L.tsl_stop) && nan(L.tsl_offset) && L.sl_path == nullptr);
}

}  // namespace

// ------------------------------------------------------------------------------ the group

struct Book::Action {
    double key = 0;
    std::int32_t sym = 0;
    std::int8_t what = 0;  // 0 market, 1 bracket, 2 working
    std::int64_t ref = 0;  // order id (market, working) or lot id (bracket)
    double base = kNaN;
    OReason why = OReason::None;
    std::int64_t check_from = 0;
};

class Group {
    friend class Stepper;

public:
    Group(const std::vector<SymbolIn>& ins, const GroupParams& g) : ins_(ins), g_(g) {
        cash_ = g.init_cash;
        books_.resize(ins.size());
        for (std::size_t k = 0; k < ins.size(); ++k) {
            Book& b = books_[k];
            b.g_ = this;
            b.b_ = &ins[k].bars;
            b.c_ = &ins[k].costs;
            b.mark_ = ins[k].bars.n > 0 ? ins[k].bars.open[0] : 0.0;
            b.orders_.reserve(16);
            b.live_.reserve(8);
        }
        by_value_ = ins.size() > 1;
        cursor_.assign(ins.size(), 0);
    }

    void run(GroupOut& out, const CancelCheck& check) {
        if (books_.size() == 1) run_<true>(out, check);
        else run_<false>(out, check);
    }
    template <bool Single>
    void run_(GroupOut& out, const CancelCheck& check);
    // the bar loop, one bar at a time (run_ and the Stepper)
    struct Loop {
        std::vector<double> prev_pos;
        bool at_open = true, funding = false, no_borrow = true;
    };
    Loop loop_;
    void begin();
    template <bool Single>
    double bar(std::int64_t j, bool last);
    template <bool Single>
    bool any_live() const;
    template <bool Single>
    bool any_lots() const;
    std::int64_t quiet_stretch(std::int64_t j, GroupOut& out, const CancelCheck& check, const SymbolIn& in);

    double cash_ = 0;
    std::int64_t fills_ = 0, events_ = 0;
    std::vector<Book> books_;
    const GroupParams& params() const { return g_; }
    std::int64_t n() const { return ins_.empty() ? 0 : ins_[0].bars.n; }

private:
    const std::vector<SymbolIn>& ins_;
    const GroupParams& g_;
    bool by_value_ = false;
    std::vector<std::int64_t> cursor_;
    std::vector<Book::Action> acts_;

    void apply(std::int64_t j);
    void collect_market(std::int64_t j, bool at_close);
    void collect_brackets(std::int64_t j);
    void collect_working(std::int64_t j);
    void decisions(std::int64_t j);
    bool liquidate(std::int64_t j);  // out of money: closes everything at bar j's close
};

// ------------------------------------------------------------------------------ money

double Book::cash() const noexcept { return g_->cash_; }

double Book::fee(double u, double f) const {
    const Costs& c = *c_;
    double per_unit = 0;
    if (c.unit_fee > 0 || c.unit_fee_min > 0)
        per_unit = std::min(std::max(c.unit_fee * u, c.unit_fee_min), c.unit_fee_max * u * f * c.multiplier);
    return c.fees * u * f * c.multiplier + c.fixed_fees + per_unit;
}

double Book::fill_price(double base, int dir, std::int64_t j) const {
    const double half = c_->spread[j] / 2, half_abs = c_->spread_abs[j] / 2;
    if (dir > 0) return (base * (1 + half) + half_abs) * (1 + c_->slippage);
    return (base * (1 - half) - half_abs) * (1 - c_->slippage);
}

double Book::part(double p) const {
    if (nan(c_->margin)) return pos_ * p * c_->multiplier;
    double s = margin_;
    for (const Lot& L : lots_) s += L.dir * L.size * (p - L.entry_price) * c_->multiplier;
    return s;
}

double Book::used(double p) const {
    double u = 0;
    for (const Lot& L : lots_) u += L.size;
    return u * p * c_->multiplier / c_->leverage;
}

double Book::equity_at(double p) const {
    double e = g_->cash_ + part(p);
    for (const Book& o : g_->books_)
        if (&o != this) e += o.part(o.mark_);
    return e;
}

double Book::available(double f) const {
    if (!nan(c_->margin)) return g_->cash_;
    bool any = false;
    for (const Book& o : g_->books_) any = any || !o.lots_.empty();
    if (!any) return g_->cash_;
    double u = used(f);
    for (const Book& o : g_->books_)
        if (&o != this) u += o.used(o.mark_);
    return std::max(0.0, equity_at(f) - u);
}

double Book::units_from_budget(double budget, double f) const {
    const Costs& c = *c_;
    // f * m * (1 + fees): the same expression (and bits) as docs/backtest.md's sizing
    const double per = nan(c.margin) ? f * c.multiplier * (1 + c.fees) : c.margin + c.fees * f * c.multiplier;
    const double fixed = c.fixed_fees;
    if (c.unit_fee > 0 || c.unit_fee_min > 0) {
        double u = (budget - fixed) / (per + c.unit_fee);
        if (c.unit_fee * u < c.unit_fee_min) u = (budget - fixed - c.unit_fee_min) / per;
        const double cap = c.unit_fee_max * f * c.multiplier;
        if (std::max(c.unit_fee * u, c.unit_fee_min) > cap * u) u = (budget - fixed) / (per + cap);
        return u;
    }
    return (budget - fixed) / per;
}

double Book::floor_units(double u) const { return (!c_->fractional && u > 0) ? std::floor(u) : u; }

// ------------------------------------------------------------------------------ orders

std::int64_t Book::new_order(OKind kind, std::int8_t side, Intent intent, std::int64_t j, std::int64_t parent) {
    Order o;
    o.id = static_cast<std::int64_t>(orders_.size());
    o.parent = parent;
    o.kind = kind;
    o.side = side;
    o.intent = intent;
    o.placed_bar = j;
    orders_.push_back(o);
    live_.push_back(o.id);
    return o.id;
}

void Book::end(Order& o, OStatus st, OReason why, std::int64_t j, double size) {
    o.end_seq = g_->events_++;
    o.status = st;
    o.reason = why;
    o.fill_bar = j;
    o.fees = 0.0;
    o.size = size;
}

std::int64_t Book::place(const OrderSpec& s, std::int64_t j, Origin origin) {
    const std::int64_t id = new_order(s.type, s.side, s.intent, j, s.parent);
    Order& o = orders_[id];
    o.tag = s.tag;
    o.origin = origin;
    o.size_type = s.size_type;
    o.req_size = s.size;
    o.limit = s.limit;
    o.stop = s.stop;
    o.tif_bars = s.tif_bars;
    o.sl = s.sl, o.tp = s.tp, o.sl_stop = s.sl_stop, o.tp_stop = s.tp_stop;
    o.tsl_stop = s.tsl_stop, o.tsl_offset = s.tsl_offset;
    o.sl_path = s.sl_path, o.sl_path_stride = s.sl_path_stride;
    o.lot = s.lot;
    const bool flat_target = s.intent == Intent::Net && s.size_type == SizeType::TargetPercent && s.size == 0;
    if (!(s.size > 0 && std::isfinite(s.size)) && !flat_target) {
        end(o, OStatus::Rejected, OReason::InvalidSize, j);
        return id;
    }
    const bool need_limit = s.type == OKind::Limit || s.type == OKind::StopLimit;
    const bool need_stop = s.type == OKind::Stop || s.type == OKind::StopLimit;
    if ((need_limit && nan(s.limit)) || (need_stop && nan(s.stop))) {
        end(o, OStatus::Rejected, OReason::MissingPrice, j);
        return id;
    }
    if (s.tif_ns > 0 && b_->times != nullptr) {
        o.has_deadline = true;
        o.deadline_ns = b_->times[j] + s.tif_ns;
        if (j + 1 < b_->n && b_->times[j + 1] > o.deadline_ns) end(o, OStatus::Expired, OReason::Expiry, j);
    }
    return id;
}

void Book::cancel(std::int64_t id, OReason why, std::int64_t j) {
    if (id < 0 || id >= static_cast<std::int64_t>(orders_.size())) return;
    Order& o = orders_[id];
    if (o.status == OStatus::Working) end(o, OStatus::Cancelled, why, j);
}

void Book::working(std::vector<std::int64_t>& ids) const {
    ids.clear();
    for (std::int64_t id : live_) {
        const Order& o = orders_[id];
        if (o.status == OStatus::Working && !is_bracket(o.kind)) ids.push_back(id);
    }
}

Lot* Book::lot_by_id(std::int64_t id) {
    for (Lot& L : lots_)
        if (L.id == id) return &L;
    return nullptr;
}

void Book::set_level(std::int64_t lot_id, int which, double level, std::int64_t j) {
    Lot* L = lot_by_id(lot_id);
    if (L == nullptr) return;
    (which == 0 ? L->sl : L->tp) = level;
    std::int64_t& ch = L->child[which];
    const bool working = ch != kNone && orders_[ch].status == OStatus::Working;
    if (nan(level) && working) {
        end(orders_[ch], OStatus::Cancelled, OReason::User, j);
    } else if (!nan(level) && !working) {
        const std::int8_t side = static_cast<std::int8_t>(-L->dir);
        const std::int64_t parent = L->parent;
        const std::int64_t id = new_order(which == 0 ? OKind::StopLoss : OKind::TakeProfit, side, Intent::Close, j,
                                          parent);
        lot_by_id(lot_id)->child[which] = id;
    }
}

void Book::set_sl(std::int64_t lot_id, double level, std::int64_t j) { set_level(lot_id, 0, level, j); }
void Book::set_tp(std::int64_t lot_id, double level, std::int64_t j) { set_level(lot_id, 1, level, j); }

// ------------------------------------------------------------------------------ fills

double Book::book_fill(Order& o, int dir, double units, double f, std::int64_t j, OReason why) {
    const double fe = fee(units, f);
    if (nan(c_->margin)) g_->cash_ -= dir * units * f * c_->multiplier + fe;
    else g_->cash_ -= fe;
    pos_ += dir * units;
    o.size = units;
    o.status = OStatus::Filled;
    o.fill_bar = j;
    o.fill_price = f;
    o.fees = fe;
    o.reason = why;
    o.seq = g_->fills_++;
    o.end_seq = g_->events_++;
    return fe;
}

void Book::close_units(std::int64_t lot_id, double units, double f, double fee_part, std::int64_t j, OReason why) {
    Lot& L = *lot_by_id(lot_id);
    const double m = c_->multiplier;
    const int d = L.dir;
    const double share = units / L.size;
    const double efee = L.entry_fees * share;
    L.entry_fees -= efee;
    const double borrow = L.borrow * share, funding = L.funding * share;
    L.borrow -= borrow;
    L.funding -= funding;
    if (!nan(c_->margin)) {
        const double released = units * L.margin_per;
        margin_ -= released;
        g_->cash_ += released + d * units * (f - L.entry_price) * m;
    }
    Trade t;
    t.lot = L.id;
    t.side = static_cast<std::int8_t>(d);
    t.size = units;
    t.entry_bar = L.entry_bar;
    t.entry_price = L.entry_price;
    t.exit_bar = j;
    t.exit_price = f;
    t.fees = efee + fee_part;
    t.borrow = borrow;
    t.funding = funding;
    t.pnl = d * units * (f - L.entry_price) * m - t.fees - borrow - funding;
    t.ret = t.pnl / (units * L.entry_price * m);
    t.exit_reason = why;
    t.sl = L.sl;
    t.tp = L.tp;
    t.tsl = tsl_level(L);
    t.tag = orders_[static_cast<std::size_t>(L.parent)].tag;
    trades_.push_back(t);
    L.size -= units;
    if (L.size <= 1e-12 * std::max(1.0, units)) {
        for (std::int64_t ch : L.child)
            if (ch != kNone && orders_[ch].status == OStatus::Working)
                end(orders_[ch], OStatus::Cancelled, OReason::PositionClosed, j);
        lots_.erase(lots_.begin() + (&L - lots_.data()));
    }
}

void Book::exit_parts(std::int64_t oid, const std::vector<std::pair<std::int64_t, double>>& parts, double base,
                      std::int64_t j, OReason why) {
    const int d = lot_by_id(parts[0].first)->dir;
    const double f = fill_price(base, -d, j);
    double total = 0;
    for (const auto& p : parts) total += p.second;
    const double fe = book_fill(orders_[oid], -d, total, f, j, why);
    for (const auto& p : parts) close_units(p.first, p.second, f, fe * (p.second / total), j, why);
    if (lots_.empty()) pos_ = 0.0;
}

void Book::close_all(std::int64_t oid, double base, std::int64_t j, OReason why) {
    std::vector<std::pair<std::int64_t, double>> parts;
    parts.reserve(lots_.size());
    for (const Lot& L : lots_) parts.emplace_back(L.id, L.size);
    exit_parts(oid, parts, base, j, why);
}

std::int64_t Book::open_lot(std::int64_t oid, int d, double base, std::int64_t j, std::int64_t check_from,
                            OReason why, double units) {
    const Costs& c = *c_;
    const double f = fill_price(base, d, j), m = c.multiplier;
    const bool futures = !nan(c.margin);
    if (static_cast<std::int64_t>(lots_.size()) >= c.max_lots) {
        end(orders_[oid], OStatus::Rejected, OReason::PyramidingCap, j);
        return kNone;
    }
    const double A = available(f);
    const Order& o = orders_[oid];
    const double size = o.req_size;
    double u = units;
    if (nan(units)) switch (o.size_type) {
        case SizeType::Units: u = size; break;
        case SizeType::Percent: u = units_from_budget(A * (futures ? 1.0 : c.leverage) * size, f); break;
        case SizeType::Value: u = units_from_budget(size, f); break;
        case SizeType::TargetPercent:
        default:
            if (!futures) u = units_from_budget(size * equity_at(f) - std::abs(pos_) * f * m, f);
            else u = size * equity_at(f) / (f * m) - std::abs(pos_);
            break;
    }
    u = floor_units(u);
    double need = kInf, limit;
    if (!futures) {
        if (u > 0) need = u * f * m + fee(u, f);
        limit = A * c.leverage;
    } else {
        if (u > 0) need = u * c.margin + fee(u, f);
        limit = A;
    }
    if (!(u > 0) || need > limit * (1 + kRejectRtol) || A <= 0) {
        end(orders_[oid], OStatus::Rejected, OReason::InsufficientCash, j, u);
        return kNone;
    }
    const double fe = book_fill(orders_[oid], d, u, f, j, why);
    if (futures) {
        g_->cash_ -= u * c.margin;
        margin_ += u * c.margin;
    }
    const Order& q = orders_[oid];
    Lot L;
    L.id = next_lot_++;
    L.parent = q.id;
    L.dir = static_cast<std::int8_t>(d);
    L.size = u;
    L.entry_bar = j;
    L.entry_price = f;
    L.entry_fees = fe;
    L.sl = !nan(q.sl) ? q.sl : (!nan(q.sl_stop) ? f * (1 - d * q.sl_stop) : kNaN);
    L.tp = !nan(q.tp) ? q.tp : (!nan(q.tp_stop) ? f * (1 + d * q.tp_stop) : kNaN);
    L.tsl_stop = q.tsl_stop;
    L.tsl_offset = q.tsl_offset;
    L.sl_path = q.sl_path;
    L.sl_path_stride = q.sl_path_stride;
    L.extreme = f;
    L.check_from = check_from;
    L.margin_per = c.margin;
    const std::int8_t side = static_cast<std::int8_t>(-d);
    const std::int64_t parent = q.id;
    if (!nan(L.sl) || L.sl_path != nullptr) L.child[0] = new_order(OKind::StopLoss, side, Intent::Close, j, parent);
    if (!nan(L.tp)) L.child[1] = new_order(OKind::TakeProfit, side, Intent::Close, j, parent);
    if (!nan(L.tsl_stop) || !nan(L.tsl_offset))
        L.child[2] = new_order(OKind::TrailingStop, side, Intent::Close, j, parent);
    lots_.push_back(L);
    return L.id;
}

// ------------------------------------------------------------------------------ brackets

double Book::tsl_level(const Lot& L) const {
    if (!nan(L.tsl_stop)) return L.extreme * (1 - L.dir * L.tsl_stop);
    if (!nan(L.tsl_offset)) return L.extreme - L.dir * L.tsl_offset;
    return kNaN;
}

double Book::eff_stop(const Lot& L, OReason& why) const {
    const double sl = L.sl, tsl = tsl_level(L);
    why = OReason::StopLoss;
    if (nan(tsl)) return sl;
    if (nan(sl)) {
        why = OReason::TrailingStop;
        return tsl;
    }
    if (L.dir > 0 ? sl >= tsl : sl <= tsl) return sl;
    why = OReason::TrailingStop;
    return tsl;
}

bool Book::check_brackets(const Lot& L, std::int64_t j, double& base, OReason& why) const {
    const double o = b_->open[j], h = b_->high[j], lo = b_->low[j];
    const int d = L.dir;
    OReason sreason;
    const double s = eff_stop(L, sreason), tp = L.tp;
    const bool has_s = !nan(s), has_tp = !nan(tp);
    if (!has_s && !has_tp) return false;
    auto s_beyond = [&](double p) { return has_s && (d > 0 ? p <= s : p >= s); };
    auto tp_beyond = [&](double p) { return has_tp && (d > 0 ? p >= tp : p <= tp); };
    const double fav = d > 0 ? h : lo, adv = d > 0 ? lo : h;
    auto hit = [&](double px, OReason r) {
        base = px;
        why = r;
        return true;
    };
    const Intrabar ib = g_->params().intrabar;
    if (ib == Intrabar::Backtesting) {
        if (s_beyond(adv)) return hit(s_beyond(o) ? o : s, sreason);
        if (tp_beyond(fav)) return hit(tp_beyond(o) ? o : tp, OReason::TakeProfit);
        return false;
    }
    if (s_beyond(o)) return hit(o, sreason);
    if (tp_beyond(o)) return hit(o, OReason::TakeProfit);
    const bool high_first = ib == Intrabar::OHLC ? true : ib == Intrabar::OLHC ? false : (h - o) <= (o - lo);
    if (high_first == (d > 0)) {
        if (tp_beyond(fav)) return hit(tp, OReason::TakeProfit);
        if (s_beyond(adv)) return hit(s, sreason);
    } else {
        if (s_beyond(adv)) return hit(s, sreason);
        if (tp_beyond(fav)) return hit(tp, OReason::TakeProfit);
    }
    return false;
}

void Book::fire_bracket(std::int64_t lot_id, double base, OReason why, std::int64_t j) {
    Lot* L = lot_by_id(lot_id);
    const int which = why == OReason::TakeProfit ? 1 : why == OReason::TrailingStop ? 2 : 0;
    std::int64_t child = L->child[which];
    if (child == kNone || orders_[child].status != OStatus::Working) {  // cannot happen: a level has its child
        const OKind kind = which == 0 ? OKind::StopLoss : which == 1 ? OKind::TakeProfit : OKind::TrailingStop;
        child = new_order(kind, static_cast<std::int8_t>(-L->dir), Intent::Close, j, kNone);
        L = lot_by_id(lot_id);
        L->child[which] = child;
    }
    for (std::int64_t ch : L->child)
        if (ch != kNone && ch != child && orders_[ch].status == OStatus::Working)
            end(orders_[ch], OStatus::Cancelled, OReason::Oco, j);
    exit_parts(child, {{lot_id, L->size}}, base, j, why);
}

// ------------------------------------------------------------------------------ working orders

bool Book::trigger_price(Order& o, std::int64_t j, double& base) const {
    const int d = o.side;
    const double op = b_->open[j], h = b_->high[j], lo = b_->low[j];
    if (o.kind == OKind::Limit || (o.kind == OKind::StopLimit && o.triggered)) {
        const double L = o.limit;
        if (d > 0 ? lo <= L : h >= L) {
            base = d > 0 ? std::min(op, L) : std::max(op, L);
            return true;
        }
        return false;
    }
    const double S = o.stop;
    if (!(d > 0 ? h >= S : lo <= S)) return false;
    if (o.kind == OKind::Stop) {
        base = d > 0 ? std::max(op, S) : std::min(op, S);
        return true;
    }
    o.triggered = true;
    const double L = o.limit;
    if (d > 0 && L > S && lo <= L) {
        base = std::min(std::max(op, S), L);
        return true;
    }
    if (d < 0 && L < S && h >= L) {
        base = std::max(std::min(op, S), L);
        return true;
    }
    return false;
}

// A "net" order against the held side (not target-percent): reduces FIFO; true when more
// is left to open on its side (`rest` units, after every lot was closed by a closer order).
bool Book::net_against(std::int64_t oid, double base, std::int64_t j, OReason why, double& rest) {
    const Order& o = orders_[oid];
    const double f = fill_price(base, o.side, j), held = std::abs(pos_), size = o.req_size;
    double u = o.size_type == SizeType::Units ? size : o.size_type == SizeType::Value ? size / (f * c_->multiplier)
                                                                                      : held * size;
    u = floor_units(u);
    if (!(u > held * (1 + 1e-12))) {
        reduce_fifo(oid, u, base, j, why);
        return false;
    }
    const std::int8_t side = o.side;
    const std::int64_t placed = o.placed_bar;
    const std::int64_t closer = new_order(OKind::Market, side, Intent::Close, j, oid);
    orders_[closer].placed_bar = placed;
    close_all(closer, base, j, why);
    rest = u - held;
    return true;
}

std::int64_t Book::execute(std::int64_t oid, double base, std::int64_t j, std::int64_t check_from, OReason why) {
    Order& o = orders_[oid];
    const int d = o.side;
    const int pdir = lots_.empty() ? 0 : lots_[0].dir;
    const double m = c_->multiplier;
    if (o.intent == Intent::Net && o.size_type == SizeType::TargetPercent && o.req_size == 0) {  // go flat
        if (pdir == 0) {
            end(o, OStatus::Rejected, OReason::NoPosition, j);
            return kNone;
        }
        o.side = static_cast<std::int8_t>(-pdir);
        o.intent = Intent::Close;
        close_all(oid, base, j, why);
        return kNone;
    }
    if (o.intent == Intent::Net && pdir == -d && o.size_type != SizeType::TargetPercent) {
        double rest = 0;
        if (!net_against(oid, base, j, why, rest)) return kNone;
        return open_lot(oid, d, base, j, check_from, why, floor_units(rest));
    }
    if (o.intent == Intent::Close || o.intent == Intent::Reduce) {
        if (pdir == 0 || pdir == d) {
            end(o, OStatus::Rejected, OReason::NoPosition, j);
            return kNone;
        }
        if (o.intent == Intent::Close) {
            close_all(oid, base, j, why);
            return kNone;
        }
        const Lot* target = o.lot != kNone ? lot_by_id(o.lot) : nullptr;
        if (o.lot != kNone && target == nullptr) {  // that lot is closed already
            end(o, OStatus::Rejected, OReason::NoPosition, j);
            return kNone;
        }
        const double f = fill_price(base, d, j), size = o.req_size;
        const double held = target ? target->size : std::abs(pos_);
        double u;
        switch (o.size_type) {
            case SizeType::Units: u = size; break;
            case SizeType::Percent: u = held * size; break;
            case SizeType::Value: u = size / (f * m); break;
            case SizeType::TargetPercent:
            default: u = held - size * equity_at(f) / (f * m); break;
        }
        if (target != nullptr) {
            u = std::min(floor_units(u), target->size);
            if (!(u > 0)) end(orders_[oid], OStatus::Rejected, OReason::InvalidSize, j, std::max(u, 0.0));
            else exit_parts(oid, {{target->id, u}}, base, j, why);
            return kNone;
        }
        reduce_fifo(oid, u, base, j, why);
        return kNone;
    }
    if (pdir == d && o.size_type == SizeType::TargetPercent) {
        // a target below the holding: reduce by the difference (vectorbt's TargetPercent)
        const double f = fill_price(base, -d, j);
        const double target = o.req_size * equity_at(f) / (f * m);
        if (target < std::abs(pos_)) {
            o.side = static_cast<std::int8_t>(-d);
            o.intent = Intent::Reduce;
            reduce_fifo(oid, std::abs(pos_) - target, base, j, why);
            return kNone;
        }
    }
    if (pdir == -d) {  // reversal: close everything, then open
        if (o.intent == Intent::Add) {
            end(o, OStatus::Rejected, OReason::NoPosition, j);
            return kNone;
        }
        const std::int64_t placed = o.placed_bar;
        const std::int64_t closer = new_order(OKind::Market, o.side, Intent::Close, j, oid);
        orders_[closer].placed_bar = placed;
        close_all(closer, base, j, why);
    } else if (pdir == 0 && o.intent == Intent::Add) {
        end(o, OStatus::Rejected, OReason::NoPosition, j);
        return kNone;
    }
    return open_lot(oid, d, base, j, check_from, why);
}

double Book::approx_value(const Order& o, double p) const {
    const int d = o.side;
    const double m = c_->multiplier, size = o.req_size, held = pos_ * p * m;
    const int pdir = lots_.empty() ? 0 : lots_[0].dir;
    const SizeType st = o.size_type;
    if (o.intent == Intent::Close) return pdir == -d ? -held : 0.0;
    if (o.intent == Intent::Net && st == SizeType::TargetPercent && size == 0) return -held;
    if (o.intent == Intent::Net && pdir == -d && st != SizeType::TargetPercent)
        return st == SizeType::Units ? d * size * p * m : st == SizeType::Value ? d * size : d * size * std::abs(held);
    if (o.intent == Intent::Reduce) {
        if (pdir != -d) return 0.0;
        const double v = std::abs(held);
        switch (st) {
            case SizeType::Units: return d * size * p * m;
            case SizeType::Percent: return d * size * v;
            case SizeType::Value: return d * size;
            case SizeType::TargetPercent:
            default: return d * std::max(v - size * equity_at(p), 0.0);
        }
    }
    if (st == SizeType::TargetPercent) return d * size * equity_at(p) - held;
    const double closing = pdir == -d ? -held : 0.0;
    if (st == SizeType::Units) return closing + d * size * p * m;
    if (st == SizeType::Value) return closing + d * size;
    const double lev = nan(c_->margin) ? c_->leverage : 1.0;
    const double cash = pdir == -d ? equity_at(p) : available(p);
    return closing + d * size * cash * lev;
}

void Book::reduce_fifo(std::int64_t oid, double u, double base, std::int64_t j, OReason why) {
    const double held = std::abs(pos_);
    u = std::min(floor_units(u), held);
    if (!(u > 0)) {
        end(orders_[oid], OStatus::Rejected, OReason::InvalidSize, j, std::max(u, 0.0));
        return;
    }
    std::vector<std::pair<std::int64_t, double>> parts;
    double left = u;
    for (const Lot& L : lots_) {
        const double take = std::min(L.size, left);
        parts.emplace_back(L.id, take);
        left -= take;
        if (left <= 0) break;
    }
    exit_parts(oid, parts, base, j, why);
}

void Book::fill_working(std::int64_t oid, double base, std::int64_t j) {
    if (orders_[oid].status != OStatus::Working) return;
    const OKind kind = orders_[oid].kind;
    const std::int64_t lot_id = execute(oid, base, j, j + 1, kind == OKind::Stop ? OReason::Stop : OReason::Limit);
    if (lot_id == kNone || kind != OKind::Stop) return;
    const Lot* L = lot_by_id(lot_id);
    if (L == nullptr || nan(L->tp)) return;
    // backtesting.py's exception: the tp inside the stop entry's fill bar, the stop not
    OReason why;
    const double s = eff_stop(*L, why), tp = L->tp;
    const double o = b_->open[j], h = b_->high[j], lo = b_->low[j];
    if (L->dir > 0 && tp <= h && (nan(s) || s < lo)) fire_bracket(lot_id, std::max(o, tp), OReason::TakeProfit, j);
    else if (L->dir < 0 && tp >= lo && (nan(s) || s > h))
        fire_bracket(lot_id, std::min(o, tp), OReason::TakeProfit, j);
}

void Book::expire(std::int64_t j) {
    for (std::int64_t id : live_) {
        Order& o = orders_[id];
        if (o.status != OStatus::Working || is_bracket(o.kind) || o.kind == OKind::Market) continue;
        if (o.tif_bars > 0) {
            if (j >= o.placed_bar + o.tif_bars) end(o, OStatus::Expired, OReason::Expiry, j);
        } else if (o.has_deadline && j + 1 < b_->n && b_->times[j + 1] > o.deadline_ns) {
            end(o, OStatus::Expired, OReason::Expiry, j);
        }
    }
}

void Book::compact() {
    std::size_t w = 0;
    for (std::int64_t id : live_)
        if (orders_[id].status == OStatus::Working) live_[w++] = id;
    live_.resize(w);
}

// ------------------------------------------------------------------------------ charges

void Book::attribute(bool borrow, double amount) {
    double total = 0;
    for (const Lot& L : lots_) total += L.size;
    for (Lot& L : lots_) (borrow ? L.borrow : L.funding) += amount * L.size / total;
}

void Book::borrow_at(std::int64_t j, double prev_pos) {
    const double rate = c_->borrow_rate[j];
    if (!(j > 0 && prev_pos < 0 && rate > 0)) return;
    double days = 1.0;
    if (b_->times != nullptr) days = static_cast<double>(b_->times[j] - b_->times[j - 1]) / 86400e9;
    const double amt = rate / 365.0 * days * (-prev_pos) * b_->close[j - 1] * c_->multiplier;
    g_->cash_ -= amt;
    charges_.push_back({j, ChargeKind::Borrow, amt});
    attribute(true, amt);
}

void Book::funding_at(std::int64_t j) {
    const Costs& c = *c_;
    if (c.n_funding == 0 || b_->times == nullptr) return;
    const std::int64_t t0 = b_->times[j];
    while (fpos_ < c.n_funding && c.funding_times[fpos_] < t0) ++fpos_;
    const bool last = j + 1 >= b_->n;
    const std::int64_t t1 = last ? t0 : b_->times[j + 1];
    for (std::int64_t k = fpos_; k < c.n_funding; ++k) {
        const std::int64_t t = c.funding_times[k];
        if (last ? t != t0 : t >= t1) break;
        if (pos_ == 0) continue;
        const double price = (t == t0 || j == 0) ? b_->open[j] : b_->close[j - 1];
        const double amt = c.funding_rates[k] * pos_ * price * c.multiplier;
        g_->cash_ -= amt;
        charges_.push_back({j, ChargeKind::Funding, amt});
        attribute(false, amt);
    }
}

void Book::apply_sl_path(std::int64_t j) {
    for (Lot& L : lots_) {
        if (L.sl_path == nullptr) continue;
        const double lvl = L.sl_path[j * L.sl_path_stride];
        if (nan(lvl)) continue;
        if (nan(L.sl) || (L.dir > 0 ? lvl > L.sl : lvl < L.sl)) L.sl = lvl;
    }
}

// ------------------------------------------------------------------------------ the bar loop

void Group::apply(std::int64_t j) {
    if (acts_.empty()) return;
    if (by_value_)
        std::stable_sort(acts_.begin(), acts_.end(),
                         [](const Book::Action& a, const Book::Action& b) { return a.key < b.key; });
    for (const Book::Action& a : acts_) {
        Book& b = books_[a.sym];
        switch (a.what) {
            case 0:
                if (b.orders_[a.ref].status == OStatus::Working) b.execute(a.ref, a.base, j, a.check_from, a.why);
                break;
            case 1: b.fire_bracket(a.ref, a.base, a.why, j); break;
            default: b.fill_working(a.ref, a.base, j); break;
        }
    }
    acts_.clear();
}

void Group::collect_market(std::int64_t j, bool at_close) {
    for (std::size_t k = 0; k < books_.size(); ++k) {
        Book& b = books_[k];
        const double base = at_close ? b.b_->close[j] : b.b_->open[j];
        const std::int64_t placed_max = at_close ? j : j - 1;
        for (std::int64_t id : b.live_) {
            const Order& o = b.orders_[id];
            if (o.status != OStatus::Working || o.kind != OKind::Market || o.placed_bar > placed_max) continue;
            const OReason why = o.origin == Origin::Strategy ? OReason::Strategy : OReason::Signal;
            acts_.push_back({by_value_ ? b.approx_value(o, base) : 0.0, static_cast<std::int32_t>(k), 0, id, base, why,
                             at_close ? j + 1 : j});
        }
    }
}

void Group::collect_brackets(std::int64_t j) {
    for (std::size_t k = 0; k < books_.size(); ++k) {
        Book& b = books_[k];
        for (Lot& L : b.lots_) {
            if (L.check_from > j || !has_levels(L)) continue;
            double base;
            OReason why;
            if (b.check_brackets(L, j, base, why)) {
                acts_.push_back({-L.dir * L.size * base * b.c_->multiplier, static_cast<std::int32_t>(k), 1, L.id, base,
                                 why, 0});
            } else if (L.dir > 0) {
                L.extreme = std::max(L.extreme, b.b_->high[j]);
            } else {
                L.extreme = std::min(L.extreme, b.b_->low[j]);
            }
        }
    }
}

void Group::collect_working(std::int64_t j) {
    for (std::size_t k = 0; k < books_.size(); ++k) {
        Book& b = books_[k];
        for (std::int64_t id : b.live_) {
            Order& o = b.orders_[id];
            if (o.status != OStatus::Working || o.placed_bar >= j) continue;
            if (o.kind != OKind::Limit && o.kind != OKind::Stop && o.kind != OKind::StopLimit) continue;
            double base;
            if (b.trigger_price(o, j, base))
                acts_.push_back({by_value_ ? b.approx_value(o, base) : 0.0, static_cast<std::int32_t>(k), 2, id, base,
                                 OReason::None, 0});
        }
    }
}

void Group::decisions(std::int64_t j) {
    for (std::size_t k = 0; k < books_.size(); ++k) {
        Book& b = books_[k];
        const SymbolIn& in = ins_[k];
        std::int64_t& cur = cursor_[k];
        while (cur < in.n_orders && in.orders[cur].bar < j) ++cur;
        while (cur < in.n_orders && in.orders[cur].bar == j) b.place(in.orders[cur++], j, Origin::Signal);
        if (in.decider != nullptr && in.decider->active_from(j) <= j) in.decider->decide(j, b);
    }
}

bool Group::liquidate(std::int64_t j) {
    for (Book& b : books_) {
        if (!b.lots_.empty()) {
            const std::int64_t id = b.new_order(OKind::Market, b.pos_ > 0 ? -1 : 1, Intent::Close, j, kNone);
            b.close_all(id, b.b_->close[j], j, OReason::Liquidation);
        }
        for (std::int64_t id : b.live_) {
            Order& o = b.orders_[id];
            if (o.status != OStatus::Working) continue;
            if (o.kind == OKind::Market && o.placed_bar == j) o.status = OStatus::Dropped;  // never sent: no row
            else b.end(o, OStatus::Cancelled, OReason::Liquidation, j);
        }
    }
    return true;
}


namespace {

void put(const Column& c, std::int64_t j, double v) {
    if (c.data != nullptr) c[j] = v;
}

}  // namespace

// One symbol with no working order, no levels to check and no charge due: the bars before
// the next decision (the next listed order, the decider's promise, the last bar) change
// nothing but the records.  Returns the first bar the full loop must process.
std::int64_t Group::quiet_stretch(std::int64_t j, GroupOut& out, const CancelCheck& check, const SymbolIn& in) {
    Book& b = books_[0];
    const std::int64_t n = b.b_->n;
    std::int64_t& cur = cursor_[0];
    while (cur < in.n_orders && in.orders[cur].bar < j) ++cur;
    std::int64_t k = n - 1;
    if (cur < in.n_orders) k = std::min(k, in.orders[cur].bar);
    if (in.decider != nullptr) k = std::min(k, in.decider->active_from(j));
    const double* close = b.b_->close;
    const double pos = b.pos_, m = b.c_->multiplier, margin = b.margin_, cash = cash_;
    const bool cash_account = nan(b.c_->margin);
    SymbolOut& so = out.symbols[0];
    // in chunks (a cancel check between them), each a few plain loops the compiler vectorises
    for (std::int64_t lo = j; lo < k;) {
        const std::int64_t hi = std::min(k, (lo | (kCheckEvery - 1)) + 1);
        if (hi - lo == kCheckEvery || (hi & (kCheckEvery - 1)) == 0) check();
        std::int64_t broke = hi;
        if (cash_account && out.equity.data != nullptr && out.equity.stride == 1) {
            double* eq = out.equity.data;
            for (std::int64_t i = lo; i < hi; ++i) eq[i] = cash + pos * close[i] * m;
            for (std::int64_t i = lo; i < hi; ++i)
                if (!(eq[i] > 0)) {
                    broke = i;
                    break;
                }
        } else {
            for (std::int64_t i = lo; i < hi; ++i) {
                const double equity = cash_account ? cash + pos * close[i] * m : cash + b.part(close[i]);
                if (!(equity > 0)) {
                    broke = i;
                    break;
                }
                put(out.equity, i, equity);
            }
        }
        for (std::int64_t i = lo; i < broke; ++i) {
            put(out.cash, i, cash);
            put(so.position, i, pos);
            put(so.margin, i, margin);
        }
        if (broke < hi) return broke;  // out of money: the full loop liquidates
        lo = hi;
    }
    return std::max(k, j);
}

template <bool Single>
bool Group::any_live() const {
    if constexpr (Single) return !books_[0].live_.empty();
    for (const Book& b : books_)
        if (!b.live_.empty()) return true;
    return false;
}

template <bool Single>
bool Group::any_lots() const {
    if constexpr (Single) return !books_[0].lots_.empty();
    for (const Book& b : books_)
        if (!b.lots_.empty()) return true;
    return false;
}

void Group::begin() {
    loop_.prev_pos.assign(books_.size(), 0.0);
    loop_.at_open = g_.execution == Execution::Open;
    loop_.funding = false;
    for (const Book& b : books_) loop_.funding = loop_.funding || b.c_->n_funding > 0;
    const Costs& c0 = *books_[0].c_;
    loop_.no_borrow = c0.borrow_rate.data == nullptr && c0.borrow_rate.scalar == 0;
}

// Steps 0-8 of bar j (docs/orders.md § 2; `last`: the end of data); the equity at its
// close, or NaN when the account ran out of money and was liquidated.
template <bool Single>
double Group::bar(std::int64_t j, bool last) {
    const std::size_t S = books_.size();
    Loop& st = loop_;
    for (Book& b : books_) b.mark_ = b.b_->open[j];
    for (std::size_t k = 0; k < S; ++k)
        if (st.prev_pos[k] < 0) books_[k].borrow_at(j, st.prev_pos[k]);
    if (st.at_open && any_live<Single>()) {
        collect_market(j, false);
        apply(j);
    }
    if (st.funding)
        for (Book& b : books_) b.funding_at(j);
    if (any_lots<Single>()) {
        collect_brackets(j);
        apply(j);
    }
    if (any_live<Single>()) {
        collect_working(j);
        apply(j);
        for (Book& b : books_) b.expire(j);
    }
    for (Book& b : books_) b.mark_ = b.b_->close[j];
    decisions(j);
    if (!st.at_open && any_live<Single>()) {
        collect_market(j, true);
        apply(j);
    }
    if (any_lots<Single>())
        for (Book& b : books_) b.apply_sl_path(j);
    if (last) {
        for (Book& b : books_) {
            if (g_.close_at_end && !b.lots_.empty()) {
                const std::int64_t id = b.new_order(OKind::Market, b.pos_ > 0 ? -1 : 1, Intent::Close, j, kNone);
                b.close_all(id, b.b_->close[j], j, OReason::EndOfData);
            }
            for (std::int64_t id : b.live_)
                if (b.orders_[id].status == OStatus::Working)
                    b.end(b.orders_[id], OStatus::Cancelled, OReason::EndOfData, j);
        }
    }
    Book& first = books_[0];
    double equity;
    if constexpr (Single) equity = cash_ + first.part(first.b_->close[j]);
    else equity = first.equity_at(first.b_->close[j]);
    if (!(equity > 0) && liquidate(j)) return kNaN;
    for (std::size_t k = 0; k < S; ++k) {
        Book& b = books_[k];
        st.prev_pos[k] = b.pos_;
        if (!b.live_.empty()) b.compact();
    }
    return equity;
}

template <bool Single>
void Group::run_(GroupOut& out, const CancelCheck& check) {
    const std::int64_t n = this->n();
    const std::size_t S = books_.size();
    if (out.symbols.size() != S) out.symbols.resize(S);
    begin();
    Book& first = books_[0];
    const SymbolIn& in0 = ins_[0];
    for (std::int64_t j = 0; j < n; ++j) {
        if ((j & (kCheckEvery - 1)) == kCheckEvery - 1) check();
        if constexpr (Single) {
            // each step runs only when it has something to do; quiet stretches in a tight loop
            if (first.live_.empty() && !loop_.funding && (loop_.no_borrow || first.pos_ >= 0) &&
                std::none_of(first.lots_.begin(), first.lots_.end(), has_levels)) {
                j = quiet_stretch(j, out, check, in0);
                if (j >= n) break;
                loop_.prev_pos[0] = first.pos_;
            }
        }
        const double equity = bar<Single>(j, j == n - 1);
        if (std::isnan(equity)) {  // out of money: the rest of the records are 0
            for (std::int64_t i = j; i < n; ++i) {
                put(out.equity, i, 0.0);
                put(out.cash, i, 0.0);
                for (SymbolOut& so : out.symbols) put(so.position, i, 0.0), put(so.margin, i, 0.0);
            }
            break;
        }
        put(out.cash, j, cash_);
        put(out.equity, j, equity);
        for (std::size_t k = 0; k < S; ++k) {
            put(out.symbols[k].position, j, books_[k].pos_);
            put(out.symbols[k].margin, j, books_[k].margin_);
        }
    }
    for (std::size_t k = 0; k < S; ++k) {
        Book& b = books_[k];
        SymbolOut& so = out.symbols[k];
        if (std::any_of(b.orders_.begin(), b.orders_.end(), [](const Order& o) { return o.status == OStatus::Dropped; })) {
            so.orders.clear();
            for (Order& o : b.orders_)
                if (o.status != OStatus::Dropped) so.orders.push_back(o);
        } else {
            so.orders = std::move(b.orders_);
        }
        so.trades = std::move(b.trades_);
        so.charges = std::move(b.charges_);
    }
}

void simulate(const std::vector<SymbolIn>& symbols, const GroupParams& g, GroupOut& out, const CancelCheck& check) {
    Group grp(symbols, g);
    grp.run(out, check);
}

// ------------------------------------------------------------------------------ stepping

struct Stepper::Impl {
    std::vector<double> o, h, l, c;
    std::vector<std::int64_t> t;
    std::vector<SymbolIn> ins;
    GroupParams g;
    std::unique_ptr<Group> group;
    double equity = 0;
    bool broke = false, timed = false, first = true;
};

Stepper::Stepper(const Costs& costs, const GroupParams& g, Decider* decider) : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.g = g;
    m.g.close_at_end = false;
    m.ins.resize(1);
    m.ins[0].costs = costs;
    m.ins[0].decider = decider;
    m.group = std::make_unique<Group>(m.ins, m.g);
    m.group->books_[0].stepping_ = true;
    m.group->begin();
    m.equity = g.init_cash;
}

Stepper::~Stepper() = default;

Book& Stepper::book() { return impl_->group->books_[0]; }
std::int64_t Stepper::bars() const { return static_cast<std::int64_t>(impl_->c.size()); }
double Stepper::equity() const { return impl_->equity; }

std::int64_t Stepper::step(double open, double high, double low, double close, std::int64_t t) {
    Impl& m = *impl_;
    FieldErrors e;
    const std::int64_t j = bars();
    Bars one{&open, &high, &low, &close, nullptr, 1};
    validate(one, e);
    if (m.first) m.timed = t != kNoTime;
    if ((t != kNoTime) != m.timed)
        e.add("time", t == kNoTime ? "None" : std::to_string(t), "every bar needs a time, or none does");
    else if (m.timed && j > 0 && t <= m.t.back())
        e.add("time", std::to_string(t) + "ns", "must be after the previous bar's (" + std::to_string(m.t.back()) + "ns)");
    e.throw_if_any();
    m.first = false;
    m.o.push_back(open), m.h.push_back(high), m.l.push_back(low), m.c.push_back(close);
    if (m.timed) m.t.push_back(t);
    Bars& b = m.ins[0].bars;
    b = Bars{m.o.data(), m.h.data(), m.l.data(), m.c.data(), m.timed ? m.t.data() : nullptr, j + 1};
    if (m.broke) return j;
    const double eq = m.group->bar<true>(j, false);
    if (std::isnan(eq)) {
        m.broke = true;
        m.equity = 0;
    } else {
        m.equity = eq;
    }
    return j;
}

}  // namespace threadx::backtest::orders
