// Indicators: the registry's table, grid runs (GIL released) and streaming states.
#include <cmath>

#include "pybind.hpp"
#include "threadx/ta/candle.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::bind {

namespace {

using ta::Info;

const Info& info_of(const std::string& name) {
    const Info* info = ta::find(name);
    if (!info) {
        FieldErrors e;
        e.add("function", repr(name), "is not an indicator ThreadX provides");
        e.throw_if_any();
    }
    return *info;
}

const char* kind_name(ta::ParamKind k) {
    switch (k) {
        case ta::ParamKind::Int: return "int";
        case ta::ParamKind::Real: return "real";
        case ta::ParamKind::MaType: return "matype";
    }
    return "?";
}

py::list functions() {
    py::list out;
    for (const Info& i : ta::registry()) {
        py::list params, hidden;
        for (const auto& p : i.params)
            (p.hidden ? hidden : params).append(py::make_tuple(p.name, kind_name(p.kind), p.def, p.lo, p.hi));
        py::dict d;
        d["name"] = i.name;
        d["group"] = i.group;
        d["doc"] = i.doc;
        d["inputs"] = i.inputs;
        d["params"] = params;
        d["hidden"] = hidden;  // appended to each row by the Python layer (candle settings)
        d["outputs"] = i.outputs;
        py::list integer;  // one flag per output
        for (std::size_t j = 0; j < i.outputs.size(); ++j) integer.append(j < i.integer.size() && i.integer[j]);
        d["integer"] = integer;
        out.append(d);
    }
    return out;
}

// A (sets x params) float64 C-contiguous matrix, every row validated.
const double* params_of(const Info& info, const py::array& params, FieldErrors& errors) {
    require_float64(params, "params", errors);
    const auto np = static_cast<py::ssize_t>(info.params.size());
    if (params.ndim() != 2 || params.shape(1) != np) {
        errors.add("params", "shape", "must be (sets, " + std::to_string(np) + ")");
        return nullptr;
    }
    if (!errors.empty()) return nullptr;
    if (!(params.flags() & py::array::c_style)) {
        errors.add("params", "layout", "must be C-contiguous");
        return nullptr;
    }
    const auto* p = static_cast<const double*>(params.data());
    for (py::ssize_t g = 0; g < params.shape(0); ++g) {
        FieldErrors row;
        ta::validate_params(info, p + g * np, row);
        for (const auto& e : row.list()) errors.add(e.field, e.value, e.message);
        if (!row.empty()) break;  // one bad set is reported, not every set that repeats it
    }
    return p;
}

// A validated call: only validate() makes one.  The parameter sets are copied, so a
// caller changing its array afterwards cannot hand run() a set that was never checked.
struct Plan {
    const Info* info = nullptr;
    std::vector<double> params;  // sets x info->params.size(), row-major
    std::int64_t sets = 0;
};

Plan validate(const std::string& name, const py::array& params) {
    const Info& info = info_of(name);
    FieldErrors errors;
    const double* p = params_of(info, params, errors);
    errors.throw_if_any();
    const std::int64_t sets = params.shape(0);
    return Plan{&info, std::vector<double>(p, p + sets * static_cast<std::int64_t>(info.params.size())), sets};
}

// Runs validated parameter sets; checks only the inputs (count, dtype, 2-D, equal shapes),
// which is what memory safety needs.
py::array_t<double> run_sets(const Info& info, const std::vector<py::array>& inputs, const double* p,
                             std::int64_t sets, const CancelToken* token) {
    FieldErrors errors;
    if (inputs.size() != info.inputs.size())
        errors.add("inputs", std::to_string(inputs.size()) + " arrays",
                   info.name + " takes " + std::to_string(info.inputs.size()));
    std::vector<ConstMatrix> in;
    for (std::size_t k = 0; k < inputs.size() && k < info.inputs.size(); ++k) {
        const py::array& a = inputs[k];
        const std::string& field = info.inputs[k];
        require_float64(a, field.c_str(), errors);
        if (a.ndim() != 2) {
            errors.add(field, "ndim " + std::to_string(a.ndim()), "must be 2-D (rows x assets)");
            continue;
        }
        ConstMatrix m;
        m.data = static_cast<const double*>(a.data());
        m.rows = a.shape(0);
        m.cols = a.shape(1);
        m.row_stride = a.strides(0) / 8;
        m.col_stride = a.strides(1) / 8;
        if (!in.empty() && (m.rows != in[0].rows || m.cols != in[0].cols))
            errors.add(field, "shape (" + std::to_string(m.rows) + ", " + std::to_string(m.cols) + ")",
                       "must match " + info.inputs[0] + " (" + std::to_string(in[0].rows) + ", " +
                           std::to_string(in[0].cols) + ")");
        in.push_back(m);
    }
    errors.throw_if_any();
    const std::int64_t rows = in[0].rows, cols = in[0].cols * sets;
    const auto n_out = static_cast<py::ssize_t>(info.outputs.size());
    py::array_t<double> out({n_out, static_cast<py::ssize_t>(cols), static_cast<py::ssize_t>(rows)});
    ta::GridOut o;
    double* base = out.mutable_data();  // (outputs, cols, rows) C-ordered; any extent may be 0
    for (py::ssize_t j = 0; j < n_out; ++j) o.data.push_back(base + j * cols * rows);
    o.col_stride = rows;
    o.row_stride = 1;
    {
        py::gil_scoped_release release;
        ta::run_grid(info, in, p, sets, o, token);
    }
    return out;
}

py::array_t<double> run_plan(const Plan& plan, const std::vector<py::array>& inputs, const CancelToken* token) {
    return run_sets(*plan.info, inputs, plan.params.data(), plan.sets, token);
}

// validate + run in one call (its one validation): the single-call fast path, where a
// Plan object would cost more than it saves.
py::array_t<double> run(const std::string& name, const std::vector<py::array>& inputs,
                        const py::array& params, const CancelToken* token) {
    const Info& info = info_of(name);
    FieldErrors errors;
    const double* p = params_of(info, params, errors);
    errors.throw_if_any();
    return run_sets(info, inputs, p, params.shape(0), token);
}

// An integer output (positions) as TA-Lib returns it: int32, 0 where the core gives NaN
// (warm-up, a NaN in the window).  One pass with the GIL released, the shape kept.
py::array_t<std::int32_t> as_int32(const CArray<double>& raw) {
    std::vector<py::ssize_t> shape(raw.shape(), raw.shape() + raw.ndim());
    py::array_t<std::int32_t> out(shape);
    const double* src = raw.data();
    std::int32_t* dst = out.mutable_data();
    const py::ssize_t n = raw.size();
    {
        py::gil_scoped_release release;
        for (py::ssize_t i = 0; i < n; ++i) dst[i] = src[i] == src[i] ? static_cast<std::int32_t>(src[i]) : 0;
    }
    return out;
}

// How run_grid groups the parameter sets (set indices sharing intermediates).
std::vector<std::vector<std::int64_t>> share_groups(const std::string& name, const py::array& params) {
    const Info& info = info_of(name);
    FieldErrors errors;
    const double* p = params_of(info, params, errors);
    errors.throw_if_any();
    const std::int64_t sets = params.shape(0), np_ = static_cast<std::int64_t>(info.params.size());
    std::vector<double> resolved(p, p + sets * np_);  // as run_grid groups them (MA_Type.DEFAULT resolved)
    for (std::int64_t g = 0; g < sets; ++g) ta::resolve_params(info, resolved.data() + g * np_);
    return ta::share_groups(info, resolved.data(), sets);
}

// A streaming indicator.  Python holds the GIL through every call, which serialises access.
struct TaStream {
    std::string name;
    std::vector<double> params;
    std::unique_ptr<ta::Stream> impl;

