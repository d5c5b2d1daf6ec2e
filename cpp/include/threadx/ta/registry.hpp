#pragma once
// The indicator table: names, inputs, parameters (with TA-Lib's defaults and ranges),
// outputs, and the batch and streaming entry points of every indicator.
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "threadx/core/cancel.hpp"
#include "threadx/core/errors.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/ta/kernel.hpp"

namespace threadx::ta {

enum class ParamKind { Int, Real, MaType };

struct ParamSpec {
    std::string name;
    ParamKind kind = ParamKind::Int;
    double def = 0, lo = 0, hi = 0;  // TA-Lib's default and inclusive range
    // Not part of TA-Lib's signature: a value the Python layer appends to the row (the
    // candle settings of a pattern, ta/candle.hpp).  Validated and saved like the others.
    bool hidden = false;
};

using ColumnFn = void (*)(const double* params, const ConstColumn* in, std::int64_t n,
                          const Column* out, const CancelCheck& check);
using StreamFn = std::unique_ptr<Stream> (*)(const double* params);
using CheckFn = void (*)(const double* params, FieldErrors& errors);
// k parameter sets (sets[s]: a row of params) of one asset at once; output j of set s
// goes to out[s * outputs + j].  Bit for bit `column` run per set.
using GridFn = void (*)(const double* const* sets, std::int64_t k, const ConstColumn* in,
                         std::int64_t n, const Column* out, const CancelCheck& check);

struct Info {
    std::string name;
    std::string group;  // TA-Lib's group ("Overlap Studies", ...) or "ThreadX"
    std::string doc;    // one line
    std::vector<std::string> inputs;
    std::vector<ParamSpec> params;
    std::vector<std::string> outputs;
    ColumnFn column = nullptr;
    StreamFn stream = nullptr;
    CheckFn check = nullptr;  // rules beyond the ranges; may be null
    // Grid sharing (may be null): the sets of a grid that agree on the parameters `share`
    // lists are computed together by `grid`, their common intermediates once.
    GridFn grid = nullptr;
    std::vector<int> share = {};
    // Per output: an integer output (positions, signals), which TA-Lib returns as int32
    // with 0 in the warm-up; empty when every output is real.  See integer_outputs().
    std::vector<bool> integer = {};
};

// Registers state S under `info` (its column and stream entry points, and its grid hook
// when S has share and group, are filled in).
template <class S>
Info make_info(Info info) {
    info.column = &run_column<S>;
    if constexpr (HasGroup<S>) {
        info.grid = &run_group<S>;
        info.share.assign(std::begin(S::share), std::end(S::share));
    }
    info.stream = [](const double* p) -> std::unique_ptr<Stream> {
        return std::make_unique<StreamOf<S>>(p);
    };
    return info;
}

// `info` with every output an integer output (TA-Lib's MAXINDEX, MINMAXINDEX, FRACTAL...).
inline Info integer_outputs(Info info) {
    info.integer.assign(info.outputs.size(), true);
    return info;
}

// Shorthands for the parameter table.
inline ParamSpec period(std::string name, double def, double lo = 2, double hi = 100000) {
    return {std::move(name), ParamKind::Int, def, lo, hi};
}
inline ParamSpec real(std::string name, double def, double lo, double hi) {
    return {std::move(name), ParamKind::Real, def, lo, hi};
}
// TA-Lib 0.8's MA_Type: 0-13 (kMaTypeDefault stands for the parameter's default).
inline constexpr double kMaTypeDefault = 11;
inline ParamSpec matype(std::string name, double def = 0) {
    return {std::move(name), ParamKind::MaType, def, 0, 13};
}

const std::vector<Info>& registry();
const Info* find(const std::string& name);  // null when unknown

// One parameter's kind and range (`owner` names what it belongs to in the message);
// false when it added an error.
bool validate_param(const ParamSpec& spec, double value, const std::string& owner, FieldErrors& errors);
// Every invalid parameter of one call (kind, range, the indicator's own rule).
void validate_params(const Info& info, const double* params, FieldErrors& errors);
// How many parameter sets validate_params has checked in this process (tests prove
// that one call checks its sets once).
std::uint64_t validation_count() noexcept;
// Replaces every MA type DEFAULT (MA_Type 11) in one validated parameter set by that
// parameter's own default, as TA-Lib does; the states never see DEFAULT.
void resolve_params(const Info& info, double* params) noexcept;

// TA-Lib's global unstable periods (TA_SetUnstablePeriod), read when a state is made.
enum class Unstable : int {
    ADX, ADXR, ATR, CMO, DX, EMA, HT_DCPERIOD, HT_DCPHASE, HT_PHASOR, HT_SINE, HT_TRENDLINE,
    HT_TRENDMODE, IMI, KAMA, MAMA, MFI, MINUS_DI, MINUS_DM, NATR, PLUS_DI, PLUS_DM, RSI,
    STOCHRSI, T3, RMA, HA, RVI, count
};
int unstable_period(Unstable id) noexcept;
void set_unstable_period(Unstable id, int n) noexcept;
std::vector<std::string> unstable_names();

// One call over assets x parameter sets.  inputs[k] is an (n x assets) matrix;
// params holds n_sets rows of info.params.size() values; output j of (asset a, set g)
// goes to out[j] + (a * n_sets + g) * col_stride + i * row_stride.
struct GridOut {
    std::vector<double*> data;  // one base pointer per output
    std::int64_t col_stride = 0, row_stride = 1;
};
// Sets sharing intermediates run as one task per (asset, group) through info.grid:
// share_groups lists the groups (set indices; one set each when info.grid is null), which
// run_grid splits further when there are fewer tasks than threads.  Results depend
// neither on the grouping nor on the number of threads.
void run_grid(const Info& info, const std::vector<ConstMatrix>& inputs, const double* params,
              std::int64_t n_sets, const GridOut& out, const CancelToken* token);
std::vector<std::vector<std::int64_t>> share_groups(const Info& info, const double* params,
                                                    std::int64_t n_sets);

// ---------------------------------------------------------------- saved states

// A streaming state as bytes: a header saying what it is, the state's fields (Stream::save)
// and a checksum, all integers little-endian:
//   "TXSTATE\0"       magic (8 bytes)
//   u32               format version (kStateFormat)
//   u32 + bytes       the indicator's name
//   u32 + f64 each    its parameters, in the registry's order
//   u64 + bytes       the state's fields
//   u64               CRC-64/XZ of every byte before it
// Loading checks all of it (magic, version, checksum, lengths, a known indicator with
// valid parameters) before the fields are read; the CRC finds every accidental change of
// up to 64 consecutive bits, and the fields' own checks (StateCheck) keep a state that
// was crafted with a valid checksum from reaching update() with a bad index.
inline constexpr std::uint32_t kStateFormat = 1;
std::uint64_t crc64(const char* data, std::size_t n) noexcept;
std::string save_state(const Info& info, const double* params, Stream& s);
struct SavedState {
    const Info* info = nullptr;
    std::vector<double> params;
    std::string fields;
};
// The header of bytes made by save_state (every check above but the fields'); raises
// ValidationError (field "state...") naming what is wrong.
SavedState read_state(const std::string& bytes);
// Restores s (made by info.stream(params)) from bytes saved by the same indicator with
// the same parameters; all or nothing.
void load_state(const Info& info, const double* params, Stream& s, const std::string& bytes);

// Family registration (one per source file under cpp/src/ta).
void register_overlap(std::vector<Info>& r);
void register_momentum(std::vector<Info>& r);
void register_volatility(std::vector<Info>& r);
void register_volume(std::vector<Info>& r);
void register_statistic(std::vector<Info>& r);
void register_price(std::vector<Info>& r);
void register_math(std::vector<Info>& r);
void register_oscillator(std::vector<Info>& r);
void register_transform(std::vector<Info>& r);
void register_pattern_a_h(std::vector<Info>& r);  // candlestick patterns CDL2CROWS ... CDLHIKKAKEMOD
void register_cycle(std::vector<Info>& r);  // Hilbert transform, MAMA, MAVP, SAREXT, HMA, RMA, ZLEMA
void register_pattern_h_z(std::vector<Info>& r);  // candlestick patterns CDLHOMINGPIGEON ... CDLXSIDEGAP3METHODS
void register_flow(std::vector<Info>& r);
void register_band(std::vector<Info>& r);

}  // namespace threadx::ta
