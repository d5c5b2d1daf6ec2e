// Volume (OBV, AD, ADOSC), statistics (LINEARREG family, TSF, BETA, CORREL), math
// operators (SUM, MAXINDEX, MININDEX), price transforms and the stochastics (STOCH,
// STOCHF, STOCHRSI).
//
// The arithmetic follows the TA-Lib build the parity tests run against (the C library
// that reports 0.8.1), including its explicit fused multiply-adds (the LINEARREG and
// TSF outputs, the ADOSC EMAs) and its re-anchored running sums (the LINEARREG family,
// BETA and CORREL rebuild their sums from the window every 32 periods and when a large
// value leaves it), so values agree with it to the last bit or within a few ulps.
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "threadx/ta/dense.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/wilder.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

// ---------------------------------------------------------------- price transforms

struct AvgPrice : Pointwise<AvgPrice> {
    static constexpr int n_inputs = 4, n_outputs = 1;  // open, high, low, close
    explicit AvgPrice(const double*) {}
    void update(const double* x, double* y) { y[0] = (x[1] + x[2] + x[3] + x[0]) / 4; }
};

struct MedPrice : Pointwise<MedPrice> {
    static constexpr int n_inputs = 2, n_outputs = 1;  // high, low
    explicit MedPrice(const double*) {}
    void update(const double* x, double* y) { y[0] = (x[0] + x[1]) / 2.0; }
};

struct TypPrice : Pointwise<TypPrice> {
    static constexpr int n_inputs = 3, n_outputs = 1;  // high, low, close
    explicit TypPrice(const double*) {}
    void update(const double* x, double* y) { y[0] = (x[0] + x[1] + x[2]) / 3.0; }
};

struct WclPrice : Pointwise<WclPrice> {
    static constexpr int n_inputs = 3, n_outputs = 1;  // high, low, close
    explicit WclPrice(const double*) {}
    // TA-Lib fuses close*2 into the sum; the doubling is exact, so the plain form is equal.
    void update(const double* x, double* y) { y[0] = (x[0] + x[1] + x[2] * 2.0) / 4.0; }
};

// ---------------------------------------------------------------- volume

// On Balance Volume: starts at the first bar's volume; a NaN close or volume poisons it.
// 1, -1 or 0 as a > b, a < b or neither, without a branch (compilers turn the plain
// comparisons back into jumps, which mispredict on prices).
inline double up_down(double a, double b) noexcept {
#if defined(__SSE2__)
    const __m128d x = _mm_set_sd(a), y = _mm_set_sd(b), one = _mm_set_sd(1.0);
    const __m128d up = _mm_and_pd(_mm_cmpgt_sd(x, y), one), down = _mm_and_pd(_mm_cmplt_sd(x, y), one);
    return _mm_cvtsd_f64(_mm_sub_sd(up, down));
#else
    return static_cast<double>(a > b) - static_cast<double>(a < b);
#endif
}

struct Obv {
    static constexpr int n_inputs = 2, n_outputs = 1;  // real, volume
    bool started = false;
    double prev = 0, obv = 0;
    explicit Obv(const double*) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double r = x[0], v = x[1];
        if (!started) {
            started = true;
            obv = v;
            prev = r;
        }
        // Branch-free (up/down is a coin flip on real data): obv + {1, -1, 0} * volume is
        // exactly obv + volume, obv - volume or obv for a finite volume.
        double next = obv + up_down(r, prev) * v;
        if (r != r || v != v) next = kNaN;
        obv = next;
        prev = r;
        y[0] = next;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(started, prev, obv); }
};

// The Chaikin accumulation step shared by AD and ADOSC (a zero range adds nothing; a
// NaN input poisons the line, which TA-Lib's range test would skip).
inline void ad_step(double& ad, const double* x) noexcept {
    const double high = x[0], low = x[1], close = x[2];
    const double range = high - low;
    if (range > 0.0) ad += (((close - low) - (high - close)) / range) * x[3];
    else if (range != range || close != close || x[3] != x[3]) ad = kNaN;
}

struct Ad {
    static constexpr int n_inputs = 4, n_outputs = 1;  // high, low, close, volume
    double ad = 0;
    explicit Ad(const double*) {}
    void update(const double* x, double* y) {
        ad_step(ad, x);
        y[0] = ad;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ad); }
};

// Chaikin A/D Oscillator: EMA(fast) - EMA(slow) of the A/D line, both seeded with the
// first A/D value; k = 2/(period+1) and TA-Lib's fused update fma(1-k, ema, k*ad).
struct Adosc {
    static constexpr int n_inputs = 4, n_outputs = 1;
    double fk, fk1, sk, sk1;
    std::int64_t lookback, count = 0;
    double ad = 0, fast = 0, slow = 0;
    static void constants(int p, double& k, double& k1) {
        k = 2.0 / (static_cast<double>(p) + 1.0);
        k1 = 1.0 - k;
    }
    explicit Adosc(const double* p) {
        const int fp = as_period(p[0]), sp = as_period(p[1]);
        constants(fp, fk, fk1);
        constants(sp, sk, sk1);
        lookback = (fp < sp ? sp : fp) - 1 + unstable_period(Unstable::EMA);
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        ad_step(ad, x);
        if (count++ == 0) {
            fast = slow = ad;
        } else {
            fast = fused(fk1, fast, fk * ad);
            slow = fused(sk1, slow, sk * ad);
        }
        y[0] = count > lookback ? fast - slow : kNaN;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<Adosc>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, ad, fast, slow); }
};