    // No state yet: what Python's Indicator.__init__ makes first, so that an object whose
    // parameters then fail validation is a constructed C++ object without a state (its
    // methods raise) rather than uninitialised memory.
    TaStream() = default;
    // Gives a stateless object (the default constructor's) its indicator.
    void make(std::string n, std::vector<double> p) {
        TaStream made(std::move(n), std::move(p));
        name = std::move(made.name);
        params = std::move(made.params);
        impl = std::move(made.impl);
    }
    TaStream(std::string n, std::vector<double> p) : name(std::move(n)), params(std::move(p)) {
        const Info& info = info_of(name);
        FieldErrors errors;
        if (params.size() != info.params.size())
            errors.add("params", std::to_string(params.size()) + " values",
                       name + " takes " + std::to_string(info.params.size()));
        else
            ta::validate_params(info, params.data(), errors);
        errors.throw_if_any();
        ta::resolve_params(info, params.data());
        impl = info.stream(params.data());
    }
    TaStream(const TaStream& o) : name(o.name), params(o.params), impl(o.state().clone()) {}

    // The state.  A Python object whose __init__ raised (a bad parameter) has none: its
    // methods raise this error instead of reading through a null state.
    ta::Stream& state() const {
        if (!impl) {
            FieldErrors e;
            e.add("indicator", "not made", "its construction raised an error (see it); make a new indicator");
            e.throw_if_any();
        }
        return *impl;
    }

