#include "threadx/core/errors.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace threadx {

namespace {
std::string join(const std::vector<FieldError>& errors) {
    std::ostringstream out;
    out << errors.size() << " invalid field" << (errors.size() == 1 ? "" : "s");
    for (const auto& e : errors) out << "; " << e.field << "=" << e.value << ": " << e.message;
    return out.str();
}
}  // namespace

ValidationError::ValidationError(std::vector<FieldError> errors)
    : Error(join(errors)), errors_(std::move(errors)) {}

void FieldErrors::add(std::string field, std::string value, std::string message) {
    errors_.push_back({std::move(field), std::move(value), std::move(message)});
}

void FieldErrors::throw_if_any() const {
    if (!errors_.empty()) throw ValidationError(errors_);
}

std::string repr(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string repr(long long v) { return std::to_string(v); }

std::string repr(const std::string& s) { return "'" + s + "'"; }

}  // namespace threadx
