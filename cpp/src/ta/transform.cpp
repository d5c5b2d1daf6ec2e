// Math Transform (TA-Lib's group): ACOS ASIN ATAN CEIL COS COSH EXP FLOOR LN LOG10 SIN
// SINH SQRT TAN TANH; and the Math Operators TA-Lib 0.8 has beyond math.cpp's: ADD SUB
// MULT DIV MINMAX MINMAXINDEX CUMSUM.
//
// The transforms and the vector operators are one pointwise state each, templated on the
// function (TA-Lib calls the C library: ACOS(2) and LN(-1) are NaN, LN(0) is -inf, DIV
// by 0 is +-inf or NaN, as here).  MINMAX runs the block window of window.hpp over both
// extremes at once; MINMAXINDEX runs MAXINDEX's and MININDEX's trackers (extreme_index.hpp).
#include <cmath>
#include <cstdint>
#include <vector>

#include "threadx/ta/dense.hpp"
#include "threadx/ta/extreme_index.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

namespace {

// ---------------------------------------------------------------- pointwise

// out = F(x) for one input; out = F(x0, x1) for two.
template <double (*F)(double)>
struct Unary : Pointwise<Unary<F>> {
    static constexpr int n_inputs = 1, n_outputs = 1;
    explicit Unary(const double*) {}
    THREADX_TA_INLINE void update(const double* x, double* y) const { y[0] = F(x[0]); }
};

template <double (*F)(double, double)>
struct Binary : Pointwise<Binary<F>> {
    static constexpr int n_inputs = 2, n_outputs = 1;
    explicit Binary(const double*) {}
    THREADX_TA_INLINE void update(const double* x, double* y) const { y[0] = F(x[0], x[1]); }
};

// The C library's functions as plain functions (their addresses may be taken).
double acos_of(double v) { return std::acos(v); }
double asin_of(double v) { return std::asin(v); }
double atan_of(double v) { return std::atan(v); }
double ceil_of(double v) { return std::ceil(v); }
double cos_of(double v) { return std::cos(v); }
double cosh_of(double v) { return std::cosh(v); }
double exp_of(double v) { return std::exp(v); }
double floor_of(double v) { return std::floor(v); }
double ln_of(double v) { return std::log(v); }
double log10_of(double v) { return std::log10(v); }
double sin_of(double v) { return std::sin(v); }
double sinh_of(double v) { return std::sinh(v); }
double sqrt_of(double v) { return std::sqrt(v); }
double tan_of(double v) { return std::tan(v); }
double tanh_of(double v) { return std::tanh(v); }
double add_of(double a, double b) { return a + b; }
double sub_of(double a, double b) { return a - b; }
double mult_of(double a, double b) { return a * b; }
double div_of(double a, double b) { return a / b; }

// ---------------------------------------------------------------- CUMSUM

// The running total from the first bar (a NaN poisons it, as in TA-Lib).
struct Cumsum {
    static constexpr int n_inputs = 1, n_outputs = 1;
    double total = 0;
    explicit Cumsum(const double*) {}
    THREADX_TA_INLINE void update(const double* x, double* y) { y[0] = total += x[0]; }
    template <class Ar>
    void fields(Ar& ar) { ar(total); }
};

// ---------------------------------------------------------------- MINMAX

// Lowest and highest of the last `timeperiod` values (NaN while the window holds a NaN):
// the block window with both extremes of the one input.
struct MinMax {
    static constexpr int n_inputs = 1, n_outputs = 2;  // min, max
    using W = BlockExtremes<true, true>;
    W w;
    explicit MinMax(const double* p) : w(as_period(p[0])) {}
    THREADX_TA_INLINE void update(const double* x, double* y) {
        w.push(x[0]);
        if (!w.full() || w.has_nan()) {
            y[0] = y[1] = kNaN;
            return;
        }
        const W::Win e = w.window();
        y[0] = e.min();
        y[1] = e.max();
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        const Dense d(in[0], n);
        const Column lo = out[0], hi = out[1];
        W::run({d.p, d.p}, start, n, as_period(p[0]),
               [lo, hi](std::int64_t i, const W::Win& e) {
                   lo[i] = e.min();
                   hi[i] = e.max();
               },
               [lo, hi](std::int64_t i) { lo[i] = hi[i] = kNaN; }, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(w); }
};

// ---------------------------------------------------------------- MINMAXINDEX

// MININDEX and MAXINDEX at once: TA-Lib's MINMAXINDEX tracks each extreme exactly as
// those two do (the same ties, the same rescans).
struct MinMaxIndex {
    static constexpr int n_inputs = 1, n_outputs = 2;  // minidx, maxidx
    ExtremeIndex<false> lo;
    ExtremeIndex<true> hi;
    explicit MinMaxIndex(const double* p) : lo(p), hi(p) {}
    void skipped(std::int64_t bars) noexcept {
        lo.skipped(bars);
        hi.skipped(bars);
    }
    THREADX_TA_INLINE void update(const double* x, double* y) {
        lo.update(x, y);
        hi.update(x, y + 1);
    }
    static void batch(const double* p, const ConstColumn* in, std::int64_t start, std::int64_t n,
                      const Column* out, const CancelCheck& check) {
        ExtremeIndex<false>::batch(p, in, start, n, out, check);
        ExtremeIndex<true>::batch(p, in, start, n, out + 1, check);
    }
    template <class Ar>
    void fields(Ar& ar) { ar(lo, hi); }
};

}  // namespace

void register_transform(std::vector<Info>& r) {
    const char* kT = "Math Transform";
    const std::vector<std::string> kReal{"real"}, kTwo{"real0", "real1"};
    auto unary = [&](Info (*make)(Info), const char* name, const char* doc) {
        r.push_back(make({name, kT, doc, kReal, {}, {"real"}}));
    };
    unary(&make_info<Unary<acos_of>>, "ACOS", "Vector Trigonometric ACos");
    unary(&make_info<Unary<asin_of>>, "ASIN", "Vector Trigonometric ASin");
    unary(&make_info<Unary<atan_of>>, "ATAN", "Vector Trigonometric ATan");
    unary(&make_info<Unary<ceil_of>>, "CEIL", "Vector Ceil");
    unary(&make_info<Unary<cos_of>>, "COS", "Vector Trigonometric Cos");
    unary(&make_info<Unary<cosh_of>>, "COSH", "Vector Trigonometric Cosh");
    unary(&make_info<Unary<exp_of>>, "EXP", "Vector Arithmetic Exp");
    unary(&make_info<Unary<floor_of>>, "FLOOR", "Vector Floor");
    unary(&make_info<Unary<ln_of>>, "LN", "Vector Log Natural");
    unary(&make_info<Unary<log10_of>>, "LOG10", "Vector Log10");
    unary(&make_info<Unary<sin_of>>, "SIN", "Vector Trigonometric Sin");
    unary(&make_info<Unary<sinh_of>>, "SINH", "Vector Trigonometric Sinh");
    unary(&make_info<Unary<sqrt_of>>, "SQRT", "Vector Square Root");
    unary(&make_info<Unary<tan_of>>, "TAN", "Vector Trigonometric Tan");
    unary(&make_info<Unary<tanh_of>>, "TANH", "Vector Trigonometric Tanh");

    const char* kO = "Math Operators";
    auto binary = [&](Info (*make)(Info), const char* name, const char* doc) {
        r.push_back(make({name, kO, doc, kTwo, {}, {"real"}}));
    };
    binary(&make_info<Binary<add_of>>, "ADD", "Vector Arithmetic Add");
    binary(&make_info<Binary<sub_of>>, "SUB", "Vector Arithmetic Subtraction");
    binary(&make_info<Binary<mult_of>>, "MULT", "Vector Arithmetic Mult");
    binary(&make_info<Binary<div_of>>, "DIV", "Vector Arithmetic Div");
    r.push_back(make_info<Cumsum>({"CUMSUM", kO, "Cumulative Sum", kReal, {}, {"real"}}));
    r.push_back(make_info<MinMax>({"MINMAX", kO, "Lowest and highest values over a specified period", kReal,
                                   {period("timeperiod", 30)}, {"min", "max"}}));
    r.push_back(integer_outputs(make_info<MinMaxIndex>({"MINMAXINDEX", kO,
                                                        "Indexes of lowest and highest values over a specified period",
                                                        kReal, {period("timeperiod", 30)}, {"minidx", "maxidx"}})));
}

}  // namespace threadx::ta