    py::bytes save() const { return py::bytes(ta::save_state(info_of(name), params.data(), state())); }
    void load(const py::bytes& b) { ta::load_state(info_of(name), params.data(), state(), std::string(b)); }

    py::object result(const double* y) const {
        const int k = state().n_outputs();
        if (k == 1) return py::float_(y[0]);
        py::tuple t(k);
        for (int j = 0; j < k; ++j) t[j] = py::float_(y[j]);
        return t;
    }
    // "RSI.update(close)": the call a user should make.
    std::string call_text() const {
        std::string s = name + ".update(";
        const auto& inputs = info_of(name).inputs;
        for (std::size_t k = 0; k < inputs.size(); ++k) s += (k ? ", " : "") + inputs[k];
        return s + ")";
    }
    void arity(int n) const {
        const int n_in = state().n_inputs();
        if (n != n_in) {
            FieldErrors e;
            e.add("inputs", std::to_string(n) + (n == 1 ? " value" : " values"),
                  "must be " + std::to_string(n_in) + (n_in == 1 ? " number: " : " numbers: ") +
                      call_text());
            e.throw_if_any();
        }
    }
    // Input k of one bar: a float at once, anything else by the rule of real_arg, naming the input.
    double input(py::handle h, std::size_t k) const {
        return PyFloat_Check(h.ptr()) ? PyFloat_AS_DOUBLE(h.ptr()) : real_arg_slow(h, info_of(name).inputs.at(k));
    }
    template <class... H>
    py::object update(H... hs) {
        arity(sizeof...(H));
        std::size_t k = 0;
        const double x[] = {input(hs, k++)...};  // a braced list is evaluated left to right
        double y[16];
        state().update(x, y);
        return result(y);
    }
    // Any other call of update: the wrong number of inputs, or keywords.
    py::object bad_call(const py::args& args, const py::kwargs& kwargs) const {
        for (const auto& kv : kwargs) {
            FieldErrors e;
            e.add(py::str(kv.first).cast<std::string>(), short_repr(kv.second),
                  "is not a keyword of update: pass the inputs in order, " + call_text());
            e.throw_if_any();
        }
        arity(static_cast<int>(args.size()));
        return py::none();  // not reached: a call with the right arity matches the first overload
    }
    py::array_t<double> update_many(const std::vector<CArray<double>>& cols) {
        arity(static_cast<int>(cols.size()));
        FieldErrors errors;
        py::ssize_t n = cols.empty() ? 0 : cols[0].size();
        for (std::size_t k = 0; k < cols.size(); ++k) {
            if (cols[k].ndim() != 1) errors.add("inputs", "ndim " + std::to_string(cols[k].ndim()), "must be 1-D");
            else if (cols[k].size() != n)
                errors.add("inputs", "length " + std::to_string(cols[k].size()), "must all be " + std::to_string(n));
        }
        errors.throw_if_any();
        ta::Stream& st = state();
        const int k_out = st.n_outputs();
        py::array_t<double> out({n, static_cast<py::ssize_t>(k_out)});
        double* o = out.mutable_data();
        double x[16];
        for (py::ssize_t i = 0; i < n; ++i) {
            for (std::size_t k = 0; k < cols.size(); ++k) x[k] = cols[k].at(i);
            st.update(x, o + i * k_out);
        }
        return out;
    }
};

}  // namespace

