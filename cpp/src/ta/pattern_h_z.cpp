// Candlestick patterns, part 2 (TA-Lib's "Pattern Recognition" group, CDLHOMINGPIGEON ...
// CDLXSIDEGAP3METHODS in alphabetical order).  Each is a struct for candle::Pattern (the
// conventions are at the top of threadx/ta/candle.hpp); eval() states TA-Lib 0.8.1's
// conditions, so values and warm-ups are TA-Lib's.  Naming as in pattern_a_h.cpp: `a` is
// the first (oldest) candle of a pattern, then `b`, `d`, `e`; `x` is always the current candle.
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "threadx/ta/candle.hpp"

namespace threadx::ta {

namespace {

using namespace candle;

// Both shadows of `b` shorter than `avg` (a marubozu's, a long line's).
inline bool short_shadows(const Bar& b, double avg) noexcept { return b.upper() < avg && b.lower() < avg; }

// CDLHOMINGPIGEON: a long black candle, then a short black one inside its body.
struct HomingPigeon {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 1}, {BodyShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return !a.white() && !x.white() && a.body() > c.avg(0) && x.body() <= c.avg(1) && x.open < a.open &&
                       x.close > a.close
                   ? 100 : 0;
    }
};

// CDLIDENTICAL3CROWS: three declining black candles with very short lower shadows, each
// opening at about the prior close.
struct IdenticalThreeCrows {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 5> uses{
        {{ShadowVeryShort, 2}, {ShadowVeryShort, 1}, {ShadowVeryShort, 0}, {Equal, 2}, {Equal, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return !a.white() && a.lower() < c.avg(0) && !b.white() && b.lower() < c.avg(1) && !x.white() &&
                       x.lower() < c.avg(2) && a.close > b.close && b.close > x.close && near(b.open, a.close, c.avg(3)) &&
                       near(x.open, b.close, c.avg(4))
                   ? -100 : 0;
    }
};

// CDLINNECK: a long black candle, then a white one opening below its low and closing at
// or slightly above its close.
struct InNeck {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 1}, {Equal, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return !a.white() && a.body() > c.avg(0) && x.white() && x.open < a.low && x.close <= a.close + c.avg(1) &&
                       x.close >= a.close
                   ? -100 : 0;
    }
};

// CDLINVERTEDHAMMER (Sign = +1) / CDLSHOOTINGSTAR (Sign = -1): a small body with a long
// upper shadow and no or a very short lower one, its body gapping down (up) from the prior one.
template <int Sign>
struct UpperShadowStar {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 3> uses{{{BodyShort, 0}, {ShadowLong, 0}, {ShadowVeryShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        const bool gap = Sign > 0 ? body_gap_down(x, a) : body_gap_up(x, a);
        return gap && x.body() < c.avg(0) && x.upper() > c.avg(1) && x.lower() < c.avg(2) ? Sign * 100 : 0;
    }
};

// CDLKICKING / CDLKICKINGBYLENGTH: two marubozu of opposite colours with a gap between
// them; the sign is the second's colour, or (ByLength) the colour of the longer one.
template <bool ByLength>
struct Kicking {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 4> uses{{{BodyLong, 1}, {BodyLong, 0}, {ShadowVeryShort, 1}, {ShadowVeryShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        if (!(a.color() == -x.color() && a.body() > c.avg(0) && short_shadows(a, c.avg(2)) && x.body() > c.avg(1) &&
              short_shadows(x, c.avg(3)) && ((!a.white() && gap_up(x, a)) || (a.white() && gap_down(x, a)))))
            return 0;
        if constexpr (ByLength) return (x.body() > a.body() ? x : a).color() * 100;
        else return x.color() * 100;
    }
};

// CDLLADDERBOTTOM: three black candles with lower opens and closes, a black one with an
// upper shadow, then a white one opening above its open and closing above its high.
struct LadderBottom {
    static constexpr int bars = 5;
    static constexpr std::array<Use, 1> uses{{{ShadowVeryShort, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(4), &b = c.bar(3), &d = c.bar(2), &e = c.bar(1), &x = c.bar(0);
        return !a.white() && !b.white() && !d.white() && a.open > b.open && b.open > d.open && a.close > b.close &&
                       b.close > d.close && !e.white() && e.upper() > c.avg(0) && x.white() && x.open > e.open &&
                       x.close > e.high
                   ? 100 : 0;
    }
};

// CDLLONGLEGGEDDOJI: a doji with a long upper or lower shadow.
struct LongLeggedDoji {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 2> uses{{{BodyDoji, 0}, {ShadowLong, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        return x.body() <= c.avg(0) && (x.lower() > c.avg(1) || x.upper() > c.avg(1)) ? 100 : 0;
    }
};

// CDLLONGLINE (Shadow = ShadowShort) / CDLMARUBOZU (Shadow = ShadowVeryShort): a long
// body whose two shadows are shorter than the Shadow average; the sign is its colour.
template <Setting Shadow>
struct LongBody {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 0}, {Shadow, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        return x.body() > c.avg(0) && short_shadows(x, c.avg(1)) ? x.color() * 100 : 0;
    }
};

// CDLMATCHINGLOW: two black candles closing at about the same price.
struct MatchingLow {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 1> uses{{{Equal, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return !a.white() && !x.white() && near(x.close, a.close, c.avg(0)) ? 100 : 0;
    }
};

// CDLMATHOLD: a long white candle, a small black one gapping up, two small falling ones
// holding within the first body (penetrating it by less than `penetration`), then a white
// candle opening above the last close and closing above the three reaction highs.
struct MatHold {
    static constexpr int bars = 5, n_params = 1;
    static constexpr std::array<Use, 4> uses{{{BodyLong, 4}, {BodyShort, 3}, {BodyShort, 2}, {BodyShort, 1}}};
    double pen;
    explicit MatHold(const double* p) : pen(p[0]) {}
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(4), &b = c.bar(3), &d = c.bar(2), &e = c.bar(1), &x = c.bar(0);
        if (!(a.white() && !b.white() && x.white() && body_gap_up(b, a) && d.bottom() < a.close && e.bottom() < a.close))
            return 0;
        const double floor = below(a.close, a.body(), pen);
        return d.bottom() > floor && e.bottom() > floor && d.top() < b.open && e.top() < d.top() && x.open > e.close &&
                       x.close > std::max(std::max(b.high, d.high), e.high) && a.body() > c.avg(0) &&
                       b.body() < c.avg(1) && d.body() < c.avg(2) && e.body() < c.avg(3)
                   ? 100 : 0;
    }
};

// CDLMORNINGSTAR (Star = BodyShort) / CDLMORNINGDOJISTAR (Star = BodyDoji): a long black
// candle, a star gapping down, a white candle (not short) closing well within the first body.
template <Setting Star>
struct MorningStarOf {
    static constexpr int bars = 3, n_params = 1;
    static constexpr std::array<Use, 3> uses{{{BodyLong, 2}, {Star, 1}, {BodyShort, 0}}};
    double pen;
    explicit MorningStarOf(const double* p) : pen(p[0]) {}
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return !a.white() && x.white() && body_gap_down(b, a) && x.close > above(a.close, a.body(), pen) &&
                       a.body() > c.avg(0) && b.body() <= c.avg(1) && x.body() > c.avg(2)
                   ? 100 : 0;
    }
};

// CDLONNECK: a long black candle, then a white one opening below its low and closing at
// about that low.
struct OnNeck {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 1}, {Equal, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return !a.white() && a.body() > c.avg(0) && x.white() && x.open < a.low && near(x.close, a.low, c.avg(1))
                   ? -100 : 0;
    }
};

// CDLPIERCING: a long black candle, then a long white one opening below its low and
// closing above its body's midpoint but below its open.
struct Piercing {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 1}, {BodyLong, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return !a.white() && a.body() > c.avg(0) && x.white() && x.body() > c.avg(1) && x.open < a.low &&
                       x.close < a.open && x.close > above(a.close, a.body(), 0.5)
                   ? 100 : 0;
    }
};

// CDLRICKSHAWMAN: a doji with two long shadows, its body near the middle of its range.
struct RickshawMan {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 3> uses{{{BodyDoji, 0}, {ShadowLong, 0}, {Near, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        if (!(x.body() <= c.avg(0) && x.lower() > c.avg(1) && x.upper() > c.avg(1))) return 0;
        const double mid = x.low + x.range() / 2, n = c.avg(2);
        return x.bottom() <= mid + n && x.top() >= mid - n ? 100 : 0;
    }
};

// CDLRISEFALL3METHODS: a long candle, three small ones of the other colour moving against
// it within its range, then a long candle of its colour opening beyond the last close and
// closing beyond the first close.
struct RiseFallThreeMethods {
    static constexpr int bars = 5;
    static constexpr std::array<Use, 5> uses{
        {{BodyLong, 4}, {BodyShort, 3}, {BodyShort, 2}, {BodyShort, 1}, {BodyLong, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(4), &b = c.bar(3), &d = c.bar(2), &e = c.bar(1), &x = c.bar(0);
        const int s = a.color();
        const double k = s;  // TA-Lib compares prices times the first candle's colour
        const auto within = [&a](const Bar& m) { return m.bottom() < a.high && m.top() > a.low; };
        return s == -b.color() && b.color() == d.color() && d.color() == e.color() && e.color() == -x.color() &&
                       within(b) && within(d) && within(e) && d.close * k < b.close * k && e.close * k < d.close * k &&
                       x.open * k > e.close * k && x.close * k > a.close * k && a.body() > c.avg(0) &&
                       b.body() < c.avg(1) && d.body() < c.avg(2) && e.body() < c.avg(3) && x.body() > c.avg(4)
                   ? 100 * s : 0;
    }
};

// CDLSEPARATINGLINES: a candle, then one of the other colour opening at about its open: a
// belt hold (long body, no or a very short shadow at its open's end).
struct SeparatingLines {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 3> uses{{{ShadowVeryShort, 0}, {BodyLong, 0}, {Equal, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return a.color() == -x.color() && near(x.open, a.open, c.avg(2)) && x.body() > c.avg(1) &&
                       (x.white() ? x.lower() : x.upper()) < c.avg(0)
                   ? x.color() * 100 : 0;
    }
};

// CDLSHORTLINE: a short body with short shadows; the sign is its colour.
struct ShortLine {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 2> uses{{{BodyShort, 0}, {ShadowShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        return x.body() < c.avg(0) && short_shadows(x, c.avg(1)) ? x.color() * 100 : 0;
    }
};

// CDLSPINNINGTOP: a short body with both shadows longer than the body.
struct SpinningTop {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 1> uses{{{BodyShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        return x.body() < c.avg(0) && x.upper() > x.body() && x.lower() > x.body() ? x.color() * 100 : 0;
    }
};

// CDLSTALLEDPATTERN: two long rising white candles (the second opening within or near the
// first body, with a very short upper shadow), then a small white one riding on the
// second's shoulder.
struct StalledPattern {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 6> uses{
        {{BodyLong, 2}, {BodyLong, 1}, {ShadowVeryShort, 1}, {Near, 2}, {Near, 1}, {BodyShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return a.white() && b.white() && x.white() && x.close > b.close && b.close > a.close && a.body() > c.avg(0) &&
                       b.body() > c.avg(1) && b.upper() < c.avg(2) && b.open > a.open && b.open <= a.close + c.avg(3) &&
                       x.body() < c.avg(5) && x.open >= b.close - x.body() - c.avg(4)
                   ? -100 : 0;
    }
};

// CDLSTICKSANDWICH: a black candle, a white one trading above its close, a black one
// closing at about the first close.
struct StickSandwich {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 1> uses{{{Equal, 2}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return !a.white() && b.white() && !x.white() && b.low > a.close && near(x.close, a.close, c.avg(0)) ? 100 : 0;
    }
};

// CDLTAKURI: a doji with no or a very short upper shadow and a very long lower one.
struct Takuri {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 3> uses{{{BodyDoji, 0}, {ShadowVeryShort, 0}, {ShadowVeryLong, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        return x.body() <= c.avg(0) && x.upper() < c.avg(1) && x.lower() > c.avg(2) ? 100 : 0;
    }
};

// CDLTASUKIGAP: after a gap, a candle in the gap's direction, then one of the other colour
// opening within its body and closing inside the gap, the two bodies of about one size.
struct TasukiGap {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 1> uses{{{Near, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        if (!(std::fabs(b.body() - x.body()) < c.avg(0))) return 0;
        const bool up = body_gap_up(b, a) && b.white() && !x.white() && x.open < b.close && x.open > b.open &&
                        x.close < b.open && x.close > a.top();
        const bool down = body_gap_down(b, a) && !b.white() && x.white() && x.open < b.open && x.open > b.close &&
                          x.close > b.open && x.close < a.bottom();
        return up || down ? b.color() * 100 : 0;
    }
};

// CDLTHRUSTING: a long black candle, then a white one opening below its low and closing
// into its body above its close (beyond "equal") but at most at its midpoint.
struct Thrusting {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 1}, {Equal, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return !a.white() && a.body() > c.avg(0) && x.white() && x.open < a.low && x.close > a.close + c.avg(1) &&
                       x.close <= above(a.close, a.body(), 0.5)
                   ? -100 : 0;
    }
};

// CDLTRISTAR: three dojis (all against the first one's average), the second gapping away
// and the third not beyond it.
struct Tristar {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 1> uses{{{BodyDoji, 2}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        const double doji = c.avg(0);
        if (!(a.body() <= doji && b.body() <= doji && x.body() <= doji)) return 0;
        if (body_gap_up(b, a) && x.top() < b.top()) return -100;
        if (body_gap_down(b, a) && x.bottom() > b.bottom()) return 100;
        return 0;
    }
};

// CDLUNIQUE3RIVER: a long black candle, a black harami with a lower low, then a small
// white candle opening above the second's low.
struct UniqueThreeRiver {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 2}, {BodyShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return !a.white() && !b.white() && x.white() && b.close > a.close && b.open <= a.open && b.low < a.low &&
                       x.open > b.low && a.body() > c.avg(0) && x.body() < c.avg(1)
                   ? 100 : 0;
    }
};

// CDLUPSIDEGAP2CROWS: a long white candle, a short black one gapping up, then a black one
// engulfing the second and closing above the first close.
struct UpsideGapTwoCrows {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 2}, {BodyShort, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return a.white() && a.body() > c.avg(0) && !b.white() && b.body() <= c.avg(1) && body_gap_up(b, a) &&
                       !x.white() && x.open > b.open && x.close < b.close && x.close > a.close
                   ? -100 : 0;
    }
};

// CDLXSIDEGAP3METHODS: two candles of one colour with a gap between their bodies in that
// colour's direction, then one of the other colour opening within the second body and
// closing within the first.
struct XSideGapThreeMethods {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 0> uses{};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return a.color() == b.color() && b.color() == -x.color() && x.open < b.top() && x.open > b.bottom() &&
                       x.close < a.top() && x.close > a.bottom() &&
                       ((a.white() && body_gap_up(b, a)) || (!a.white() && body_gap_down(b, a)))
                   ? a.color() * 100 : 0;
    }
};

}  // namespace

void register_pattern_h_z(std::vector<Info>& r) {
    r.push_back(make_pattern<HomingPigeon>("CDLHOMINGPIGEON", "Homing Pigeon"));
    r.push_back(make_pattern<IdenticalThreeCrows>("CDLIDENTICAL3CROWS", "Identical Three Crows"));
    r.push_back(make_pattern<InNeck>("CDLINNECK", "In-Neck Pattern"));
    r.push_back(make_pattern<UpperShadowStar<1>>("CDLINVERTEDHAMMER", "Inverted Hammer"));
    r.push_back(make_pattern<Kicking<false>>("CDLKICKING", "Kicking"));
    r.push_back(make_pattern<Kicking<true>>("CDLKICKINGBYLENGTH", "Kicking - bull/bear determined by the longer marubozu"));
    r.push_back(make_pattern<LadderBottom>("CDLLADDERBOTTOM", "Ladder Bottom"));
    r.push_back(make_pattern<LongLeggedDoji>("CDLLONGLEGGEDDOJI", "Long Legged Doji"));
    r.push_back(make_pattern<LongBody<ShadowShort>>("CDLLONGLINE", "Long Line Candle"));
    r.push_back(make_pattern<LongBody<ShadowVeryShort>>("CDLMARUBOZU", "Marubozu"));
    r.push_back(make_pattern<MatchingLow>("CDLMATCHINGLOW", "Matching Low"));
    r.push_back(make_pattern<MatHold>("CDLMATHOLD", "Mat Hold", {penetration(0.5)}));
    r.push_back(make_pattern<MorningStarOf<BodyDoji>>("CDLMORNINGDOJISTAR", "Morning Doji Star", {penetration(0.3)}));
    r.push_back(make_pattern<MorningStarOf<BodyShort>>("CDLMORNINGSTAR", "Morning Star", {penetration(0.3)}));
    r.push_back(make_pattern<OnNeck>("CDLONNECK", "On-Neck Pattern"));
    r.push_back(make_pattern<Piercing>("CDLPIERCING", "Piercing Pattern"));
    r.push_back(make_pattern<RickshawMan>("CDLRICKSHAWMAN", "Rickshaw Man"));
    r.push_back(make_pattern<RiseFallThreeMethods>("CDLRISEFALL3METHODS", "Rising/Falling Three Methods"));
    r.push_back(make_pattern<SeparatingLines>("CDLSEPARATINGLINES", "Separating Lines"));
    r.push_back(make_pattern<UpperShadowStar<-1>>("CDLSHOOTINGSTAR", "Shooting Star"));
    r.push_back(make_pattern<ShortLine>("CDLSHORTLINE", "Short Line Candle"));
    r.push_back(make_pattern<SpinningTop>("CDLSPINNINGTOP", "Spinning Top"));
    r.push_back(make_pattern<StalledPattern>("CDLSTALLEDPATTERN", "Stalled Pattern"));
    r.push_back(make_pattern<StickSandwich>("CDLSTICKSANDWICH", "Stick Sandwich"));
    r.push_back(make_pattern<Takuri>("CDLTAKURI", "Takuri (Dragonfly Doji with very long lower shadow)"));
    r.push_back(make_pattern<TasukiGap>("CDLTASUKIGAP", "Tasuki Gap"));
    r.push_back(make_pattern<Thrusting>("CDLTHRUSTING", "Thrusting Pattern"));
    r.push_back(make_pattern<Tristar>("CDLTRISTAR", "Tristar Pattern"));
    r.push_back(make_pattern<UniqueThreeRiver>("CDLUNIQUE3RIVER", "Unique 3 River"));
    r.push_back(make_pattern<UpsideGapTwoCrows>("CDLUPSIDEGAP2CROWS", "Upside Gap Two Crows"));
    r.push_back(make_pattern<XSideGapThreeMethods>("CDLXSIDEGAP3METHODS", "Upside/Downside Gap Three Methods"));
}

}  // namespace threadx::ta