// ---------------------------------------------------------------- linear regression

// The least-squares line over the last `period` values, x = period-1 (oldest) .. 0
// (newest) as TA-Lib counts it.  TA-Lib slides SumY and SumXY in O(1) per bar and
// rebuilds them from the window every 32*period bars and on the bar a value that
// outweighs 100x the window's absolute sum leaves; the rebuild walks the window the
// way the priming scan does, so a rebuilt bar equals a fresh start there.
struct LinRegCore {
    int period;
    double pd, sum_x, divisor;
    std::int64_t count = 0, since_reseed = 0;
    double sum_y = 0, sum_xy = 0, sum_abs = 0;
    Ring window;

    explicit LinRegCore(int p) : period(p), pd(p), window(p) {
        sum_x = static_cast<double>(p) * (p - 1) * 0.5;
        const double sum_x_sqr = static_cast<double>(p) * (p - 1) * (2 * p - 1) / 6.0;
        divisor = sum_x * sum_x - pd * sum_x_sqr;
    }

    void rebuild() {
        since_reseed = 32 * static_cast<std::int64_t>(period);
        sum_y = sum_xy = sum_abs = 0;
        double w = static_cast<double>(period - 1);
        const std::size_t n = window.v.size(), h = static_cast<std::size_t>(window.head);
        for (std::size_t k = h; k < n; ++k, w -= 1.0) {
            const double v = window.v[k];
            sum_y += v;
            sum_xy += w * v;
            sum_abs += std::fabs(v);
        }
        for (std::size_t k = 0; k < h; ++k, w -= 1.0) {
            const double v = window.v[k];
            sum_y += v;
            sum_xy += w * v;
            sum_abs += std::fabs(v);
        }
    }

    // Adds v; true (with the slope m and the window sum sy) once a full window is in.
    // The sums are read before the ring's store, so they can stay in registers.
    THREADX_TA_INLINE bool step(double v, double& m, double& sy) {
        const std::int64_t t = count;
        double sxy = sum_xy, sa = sum_abs;
        sy = sum_y;
        std::int64_t left = since_reseed;
        const double trailing = window.push(v);
        count = t + 1;
        if (t < period - 1) return false;
        bool reseed = t == period - 1;
        if (!reseed) {
            const double weighted = pd * trailing;
            sxy = sxy + sy - weighted;
            sy = sy - trailing + v;
            sa = sa - std::fabs(trailing) + std::fabs(v);
            reseed = --left <= 0 || std::fabs(weighted) > 100.0 * sa;
        }
        if (reseed) {
            rebuild();
            sy = sum_y;
            sxy = sum_xy;
        } else {
            sum_y = sy;
            sum_xy = sxy;
            sum_abs = sa;
            since_reseed = left;
        }
        m = (pd * sxy - sum_x * sy) / divisor;
        return true;
    }
    double intercept(double m, double sy) const { return (sy - m * sum_x) / pd; }

    template <class Ar>
    void fields(Ar& ar) { ar(count, since_reseed, sum_y, sum_xy, sum_abs, window); }
};

enum class LinOut { Value, Slope, Angle, Intercept, Forecast };

// The output of the line (m: slope, sy: window sum).
template <LinOut K>
THREADX_TA_INLINE double linreg_out(const LinRegCore& c, double m, double sy) {
    if constexpr (K == LinOut::Value) return fused(m, static_cast<double>(c.period - 1), c.intercept(m, sy));
    else if constexpr (K == LinOut::Slope) return m;
    else if constexpr (K == LinOut::Angle) return std::atan(m) * (180.0 / 3.14159265358979323846);
    else if constexpr (K == LinOut::Intercept) return c.intercept(m, sy);
    else return fused(m, c.pd, c.intercept(m, sy));
}