void bind_ta(py::module_& m) {
    m.def("functions", &functions, "The indicator table (name, group, inputs, params, outputs).");
    py::class_<Plan>(m, "Plan", "A validated indicator call; made only by validate().")
        .def_property_readonly("name", [](const Plan& p) { return p.info->name; })
        .def_property_readonly("sets", [](const Plan& p) { return p.sets; });
    m.def("validate", &validate, py::arg("name"), py::arg("params"),
          "Raise ValidationError for any invalid parameter set (rows of params); else the Plan "
          "that run_plan() computes.");
    m.def("run_plan", &run_plan, py::arg("plan"), py::arg("inputs"), py::arg("token") = nullptr,
          "Compute a validated plan for every (asset, parameter set); returns (outputs, assets*sets, rows).");
    m.def("run", &run, py::arg("name"), py::arg("inputs"), py::arg("params"),
          py::arg("token") = nullptr,
          "validate + run_plan in one call (one validation); returns (outputs, assets*sets, rows).");
    m.def("_as_int32", &as_int32, py::arg("raw"),
          "An integer output of run() as int32, NaN as 0 (TA-Lib's positions), one pass.");
    m.def("_validations", &ta::validation_count,
          "Parameter sets checked by validate_params so far in this process (for tests).");
    m.def("_share_groups", &share_groups, py::arg("name"), py::arg("params"),
          "The groups of parameter sets (rows of params) that run() computes together (for tests).");
    m.def("unstable_names", &ta::unstable_names);
    m.def("set_unstable_period", [](const std::string& id, int n) {
        const auto names = ta::unstable_names();
        for (std::size_t k = 0; k < names.size(); ++k)
            if (names[k] == id || id == "ALL") ta::set_unstable_period(static_cast<ta::Unstable>(k), n);
    });
    m.def("get_unstable_period", [](const std::string& id) {
        const auto names = ta::unstable_names();
        for (std::size_t k = 0; k < names.size(); ++k)
            if (names[k] == id) return ta::unstable_period(static_cast<ta::Unstable>(k));
        return -1;
    });

    m.def("candle_setting_defaults", [] {
        py::list out;
        for (const auto& d : ta::candle::kDefaults)
            out.append(py::make_tuple(d.name, static_cast<int>(d.type), d.avg_period, d.factor));
        return out;
    }, "TA-Lib's candle settings and their defaults: (name, range type, avg period, factor), in TA-Lib's order.");
    m.def("range_type_names", [] {
        return std::vector<std::string>(std::begin(ta::candle::kRangeTypeNames), std::end(ta::candle::kRangeTypeNames));
    }, "TA-Lib's candle range types, in its order.");
    m.def("check_candle_settings", [](const std::vector<double>& values) {
        FieldErrors errors;
        if (values.size() != 3 * ta::candle::kSettings)
            errors.add("candle_settings", std::to_string(values.size()) + " values",
                       "must be " + std::to_string(3 * ta::candle::kSettings) + " (range type, avg period, factor per setting)");
        else
            ta::candle::check_settings(values.data(), errors);
        errors.throw_if_any();
    }, py::arg("values"), "Raise ValidationError for any invalid value of a full candle settings table.");

    m.def("_state_header", [](const py::bytes& b) {
        const ta::SavedState s = ta::read_state(std::string(b));
        return py::make_tuple(s.info->name, s.params);
    }, py::arg("state"), "The (indicator name, parameters) of a saved streaming state, its header and checksum checked.");
    m.def("_checksum", [](const py::bytes& b) {
        const std::string s(b);
        return ta::crc64(s.data(), s.size());
    }, py::arg("data"), "The CRC-64 a saved state ends with, of these bytes (for tests).");

    py::class_<TaStream>(m, "Stream", py::dynamic_attr())
        .def(py::init<>(), "A stream without a state (Indicator.__init__ gives it one with _make).")
        .def(py::init<std::string, std::vector<double>>(), py::arg("name"), py::arg("params"))
        .def("_make", &TaStream::make, py::arg("name"), py::arg("params"),
             "Give a stream made without a state its indicator (validated).")
        .def("update1", &TaStream::update<py::handle>)
        .def("update2", &TaStream::update<py::handle, py::handle>)
        .def("update3", &TaStream::update<py::handle, py::handle, py::handle>)
        .def("update4", &TaStream::update<py::handle, py::handle, py::handle, py::handle>)
        .def("update5", &TaStream::update<py::handle, py::handle, py::handle, py::handle, py::handle>)
        .def("update1", &TaStream::bad_call)
        .def("update2", &TaStream::bad_call)
        .def("update3", &TaStream::bad_call)
        .def("update4", &TaStream::bad_call)
        .def("update5", &TaStream::bad_call)
        .def("update_many", &TaStream::update_many, py::arg("inputs"))
        .def("_copy", [](const TaStream& s) { return TaStream(s); })
        .def("_save", &TaStream::save, "The state as bytes (header, fields, checksum: ta/registry.hpp).")
        .def("_load", &TaStream::load, py::arg("state"),
             "Restore a state saved by this indicator with these parameters; every field checked.")
        .def_readonly("_name", &TaStream::name)
        .def_readonly("_params", &TaStream::params)
        .def_property_readonly("bars", [](const TaStream& s) { return s.state().bars(); });
}

}  // namespace threadx::bind
