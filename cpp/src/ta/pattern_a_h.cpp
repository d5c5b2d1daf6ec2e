// Candlestick patterns, part 1 (TA-Lib's "Pattern Recognition" group, CDL2CROWS ...
// CDLHIKKAKEMOD in alphabetical order).  Each is a struct for candle::Pattern (the
// conventions are at the top of threadx/ta/candle.hpp); eval() states TA-Lib 0.8.1's
// conditions, so values and warm-ups are TA-Lib's.  Naming: `a` is the first (oldest)
// candle of a pattern, then `b`, `d`, ...; `x` is always the current candle.
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "threadx/ta/candle.hpp"

namespace threadx::ta {

namespace {

using namespace candle;

// CDL2CROWS: a long white candle, a black one gapping up, a black one opening within the
// second body and closing within the first.
struct TwoCrows {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 1> uses{{{BodyLong, 2}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return a.white() && a.body() > c.avg(0) && !b.white() && body_gap_up(b, a) && !x.white() &&
                       x.open < b.open && x.open > b.close && x.close > a.open && x.close < a.close
                   ? -100 : 0;
    }
};

// CDL3BLACKCROWS: a white candle, then three declining black candles with very short
// lower shadows, each opening within the prior body.
struct ThreeBlackCrows {
    static constexpr int bars = 4;
    static constexpr std::array<Use, 3> uses{{{ShadowVeryShort, 2}, {ShadowVeryShort, 1}, {ShadowVeryShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &w = c.bar(3), &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return w.white() && !a.white() && !b.white() && !x.white() && b.open < a.open && b.open > a.close &&
                       x.open < b.open && x.open > b.close && w.high > a.close && a.close > b.close &&
                       b.close > x.close && a.lower() < c.avg(0) && b.lower() < c.avg(1) && x.lower() < c.avg(2)
                   ? -100 : 0;
    }
};

// CDL3INSIDE: a long candle, a short one inside its body, a third closing beyond the first's open.
struct ThreeInside {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 2}, {BodyShort, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        if (a.body() > c.avg(0) && b.body() <= c.avg(1) && b.top() < a.top() && b.bottom() > a.bottom() &&
            ((a.white() && !x.white() && x.close < a.open) || (!a.white() && x.white() && x.close > a.open)))
            return -a.color() * 100;
        return 0;
    }
};

// CDL3LINESTRIKE: three candles of one colour with rising (falling) closes, each opening
// near the prior body, then one of the other colour wiping them out.
struct ThreeLineStrike {
    static constexpr int bars = 4;
    static constexpr std::array<Use, 2> uses{{{Near, 3}, {Near, 2}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(3), &b = c.bar(2), &d = c.bar(1), &x = c.bar(0);
        if (!(a.color() == b.color() && b.color() == d.color() && x.color() == -d.color())) return 0;
        const double n3 = c.avg(0), n2 = c.avg(1);
        if (!(b.open >= a.bottom() - n3 && b.open <= a.top() + n3 && d.open >= b.bottom() - n2 && d.open <= b.top() + n2))
            return 0;
        const bool up = d.white() && d.close > b.close && b.close > a.close && x.open > d.close && x.close < a.open;
        const bool down = !d.white() && d.close < b.close && b.close < a.close && x.open < d.close && x.close > a.open;
        return up || down ? d.color() * 100 : 0;
    }
};

// CDL3OUTSIDE: an engulfing pair, then a candle closing further in its direction.
struct ThreeOutside {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 0> uses{};
    static int lookback(int) { return 3; }  // TA-Lib's
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        const bool up = b.white() && !a.white() && b.close > a.open && b.open < a.close && x.close > b.close;
        const bool down = !b.white() && a.white() && b.open > a.close && b.close < a.open && x.close < b.close;
        return up || down ? b.color() * 100 : 0;
    }
};

// CDL3STARSINSOUTH: a long black candle with a long lower shadow, a smaller black one
// trading inside its range with a lower shadow, a small black marubozu inside the second.
struct ThreeStarsInSouth {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 5> uses{
        {{BodyLong, 2}, {ShadowLong, 2}, {ShadowVeryShort, 1}, {BodyShort, 0}, {ShadowVeryShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return !a.white() && !b.white() && !x.white() && a.body() > c.avg(0) && a.lower() > c.avg(1) &&
                       b.body() < a.body() && b.open > a.close && b.open <= a.high && b.low < a.close &&
                       b.low >= a.low && b.lower() > c.avg(2) && x.body() < c.avg(3) && x.lower() < c.avg(4) &&
                       x.upper() < c.avg(4) && x.low > b.low && x.high < b.high
                   ? 100 : 0;
    }
};

// CDL3WHITESOLDIERS: three rising white candles with very short upper shadows, each
// opening within or near the prior body and not far shorter than it; the last not short.
struct ThreeWhiteSoldiers {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 8> uses{{{ShadowVeryShort, 2}, {ShadowVeryShort, 1}, {ShadowVeryShort, 0},
                                              {Near, 2}, {Near, 1}, {Far, 2}, {Far, 1}, {BodyShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return a.white() && a.upper() < c.avg(0) && b.white() && b.upper() < c.avg(1) && x.white() &&
                       x.upper() < c.avg(2) && x.close > b.close && b.close > a.close && b.open > a.open &&
                       b.open <= a.close + c.avg(3) && x.open > b.open && x.open <= b.close + c.avg(4) &&
                       b.body() > a.body() - c.avg(5) && x.body() > b.body() - c.avg(6) && x.body() > c.avg(7)
                   ? 100 : 0;
    }
};

// CDLABANDONEDBABY: a long candle, a doji gapping away (shadows apart), a candle of the
// other colour gapping back and closing well within the first body.
struct AbandonedBaby {
    static constexpr int bars = 3, n_params = 1;
    static constexpr std::array<Use, 3> uses{{{BodyLong, 2}, {BodyDoji, 1}, {BodyShort, 0}}};
    double pen;
    explicit AbandonedBaby(const double* p) : pen(p[0]) {}
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        if (!(a.body() > c.avg(0) && b.body() <= c.avg(1) && x.body() > c.avg(2))) return 0;
        const bool top = a.white() && !x.white() && x.close < below(a.close, a.body(), pen) && gap_up(b, a) && gap_down(x, b);
        const bool bottom = !a.white() && x.white() && x.close > above(a.close, a.body(), pen) && gap_down(b, a) && gap_up(x, b);
        return top || bottom ? x.color() * 100 : 0;
    }
};

// CDLADVANCEBLOCK: three rising white candles opening within or near the prior body, the
// first long with a short upper shadow, the advance weakening (smaller bodies, longer
// upper shadows).
struct AdvanceBlock {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 9> uses{{{Near, 2}, {Near, 1}, {BodyLong, 2}, {ShadowShort, 2}, {Far, 2},
                                              {Far, 1}, {ShadowShort, 1}, {ShadowShort, 0}, {ShadowLong, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        if (!(a.white() && b.white() && x.white() && x.close > b.close && b.close > a.close && b.open > a.open &&
              b.open <= a.close + c.avg(0) && x.open > b.open && x.open <= b.close + c.avg(1) &&
              a.body() > c.avg(2) && a.upper() < c.avg(3)))
            return 0;
        const bool weak = (b.body() < a.body() - c.avg(4) && x.body() < b.body() + c.avg(1)) ||
                          x.body() < b.body() - c.avg(5) ||
                          (x.body() < b.body() && b.body() < a.body() && (x.upper() > c.avg(7) || b.upper() > c.avg(6))) ||
                          (x.body() < b.body() && x.upper() > c.avg(8));
        return weak ? -100 : 0;
    }
};

// CDLBELTHOLD: a long candle with no or a very short shadow at its open's end.
struct BeltHold {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 0}, {ShadowVeryShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        if (!(x.body() > c.avg(0))) return 0;
        return (x.white() ? x.lower() : x.upper()) < c.avg(1) ? x.color() * 100 : 0;
    }
};

// CDLBREAKAWAY: a long candle, one gapping away in its direction, two more extending the
// move, then one of the other colour closing inside the first gap.
struct Breakaway {
    static constexpr int bars = 5;
    static constexpr std::array<Use, 1> uses{{{BodyLong, 4}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(4), &b = c.bar(3), &d = c.bar(2), &e = c.bar(1), &x = c.bar(0);
        if (!(a.body() > c.avg(0) && a.color() == b.color() && b.color() == e.color() && e.color() == -x.color()))
            return 0;
        const bool bull = !a.white() && body_gap_down(b, a) && d.high < b.high && d.low < b.low && e.high < d.high &&
                          e.low < d.low && x.close > b.open && x.close < a.close;
        const bool bear = a.white() && body_gap_up(b, a) && d.high > b.high && d.low > b.low && e.high > d.high &&
                          e.low > d.low && x.close < b.open && x.close > a.close;
        return bull || bear ? x.color() * 100 : 0;
    }
};

// CDLCLOSINGMARUBOZU: a long candle with no or a very short shadow at its close's end.
struct ClosingMarubozu {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 0}, {ShadowVeryShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        if (!(x.body() > c.avg(0))) return 0;
        return (x.white() ? x.upper() : x.lower()) < c.avg(1) ? x.color() * 100 : 0;
    }
};

// CDLCONCEALBABYSWALL: two black marubozu, a black candle gapping down whose upper shadow
// reaches into the second body, a black candle engulfing the third with its shadows.
struct ConcealBabySwallow {
    static constexpr int bars = 4;
    static constexpr std::array<Use, 3> uses{{{ShadowVeryShort, 3}, {ShadowVeryShort, 2}, {ShadowVeryShort, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(3), &b = c.bar(2), &d = c.bar(1), &x = c.bar(0);
        return !a.white() && !b.white() && !d.white() && !x.white() && a.lower() < c.avg(0) &&
                       a.upper() < c.avg(0) && b.lower() < c.avg(1) && b.upper() < c.avg(1) && body_gap_down(d, b) &&
                       d.upper() > c.avg(2) && d.high > b.close && x.high > d.high && x.low < d.low
                   ? 100 : 0;
    }
};

// CDLCOUNTERATTACK: two long candles of opposite colours closing at the same price.
struct Counterattack {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 3> uses{{{BodyLong, 1}, {BodyLong, 0}, {Equal, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return a.color() == -x.color() && a.body() > c.avg(0) && x.body() > c.avg(1) && near(x.close, a.close, c.avg(2))
                   ? x.color() * 100 : 0;
    }
};

// CDLDARKCLOUDCOVER: a long white candle, then a black one opening above its high and
// closing well within its body.
struct DarkCloudCover {
    static constexpr int bars = 2, n_params = 1;
    static constexpr std::array<Use, 1> uses{{{BodyLong, 1}}};
    double pen;
    explicit DarkCloudCover(const double* p) : pen(p[0]) {}
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return a.white() && a.body() > c.avg(0) && !x.white() && x.open > a.high && x.close > a.open &&
                       x.close < below(a.close, a.body(), pen)
                   ? -100 : 0;
    }
};

// CDLDOJI: a real body of at most the doji average.
struct Doji {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 1> uses{{{BodyDoji, 0}}};
    template <class C>
    int eval(const C& c) const { return c.bar(0).body() <= c.avg(0) ? 100 : 0; }
};

// CDLDOJISTAR: a long candle, then a doji gapping away in its direction.
struct DojiStar {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 1}, {BodyDoji, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return a.body() > c.avg(0) && x.body() <= c.avg(1) &&
                       ((a.white() && body_gap_up(x, a)) || (!a.white() && body_gap_down(x, a)))
                   ? -a.color() * 100 : 0;
    }
};

// CDLDRAGONFLYDOJI: a doji with no or a very short upper shadow and a lower one.
struct DragonflyDoji {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 2> uses{{{BodyDoji, 0}, {ShadowVeryShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        return x.body() <= c.avg(0) && x.upper() < c.avg(1) && x.lower() > c.avg(1) ? 100 : 0;
    }
};

// CDLENGULFING: a body engulfing the opposite-coloured body before it; 80 when the two
// bodies match at one end.
struct Engulfing {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 0> uses{};
    static int lookback(int) { return 2; }  // TA-Lib's
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        const bool bull = x.white() && !a.white() &&
                          ((x.close >= a.open && x.open < a.close) || (x.close > a.open && x.open <= a.close));
        const bool bear = !x.white() && a.white() &&
                          ((x.open >= a.close && x.close < a.open) || (x.open > a.close && x.close <= a.open));
        if (!(bull || bear)) return 0;
        return x.color() * (x.open != a.close && x.close != a.open ? 100 : 80);
    }
};

// CDLEVENINGDOJISTAR: a long white candle, a doji gapping up, a black candle (not short)
// closing well within the first body.
struct EveningDojiStar {
    static constexpr int bars = 3, n_params = 1;
    static constexpr std::array<Use, 3> uses{{{BodyLong, 2}, {BodyDoji, 1}, {BodyShort, 0}}};
    double pen;
    explicit EveningDojiStar(const double* p) : pen(p[0]) {}
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return a.body() > c.avg(0) && a.white() && b.body() <= c.avg(1) && body_gap_up(b, a) && x.body() > c.avg(2) &&
                       !x.white() && x.close < below(a.close, a.body(), pen)
                   ? -100 : 0;
    }
};

// CDLEVENINGSTAR: a long white candle, a short star gapping up, a black candle (not
// short) closing well within the first body.
struct EveningStar {
    static constexpr int bars = 3, n_params = 1;
    static constexpr std::array<Use, 3> uses{{{BodyLong, 2}, {BodyShort, 1}, {BodyShort, 0}}};
    double pen;
    explicit EveningStar(const double* p) : pen(p[0]) {}
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        return a.white() && !x.white() && body_gap_up(b, a) && x.close < below(a.close, a.body(), pen) &&
                       a.body() > c.avg(0) && b.body() <= c.avg(1) && x.body() > c.avg(2)
                   ? -100 : 0;
    }
};

// CDLGAPSIDESIDEWHITE: after a gap, two white candles of about the same size opening at
// about the same price.
struct GapSideSideWhite {
    static constexpr int bars = 3;
    static constexpr std::array<Use, 2> uses{{{Near, 1}, {Equal, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        const bool up = body_gap_up(b, a) && body_gap_up(x, a);
        if (!((up || (body_gap_down(b, a) && body_gap_down(x, a))) && b.white() && x.white() &&
              near(x.body(), b.body(), c.avg(0)) && near(x.open, b.open, c.avg(1))))
            return 0;
        return up ? 100 : -100;
    }
};

// CDLGRAVESTONEDOJI: a doji with no or a very short lower shadow and an upper one.
struct GravestoneDoji {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 2> uses{{{BodyDoji, 0}, {ShadowVeryShort, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        return x.body() <= c.avg(0) && x.lower() < c.avg(1) && x.upper() > c.avg(1) ? 100 : 0;
    }
};

// CDLHAMMER: a small body with a long lower shadow and no or a very short upper one, its
// body near the prior candle's low or below.
struct Hammer {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 4> uses{{{BodyShort, 0}, {ShadowLong, 0}, {ShadowVeryShort, 0}, {Near, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return x.body() < c.avg(0) && x.lower() > c.avg(1) && x.upper() < c.avg(2) && x.bottom() <= a.low + c.avg(3)
                   ? 100 : 0;
    }
};

// CDLHANGINGMAN: a hammer's shape with its body near the prior candle's high or above.
struct HangingMan {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 4> uses{{{BodyShort, 0}, {ShadowLong, 0}, {ShadowVeryShort, 0}, {Near, 1}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        return x.body() < c.avg(0) && x.lower() > c.avg(1) && x.upper() < c.avg(2) && x.bottom() >= a.high - c.avg(3)
                   ? -100 : 0;
    }
};

// CDLHARAMI / CDLHARAMICROSS: a long candle, then a short one (a doji for the cross)
// inside its body; 80 when the bodies meet at an end.
template <Setting Second>
struct HaramiOf {
    static constexpr int bars = 2;
    static constexpr std::array<Use, 2> uses{{{BodyLong, 1}, {Second, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar &a = c.bar(1), &x = c.bar(0);
        if (!(a.body() > c.avg(0) && x.body() <= c.avg(1))) return 0;
        if (x.top() < a.top() && x.bottom() > a.bottom()) return -a.color() * 100;
        if (x.top() <= a.top() && x.bottom() >= a.bottom()) return -a.color() * 80;
        return 0;
    }
};

// CDLHIGHWAVE: a short body with very long shadows on both sides.
struct HighWave {
    static constexpr int bars = 1;
    static constexpr std::array<Use, 2> uses{{{BodyShort, 0}, {ShadowVeryLong, 0}}};
    template <class C>
    int eval(const C& c) const {
        const Bar& x = c.bar(0);
        return x.body() < c.avg(0) && x.upper() > c.avg(1) && x.lower() > c.avg(1) ? x.color() * 100 : 0;
    }
};

// The memory of the hikkakes: the last pattern's bar (TA-Lib's patternIdx, 0 = none), its
// value, and the high and low of the candle before it, which a confirmation must cross
// within 3 bars (+-200); a new pattern overrides a confirmation at the same bar.
struct HikkakeMemory {
    std::int64_t at = 0;
    int result = 0;
    double ref_high = 0, ref_low = 0;
    template <class C>
    int next(const C& c, bool found, int value) {
        if (found) {
            result = value;
            at = c.index();
            ref_high = c.bar(1).high;
            ref_low = c.bar(1).low;
            return result;
        }
        const double close = c.bar(0).close;
        if (c.index() <= at + 3 && ((result > 0 && close > ref_high) || (result < 0 && close < ref_low))) {
            at = 0;
            return result + (result > 0 ? 100 : -100);
        }
        return 0;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(at, result, ref_high, ref_low); }
    template <class K>
    void check(const K& k) const {
        k.that(at >= 0, "hikkake.at", at, "must not be negative");
        k.that(result == 0 || result == 100 || result == -100, "hikkake.result", result, "must be -100, 0 or 100");
    }
};

// CDLHIKKAKE: an inside bar, then a bar breaking out of it with both high and low
// (+-100), confirmed by a close beyond the inside bar within 3 bars (+-200).
struct Hikkake {
    static constexpr int bars = 3, pre = 3;
    static constexpr std::array<Use, 0> uses{};
    static int lookback(int) { return 5; }  // TA-Lib's
    HikkakeMemory m;
    template <class C>
    int eval(const C& c) {
        const Bar &a = c.bar(2), &b = c.bar(1), &x = c.bar(0);
        const bool found = b.high < a.high && b.low > a.low &&
                           ((x.high < b.high && x.low < b.low) || (x.high > b.high && x.low > b.low));
        return m.next(c, found, x.high < b.high ? 100 : -100);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

// CDLHIKKAKEMOD: two inside bars in a row, the second closing near its low (high), then a
// bar breaking out downward (upward) with both high and low; confirmed as CDLHIKKAKE.
struct HikkakeMod {
    static constexpr int bars = 4, pre = 3;
    static constexpr std::array<Use, 1> uses{{{Near, 2}}};
    static int lookback(int near_avg) { return std::max(1, near_avg) + 5; }  // TA-Lib's
    HikkakeMemory m;
    template <class C>
    int eval(const C& c) {
        const Bar &a = c.bar(3), &b = c.bar(2), &d = c.bar(1), &x = c.bar(0);
        const bool found = b.high < a.high && b.low > a.low && d.high < b.high && d.low > b.low &&
                           ((x.high < d.high && x.low < d.low && b.close <= b.low + c.avg(0)) ||
                            (x.high > d.high && x.low > d.low && b.close >= b.high - c.avg(0)));
        return m.next(c, found, x.high < d.high ? 100 : -100);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(m); }
};

}  // namespace

void register_pattern_a_h(std::vector<Info>& r) {
    r.push_back(make_pattern<TwoCrows>("CDL2CROWS", "Two Crows"));
    r.push_back(make_pattern<ThreeBlackCrows>("CDL3BLACKCROWS", "Three Black Crows"));
    r.push_back(make_pattern<ThreeInside>("CDL3INSIDE", "Three Inside Up/Down"));
    r.push_back(make_pattern<ThreeLineStrike>("CDL3LINESTRIKE", "Three-Line Strike"));
    r.push_back(make_pattern<ThreeOutside>("CDL3OUTSIDE", "Three Outside Up/Down"));
    r.push_back(make_pattern<ThreeStarsInSouth>("CDL3STARSINSOUTH", "Three Stars In The South"));
    r.push_back(make_pattern<ThreeWhiteSoldiers>("CDL3WHITESOLDIERS", "Three Advancing White Soldiers"));
    r.push_back(make_pattern<AbandonedBaby>("CDLABANDONEDBABY", "Abandoned Baby", {penetration(0.3)}));
    r.push_back(make_pattern<AdvanceBlock>("CDLADVANCEBLOCK", "Advance Block"));
    r.push_back(make_pattern<BeltHold>("CDLBELTHOLD", "Belt-hold"));
    r.push_back(make_pattern<Breakaway>("CDLBREAKAWAY", "Breakaway"));
    r.push_back(make_pattern<ClosingMarubozu>("CDLCLOSINGMARUBOZU", "Closing Marubozu"));
    r.push_back(make_pattern<ConcealBabySwallow>("CDLCONCEALBABYSWALL", "Concealing Baby Swallow"));
    r.push_back(make_pattern<Counterattack>("CDLCOUNTERATTACK", "Counterattack"));
    r.push_back(make_pattern<DarkCloudCover>("CDLDARKCLOUDCOVER", "Dark Cloud Cover", {penetration(0.5)}));
    r.push_back(make_pattern<Doji>("CDLDOJI", "Doji"));
    r.push_back(make_pattern<DojiStar>("CDLDOJISTAR", "Doji Star"));
    r.push_back(make_pattern<DragonflyDoji>("CDLDRAGONFLYDOJI", "Dragonfly Doji"));
    r.push_back(make_pattern<Engulfing>("CDLENGULFING", "Engulfing Pattern"));
    r.push_back(make_pattern<EveningDojiStar>("CDLEVENINGDOJISTAR", "Evening Doji Star", {penetration(0.3)}));
    r.push_back(make_pattern<EveningStar>("CDLEVENINGSTAR", "Evening Star", {penetration(0.3)}));
    r.push_back(make_pattern<GapSideSideWhite>("CDLGAPSIDESIDEWHITE", "Up/Down-gap side-by-side white lines"));
    r.push_back(make_pattern<GravestoneDoji>("CDLGRAVESTONEDOJI", "Gravestone Doji"));
    r.push_back(make_pattern<Hammer>("CDLHAMMER", "Hammer"));
    r.push_back(make_pattern<HangingMan>("CDLHANGINGMAN", "Hanging Man"));
    r.push_back(make_pattern<HaramiOf<BodyShort>>("CDLHARAMI", "Harami Pattern"));
    r.push_back(make_pattern<HaramiOf<BodyDoji>>("CDLHARAMICROSS", "Harami Cross Pattern"));
    r.push_back(make_pattern<HighWave>("CDLHIGHWAVE", "High-Wave Candle"));
    r.push_back(make_pattern<Hikkake>("CDLHIKKAKE", "Hikkake Pattern"));
    r.push_back(make_pattern<HikkakeMod>("CDLHIKKAKEMOD", "Modified Hikkake Pattern"));
}

}  // namespace threadx::ta