template <LinOut K>
struct LinReg {
    static constexpr int n_inputs = 1, n_outputs = 1;
    LinRegCore c;
    explicit LinReg(const double* p) : c(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        double m, sy;
        y[0] = c.step(x[0], m, sy) ? linreg_out<K>(c, m, sy) : kNaN;
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        fma_batch<LinReg>(p, in, start, n, out, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(c); }
};

// ---------------------------------------------------------------- BETA

// The rebuild of BETA's and CORREL's shifted sums: the window's means (`mean` of each
// total; each indicator rounds its own way), then the sums of the values measured from
// them.  The rings of p values are read oldest first, from slot `from`.  (`mean` must
// not capture the state: its address would escape, and the running sums of update()
// would then go through memory on every bar.)
struct ShiftedSums {
    double shift_x = 0, shift_y = 0, x = 0, y = 0, xx = 0, yy = 0, xy = 0;
};
template <class Mean>
THREADX_TA_INLINE ShiftedSums shifted_sums(const double* bx, const double* by, std::int64_t p, std::int64_t from, Mean mean) {
    ShiftedSums r;
    double tx = 0.0, ty = 0.0;
    for (std::int64_t k = 0, j = from; k < p; ++k, j = j + 1 == p ? 0 : j + 1) {
        tx += bx[j];
        ty += by[j];
    }
    r.shift_x = mean(tx);
    r.shift_y = mean(ty);
    for (std::int64_t k = 0, j = from; k < p; ++k, j = j + 1 == p ? 0 : j + 1) {
        const double x = bx[j] - r.shift_x, y = by[j] - r.shift_y;
        r.x += x;
        r.y += y;
        r.xx += x * x;
        r.yy += y * y;
        r.xy += x * y;
    }
    return r;
}

// Beta of the returns of real1 against those of real0 over `period` returns (lookback
// = period).  TA-Lib measures the returns against a shift (the first return, later the
// window mean) and rebuilds the sums when the denominator has cancelled below 1e-6 of
// its scale, when a leaving squared term outweighs 1000x the remaining sum, or every
// 32*period bars.  A zero base price gives a zero return.  (The running values are
// locals of update(), read before the ring's stores, so they stay in registers.)
struct Beta {
    static constexpr int n_inputs = 2, n_outputs = 1;  // real0 (x), real1 (y)
    std::int64_t period;
    double n;
    std::int64_t count = 0, since_reseed = 0, head = 0;
    double last_x = 0, last_y = 0, shift_x = 0, shift_y = 0;
    double s_xx = 0, s_yy = 0, s_xy = 0, s_x = 0, s_y = 0, leaving_xx = 0, leaving_yy = 0;
    std::vector<double> rx, ry;  // the raw returns of the window (ring, oldest at head)

    explicit Beta(const double* p)
        : period(as_period(p[0])), n(static_cast<double>(period)),
          rx(static_cast<std::size_t>(period), 0.0), ry(static_cast<std::size_t>(period), 0.0) {}

    THREADX_TA_INLINE void update(const double* in, double* out) {
        const std::int64_t t = count, p = period;
        const double px = in[0], py = in[1];
        count = t + 1;
        if (t == 0) {
            last_x = px;
            last_y = py;
            out[0] = kNaN;
            return;
        }
        double shx = shift_x, shy = shift_y;
        double xx = s_xx, yy = s_yy, xy = s_xy, sx = s_x, sy = s_y;
        const double lxx = leaving_xx, lyy = leaving_yy;
        std::int64_t left = since_reseed;
        const double lx = last_x, ly = last_y;
        const double rxv = lx != 0.0 ? (px - lx) / lx : 0.0;
        const double ryv = ly != 0.0 ? (py - ly) / ly : 0.0;
        last_x = px;
        last_y = py;
        if (t == 1) {
            shx = rxv;
            shy = ryv;
        }
        double* bx = rx.data();
        double* by = ry.data();
        const std::int64_t h = head, hn = h + 1 == p ? 0 : h + 1;
        bx[h] = rxv;
        by[h] = ryv;
        head = hn;
        {
            const double x = rxv - shx, y = ryv - shy;
            xx += x * x;
            yy += y * y;
            xy += x * y;
            sx += x;
            sy += y;
        }
        double value = kNaN;
        if (t >= p) {
            double denom_scale = n * xx;
            double denom = denom_scale - (sx * sx);
            if (t == p) left = 32 * p;
            if (--left <= 0 || denom < 0.000001 * denom_scale || lxx > 1000.0 * xx || lyy > 1000.0 * yy) {
                left = 32 * p;
                const ShiftedSums r = shifted_sums(bx, by, p, hn, [n = n](double t) { return t / n; });
                shx = r.shift_x;
                shy = r.shift_y;
                sx = r.x;
                sy = r.y;
                xx = r.xx;
                yy = r.yy;
                xy = r.xy;
                denom_scale = n * xx;
                denom = denom_scale - (sx * sx);
                if (denom < 0.0) denom = 0.0;
            }
            // the oldest return of the window leaves after this bar's output
            const double x = bx[hn] - shx, y = by[hn] - shy;
            if (denom > 0.00000000000001 * denom_scale) value = ((n * xy) - (sx * sy)) / denom;
            else value = denom != denom ? kNaN : 0.0;  // a NaN return gives NaN, not "flat"
            leaving_xx = x * x;
            leaving_yy = y * y;
            xx -= x * x;
            yy -= y * y;
            xy -= x * y;
            sx -= x;
            sy -= y;
        }
        shift_x = shx;
        shift_y = shy;
        s_xx = xx;
        s_yy = yy;
        s_xy = xy;
        s_x = sx;
        s_y = sy;
        since_reseed = left;
        out[0] = value;
    }
    template <class Ar>
    void fields(Ar& ar) {
        ar(count, since_reseed, head, last_x, last_y, shift_x, shift_y, s_xx, s_yy, s_xy, s_x, s_y,
           leaving_xx, leaving_yy, rx, ry);
    }
};

// ---------------------------------------------------------------- CORREL

// Pearson's r over `period` bars with TA-Lib's shifted sums (shift = the first value,
// later the window mean) and its rebuild triggers (a sum of squares cancelled below
// 1e-6 of its raw sum, a leaving squared term above 1e6x the sum, every 32*period bars).
struct Correl {
    static constexpr int n_inputs = 2, n_outputs = 1;
    std::int64_t period;
    double inv;
    std::int64_t count = 0, since_reseed = 0, head = 0;
    double shift_x = 0, shift_y = 0;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, leaving_x = 0, leaving_y = 0;
    std::vector<double> wx, wy;  // the window (ring, oldest at head once full)

    explicit Correl(const double* p)
        : period(as_period(p[0])), inv(1.0 / static_cast<double>(period)),
          wx(static_cast<std::size_t>(period), 0.0), wy(static_cast<std::size_t>(period), 0.0) {}

    THREADX_TA_INLINE void update(const double* in, double* out) {
        const std::int64_t t = count, p = period;
        const double xv = in[0], yv = in[1];
        double shx = shift_x, shy = shift_y;
        double ax = sx, ay = sy, axx = sxx, ayy = syy, axy = sxy;
        const double lx = leaving_x, ly = leaving_y;
        std::int64_t left = since_reseed;
        if (t == 0) {
            shx = xv;
            shy = yv;
            left = 32 * p;
        }
        double* bx = wx.data();
        double* by = wy.data();
        const std::int64_t h = head, hn = h + 1 == p ? 0 : h + 1;
        bx[h] = xv;
        by[h] = yv;
        head = hn;
        count = t + 1;
        {
            const double x = xv - shx, y = yv - shy;
            ax += x;
            axx += x * x;
            axy += x * y;
            ay += y;
            ayy += y * y;
        }
        double value = kNaN;
        if (t >= p - 1) {
            double ss_x = axx - ((ax * ax) * inv);
            double ss_y = ayy - ((ay * ay) * inv);
            double sp = axy - ((ax * ay) * inv);
            if (--left <= 0 || ss_x < 0.000001 * axx || ss_y < 0.000001 * ayy || lx > 1000000.0 * axx ||
                ly > 1000000.0 * ayy) {
                left = 32 * p;
                const ShiftedSums r = shifted_sums(bx, by, p, hn, [inv = inv](double t) { return t * inv; });
                shx = r.shift_x;
                shy = r.shift_y;
                ax = r.x;
                ay = r.y;
                axx = r.xx;
                ayy = r.yy;
                axy = r.xy;
                ss_x = axx - ((ax * ax) * inv);
                ss_y = ayy - ((ay * ay) * inv);
                sp = axy - ((ax * ay) * inv);
                if (ss_x < 0.0) ss_x = 0.0;
                if (ss_y < 0.0) ss_y = 0.0;
            }
            const double tx = bx[hn] - shx, ty = by[hn] - shy;  // leaves after this bar
            if (ss_x > 0.00000000000001 * axx && ss_y > 0.00000000000001 * ayy) {
                double r = sp / std::sqrt(ss_x * ss_y);
                if (r > 1.0) r = 1.0;
                else if (r < -1.0) r = -1.0;
                value = r;
            } else {
                value = ss_x != ss_x || ss_y != ss_y ? kNaN : 0.0;  // a NaN gives NaN, not "flat"
            }
            const double qx = tx * tx, qy = ty * ty;
            leaving_x = qx;
            leaving_y = qy;
            ax -= tx;
            axx -= qx;
            axy -= tx * ty;
            ay -= ty;
            ayy -= qy;
        }
        shift_x = shx;
        shift_y = shy;
        sx = ax;
        sy = ay;
        sxx = axx;
        syy = ayy;
        sxy = axy;
        since_reseed = left;
        out[0] = value;
    }
    template <class Ar>
    void fields(Ar& ar) {
        ar(count, since_reseed, head, shift_x, shift_y, sx, sy, sxx, syy, sxy, leaving_x, leaving_y, wx, wy);
    }
};

// ---------------------------------------------------------------- SUM

// TA-Lib's running total: add the new value, output, drop the oldest.  The drop is done
// on the next bar, just before its add: the same sequence of operations on the total.
// (Locals, so the ring's store cannot force the total through memory every bar.)
struct Sum {
    static constexpr int n_inputs = 1, n_outputs = 1;
    std::int64_t period, count = 0, head = 0;
    double total = 0;
    std::vector<double> buf;
    explicit Sum(const double* p) : period(as_period(p[0])), buf(static_cast<std::size_t>(period), 0.0) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = x[0];
        double* b = buf.data();
        const std::int64_t h = head, c = count;
        double t = total;
        const double old = b[h];  // the value `period` bars ago
        if (c >= period) t -= old;
        t += v;
        b[h] = v;
        head = h + 1 == period ? 0 : h + 1;
        total = t;
        count = c + 1;
        y[0] = c + 1 < period ? kNaN : t;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(count, head, total, buf); }
};

// ---------------------------------------------------------------- MAXINDEX / MININDEX

template <bool IsMax>
THREADX_TA_INLINE bool beyond(double a, double b) noexcept { return IsMax ? a > b : a < b; }

// TA-Lib's rescan once the tracked extreme has left the window: oldest first with a
// strict comparison (the earliest of ties).  Values w(0..count) oldest first; returns
// the offset of the extreme and its value.
struct Found {
    std::int64_t off;
    double value;
};
template <bool IsMax, class W>
THREADX_TA_INLINE Found strict_scan(const W& w, std::int64_t count) {
    std::int64_t off = 0;
    double e = w(0);
    for (std::int64_t k = 1; k < count; ++k) {
        const double v = w(k);
        if (beyond<IsMax>(v, e)) {
            off = k;
            e = v;
        }
    }
    return {off, e};
}
// Long windows: the extreme value with four independent chains, then its first
// occurrence; the same answer as the strict scan (which a NaN falls back to).
template <bool IsMax, class W>
THREADX_TA_INLINE Found long_scan(const W& w, std::int64_t count) {
    double m0 = w(0), m1 = m0, m2 = m0, m3 = m0;
    std::int64_t k = 1;
    for (; k + 4 <= count; k += 4) {
        const double a = w(k), b = w(k + 1), c = w(k + 2), d = w(k + 3);
        m0 = beyond<IsMax>(a, m0) ? a : m0;
        m1 = beyond<IsMax>(b, m1) ? b : m1;
        m2 = beyond<IsMax>(c, m2) ? c : m2;
        m3 = beyond<IsMax>(d, m3) ? d : m3;
    }
    for (; k < count; ++k) {
        const double a = w(k);
        m0 = beyond<IsMax>(a, m0) ? a : m0;
    }
    m0 = beyond<IsMax>(m1, m0) ? m1 : m0;
    m2 = beyond<IsMax>(m3, m2) ? m3 : m2;
    m0 = beyond<IsMax>(m2, m0) ? m2 : m0;
    for (k = 0; k < count; ++k)
        if (w(k) == m0) return {k, w(k)};
    return strict_scan<IsMax>(w, count);
}
template <bool IsMax, bool Long, class W>
THREADX_TA_INLINE Found rescan(const W& w, std::int64_t count) {
    if constexpr (Long) return long_scan<IsMax>(w, count);
    else return strict_scan<IsMax>(w, count);
}

// One bar of TA-Lib's tracking of the window extreme: the window w(0 .. p-1) (oldest
// first, from bar `trailing`) is rescanned when the tracked extreme (bar idx, value ext)
// has left it; otherwise v (bar `now`) takes over when it is equal or beyond (the latest
// of ties), as selects (conditional moves: the comparison is a coin flip on prices).
template <bool IsMax, bool Long, class W>
THREADX_TA_INLINE void track(const W& w, std::int64_t p, std::int64_t trailing, std::int64_t now, double v,
                             std::int64_t& idx, double& ext) {
    if (idx < trailing) {
        const Found f = rescan<IsMax, Long>(w, p);
        idx = trailing + f.off;
        ext = f.value;
    } else {
        const bool take = IsMax ? v >= ext : v <= ext;
        ext = take ? v : ext;
        idx = take ? now : idx;
    }
}

// MAXINDEX / MININDEX with TA-Lib's tracking of the window extreme: while the extreme is
// in the window, a new value equal or beyond it takes over (the latest of ties); once it
// has left, the window is rescanned (the earliest of ties).  The index counts bars from
// the start of the series, as TA-Lib's wrapper does (the driver reports the leading bars
// it skipped through skipped()).  A NaN in the window gives NaN.
template <bool IsMax>
struct ExtremeIndex {
    static constexpr int n_inputs = 1, n_outputs = 1;
    std::int64_t period;
    std::int64_t slot = 0;  // next write position of the ring (= its oldest value once full)
    std::int64_t t = -1;    // bar of the last value
    std::int64_t last_nan = -(std::int64_t(1) << 62);
    std::int64_t idx = -1;  // bar of the tracked extreme
    std::int64_t origin = 0;
    double ext = 0;
    std::vector<double> buf;
    explicit ExtremeIndex(const double* p)
        : period(as_period(p[0])), buf(static_cast<std::size_t>(period), 0.0) {}
    // Bars of the series before the first one passed to update() (kernel.hpp's hook).
    void skipped(std::int64_t bars) noexcept { origin = bars; }

    THREADX_TA_INLINE void update(const double* x, double* y) {
        const double v = x[0];
        const std::int64_t p = period;
        double* b = buf.data();
        std::int64_t s = slot;
        b[s] = v;
        if (++s == p) s = 0;
        slot = s;
        const std::int64_t now = ++t;
        if (v != v) last_nan = now;
        if (now < p - 1) {
            y[0] = kNaN;
            return;
        }
        const std::int64_t trailing = now - p + 1;
        const auto w = [b, s, p](std::int64_t k) {
            const std::int64_t j = s + k;
            return b[j < p ? j : j - p];
        };
        track<IsMax, false>(w, p, trailing, now, v, idx, ext);
        y[0] = now - last_nan < p ? kNaN : static_cast<double>(idx + origin);
    }

    // The same scan straight over the input column (no ring), indices being rows; long
    // windows find the extreme with the two-pass scan (same answer).
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        if (as_period(p[0]) >= 24) batch_rows<true>(p, in, start, n, out, check);
        else batch_rows<false>(p, in, start, n, out, check);
    }
    template <bool Long>
    static void batch_rows(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                           const Column* out, const CancelCheck& check) {
        const std::int64_t period = as_period(p[0]);
        const Dense dx(in[0], n);
        const double* x = dx.p;
        const Column y = out[0];
        std::int64_t idx = -1, last_nan = -(std::int64_t(1) << 62);
        double ext = 0;
        std::int64_t i = start;
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            for (; i < stop; ++i) {
                const double v = x[i];
                if (v != v) last_nan = i;
                if (i - start < period - 1) {
                    y[i] = kNaN;
                    continue;
                }
                const std::int64_t trailing = i - period + 1;
                const auto w = [x, trailing](std::int64_t k) { return x[trailing + k]; };
                track<IsMax, Long>(w, period, trailing, i, v, idx, ext);
                y[i] = i - last_nan < period ? kNaN : static_cast<double>(idx);  // from the series start, as TA-Lib
            }
            if (i < n) check();
        }
    }
    template <class Ar>
    void fields(Ar& ar) { ar(slot, t, last_nan, idx, origin, ext, buf); }
};

// ---------------------------------------------------------------- stochastics

// Window maximum and/or minimum for the stochastics, which need the extreme values only
// (TA-Lib's index scan always lands on the window's true extreme, so the values agree).
// Blocks of `period` bars: the window is the tail of the previous block (suffix extremes,
// computed once per block) plus the head of the current one (running prefix extreme),
// O(1) per bar whatever the data.  A NaN in the window is reported by has_nan().
template <bool WantMax, bool WantMin>
struct BlockWindow {
    std::int64_t period;
    std::int64_t pos = 0;  // slot of the next value (bar % period)
    std::int64_t t = -1;   // bar of the last value
    std::int64_t last_nan = -(std::int64_t(1) << 62);
    double pre_max = 0, pre_min = 0;
    std::vector<double> buf, suf_max, suf_min;
    explicit BlockWindow(std::int64_t p)
        : period(p), buf(static_cast<std::size_t>(p), 0.0),
          suf_max(WantMax ? static_cast<std::size_t>(p) : 0, 0.0),
          suf_min(WantMin ? static_cast<std::size_t>(p) : 0, 0.0) {}

    THREADX_TA_INLINE void push(double v) noexcept {
        const std::int64_t now = t + 1, pos0 = pos;
        double hi = pre_max, lo = pre_min;  // read before the buffer's store
        t = now;
        if (v != v) last_nan = now;
        if (pos0 == 0) {
            if (now >= period && period > 1) suffixes();
            hi = lo = v;
        } else {
            if constexpr (WantMax) hi = v > hi ? v : hi;
            if constexpr (WantMin) lo = v < lo ? v : lo;
        }
        buf[static_cast<std::size_t>(pos0)] = v;
        pos = pos0 + 1 == period ? 0 : pos0 + 1;
        pre_max = hi;
        pre_min = lo;
    }
    bool full() const noexcept { return t >= period - 1; }
    bool has_nan() const noexcept { return t - last_nan < period; }
    // Extremes of the last `period` values (once full).
    double max() const noexcept {
        if (pos == 0) return pre_max;
        const double s = suf_max[static_cast<std::size_t>(pos)];
        return s > pre_max ? s : pre_max;
    }
    double min() const noexcept {
        if (pos == 0) return pre_min;
        const double s = suf_min[static_cast<std::size_t>(pos)];
        return s < pre_min ? s : pre_min;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(pos, t, last_nan, pre_max, pre_min, buf, suf_max, suf_min); }

private:
    void suffixes() noexcept {  // buf holds the block that just ended
        const std::size_t n = buf.size();
        if constexpr (WantMax) {
            double m = buf[n - 1];
            suf_max[n - 1] = m;
            for (std::size_t k = n - 1; k-- > 0;) {
                m = buf[k] > m ? buf[k] : m;
                suf_max[k] = m;
            }
        }
        if constexpr (WantMin) {
            double m = buf[n - 1];
            suf_min[n - 1] = m;
            for (std::size_t k = n - 1; k-- > 0;) {
                m = buf[k] < m ? buf[k] : m;
                suf_min[k] = m;
            }
        }
    }
};

// Fast %K from the window's highest high and lowest low; a range within 1e-14 of
// |highest| + |lowest| is flat and gives 0 (TA-Lib's scaled zero test).
inline double fast_k(double close, double highest, double lowest) noexcept {
    const double range = highest - lowest;
    if (!(std::fabs(range) <= 0.00000000000001 * (std::fabs(highest) + std::fabs(lowest))))
        return ((close - lowest) / range) * 100.0;
    return 0.0;
}

// An MA over a series that starts at some bar, reporting whether it has warmed up (its
// first non-NaN value; TA-Lib runs the MA over the series starting at that bar).  M is
// MaState for the registered (streaming) state, the concrete MA type in batch.
template <class M>
struct ChainedMa {
    M ma;
    bool ready = false;
    ChainedMa(int type, int period) : ma(make_ma<M>(type, period)) {}
    THREADX_TA_INLINE double step(double v) {
        const double r = ma.step(v);
        if (!ready && r == r) ready = true;
        return r;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(ma, ready); }
};

// Fast %K of one bar (NaN when the window or the close holds a NaN).
template <class WH, class WL>
THREADX_TA_INLINE double window_k(const WH& wh, const WL& wl, double close) noexcept {
    if (wh.has_nan() || wl.has_nan() || close != close) return kNaN;
    return fast_k(close, wh.max(), wl.min());
}

// %K -> (slow %K, slow %D) of STOCH, NaN until both MAs have warmed up.
template <class MK, class MD>
struct SlowSmoothing {
    ChainedMa<MK> slow_k;
    ChainedMa<MD> slow_d;
    explicit SlowSmoothing(const double* p)
        : slow_k(as_period(p[2]), as_period(p[1])), slow_d(as_period(p[4]), as_period(p[3])) {}
    THREADX_TA_INLINE void operator()(double k, double* y) {
        y[0] = y[1] = kNaN;
        const double sk = slow_k.step(k);
        if (!slow_k.ready) return;
        const double sd = slow_d.step(sk);
        if (!slow_d.ready) return;
        y[0] = sk;
        y[1] = sd;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(slow_k, slow_d); }
};

// %K -> (%K, fast %D) of STOCHF and STOCHRSI, NaN until the MA has warmed up.
template <class M>
struct FastSmoothing {
    ChainedMa<M> fast_d;
    FastSmoothing(int type, int period) : fast_d(type, period) {}
    THREADX_TA_INLINE void operator()(double k, double* y) {
        y[0] = y[1] = kNaN;
        const double d = fast_d.step(k);
        if (!fast_d.ready) return;
        y[0] = k;
        y[1] = d;
    }
    template <class Ar>
    void fields(Ar& ar) { ar(fast_d); }
};

// STOCH (Smooth = SlowSmoothing) and STOCHF (FastSmoothing) over high, low, close: %K of
// the window's highest high and lowest low, then the smoothing.
template <class Smooth>
struct StochOf {
    static constexpr int n_inputs = 3, n_outputs = 2;  // high, low, close -> (slow|fast) k, d
    BlockWindow<true, false> wh;
    BlockWindow<false, true> wl;
    Smooth smooth;
    explicit StochOf(const double* p) : wh(as_period(p[0])), wl(as_period(p[0])), smooth(make(p)) {}
    static Smooth make(const double* p) {
        if constexpr (std::is_constructible_v<Smooth, const double*>) return Smooth(p);
        else return Smooth(as_period(p[2]), as_period(p[1]));
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        wh.push(x[0]);
        wl.push(x[1]);
        if (!wh.full()) {
            y[0] = y[1] = kNaN;
            return;
        }
        smooth(window_k(wh, wl, x[2]), y);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(wh, wl, smooth); }
};

// Batch: the window extremes by window_extreme (into the two outputs), then per row %K
// and the smoothing, FMA-built where the CPU has it (TA-Lib's fused EMA steps).
template <class Smooth>
struct StochRows {
    THREADX_TA_INLINE static void run(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                                      const Column* out, const CancelCheck& check) {
        Smooth smooth = StochOf<Smooth>::make(p);
        const Dense dc(in[2], n);
        const double* c = dc.p;
        const Column hi = out[0], lo = out[1];
        const std::int64_t w = as_period(p[0]);
        std::int64_t i = start + w - 1;
        double y[2];
        while (i < n) {
            const std::int64_t stop = n - i > kCheckEvery ? i + kCheckEvery : n;
            for (; i < stop; ++i) {
                const double h = hi[i], l = lo[i], close = c[i];
                smooth(h != h || l != l || close != close ? kNaN : fast_k(close, h, l), y);
                hi[i] = y[0];
                lo[i] = y[1];
            }
            if (i < n) check();
        }
    }
};
template <class Smooth>
void stoch_batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n, const Column* out,
                 const CancelCheck& check) {
    const std::int64_t w = as_period(p[0]);
    window_extreme<true>(in[0], start, n, w, out[0], check);
    window_extreme<false>(in[1], start, n, w, out[1], check);
    fma_run<StochRows<Smooth>>(p, in, start, n, out, check);
}

// The registered states run MaState; batch the concrete MA types (no variant dispatch
// per bar).
struct Stoch : StochOf<SlowSmoothing<MaState, MaState>> {
    using StochOf::StochOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_period(p[2]), as_period(p[1]), [&]<class MK>() {
            with_ma_type(as_period(p[4]), as_period(p[3]), [&]<class MD>() {
                stoch_batch<SlowSmoothing<MK, MD>>(p, in, start, n, out, check);
            });
        });
    }
};

struct StochF : StochOf<FastSmoothing<MaState>> {
    using StochOf::StochOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_period(p[2]), as_period(p[1]), [&]<class M>() {
            stoch_batch<FastSmoothing<M>>(p, in, start, n, out, check);
        });
    }
};

template <class M>
struct StochRsiOf {
    static constexpr int n_inputs = 1, n_outputs = 2;  // real -> fastk, fastd
    RsiSeries rsi;
    bool rsi_ready = false;
    BlockWindow<true, true> w;  // %K of the RSI series (its own high, low and close)
    FastSmoothing<M> smooth;
    explicit StochRsiOf(const double* p)
        : rsi(as_period(p[0])), w(as_period(p[1])), smooth(as_period(p[3]), as_period(p[2])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        y[0] = y[1] = kNaN;
        const double r = rsi.step(x[0]);
        if (!rsi_ready) {
            if (r != r) return;
            rsi_ready = true;
        }
        w.push(r);
        if (!w.full()) return;
        smooth(window_k(w, w, r), y);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(rsi, rsi_ready, w, smooth); }
};

struct StochRsi : StochRsiOf<MaState> {
    using StochRsiOf::StochRsiOf;
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        with_ma_type(as_period(p[3]), as_period(p[2]), [&]<class M>() {
            fma_batch<StochRsiOf<M>>(p, in, start, n, out, check);
        });
    }
};

}  // namespace

void register_misc(std::vector<Info>& r) {
    // price transforms
    r.push_back(make_info<AvgPrice>({"AVGPRICE", "Price Transform", "Average Price",
                                     {"open", "high", "low", "close"}, {}, {"real"}}));
    r.push_back(make_info<MedPrice>({"MEDPRICE", "Price Transform", "Median Price", {"high", "low"}, {}, {"real"}}));
    r.push_back(make_info<TypPrice>({"TYPPRICE", "Price Transform", "Typical Price",
                                     {"high", "low", "close"}, {}, {"real"}}));
    r.push_back(make_info<WclPrice>({"WCLPRICE", "Price Transform", "Weighted Close Price",
                                     {"high", "low", "close"}, {}, {"real"}}));
    // volume
    r.push_back(make_info<Obv>({"OBV", "Volume Indicators", "On Balance Volume", {"real", "volume"}, {}, {"real"}}));
    r.push_back(make_info<Ad>({"AD", "Volume Indicators", "Chaikin A/D Line",
                               {"high", "low", "close", "volume"}, {}, {"real"}}));
    r.push_back(make_info<Adosc>({"ADOSC", "Volume Indicators", "Chaikin A/D Oscillator",
                                  {"high", "low", "close", "volume"},
                                  {period("fastperiod", 3), period("slowperiod", 10)}, {"real"}}));
    // statistics
    r.push_back(make_info<LinReg<LinOut::Value>>({"LINEARREG", "Statistic Functions", "Linear Regression",
                                                  {"real"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<LinReg<LinOut::Slope>>({"LINEARREG_SLOPE", "Statistic Functions",
                                                  "Linear Regression Slope", {"real"},
                                                  {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<LinReg<LinOut::Angle>>({"LINEARREG_ANGLE", "Statistic Functions",
                                                  "Linear Regression Angle", {"real"},
                                                  {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<LinReg<LinOut::Intercept>>({"LINEARREG_INTERCEPT", "Statistic Functions",
                                                      "Linear Regression Intercept", {"real"},
                                                      {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<LinReg<LinOut::Forecast>>({"TSF", "Statistic Functions", "Time Series Forecast",
                                                     {"real"}, {period("timeperiod", 14)}, {"real"}}));
    r.push_back(make_info<Beta>({"BETA", "Statistic Functions", "Beta", {"real0", "real1"},
                                 {period("timeperiod", 5, 1)}, {"real"}}));
    r.push_back(make_info<Correl>({"CORREL", "Statistic Functions", "Pearson's Correlation Coefficient (r)",
                                   {"real0", "real1"}, {period("timeperiod", 30, 1)}, {"real"}}));
    // math operators
    r.push_back(make_info<Sum>({"SUM", "Math Operators", "Summation", {"real"}, {period("timeperiod", 30)}, {"real"}}));
    r.push_back(make_info<ExtremeIndex<true>>({"MAXINDEX", "Math Operators",
                                               "Index of highest value over a specified period", {"real"},
                                               {period("timeperiod", 30)}, {"integer"}}));
    r.push_back(make_info<ExtremeIndex<false>>({"MININDEX", "Math Operators",
                                                "Index of lowest value over a specified period", {"real"},
                                                {period("timeperiod", 30)}, {"integer"}}));
    // stochastics
    r.push_back(make_info<Stoch>({"STOCH", "Momentum Indicators", "Stochastic", {"high", "low", "close"},
                                  {period("fastk_period", 5, 1), period("slowk_period", 3, 1), matype("slowk_matype"),
                                   period("slowd_period", 3, 1), matype("slowd_matype")},
                                  {"slowk", "slowd"}}));
    r.push_back(make_info<StochF>({"STOCHF", "Momentum Indicators", "Stochastic Fast", {"high", "low", "close"},
                                   {period("fastk_period", 5, 1), period("fastd_period", 3, 1), matype("fastd_matype")},
                                   {"fastk", "fastd"}}));
    r.push_back(make_info<StochRsi>({"STOCHRSI", "Momentum Indicators", "Stochastic Relative Strength Index",
                                     {"real"},
                                     {period("timeperiod", 14), period("fastk_period", 5, 1),
                                      period("fastd_period", 3, 1), matype("fastd_matype")},
                                     {"fastk", "fastd"}}));
}

}  // namespace threadx::ta
