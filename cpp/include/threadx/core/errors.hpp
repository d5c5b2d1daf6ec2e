#pragma once
// Exceptions of the core.  They mirror threadx.errors; cpp/bindings/bind_core.cpp
// translates each one to its Python class with message and fields intact.
#include <stdexcept>
#include <string>
#include <vector>

namespace threadx {

struct FieldError {
    std::string field;
    std::string value;    // repr-like rendering of the offending value
    std::string message;
};

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ValidationError : public Error {
public:
    explicit ValidationError(std::vector<FieldError> errors);
    const std::vector<FieldError>& errors() const noexcept { return errors_; }

private:
    std::vector<FieldError> errors_;
};

class DataError : public Error { using Error::Error; };
class IndicatorError : public Error { using Error::Error; };
class BacktestError : public Error { using Error::Error; };
class CancelledError : public Error { using Error::Error; };
class TaskTimeoutError : public Error { using Error::Error; };

// Collects every invalid field of one call, then throws them together.
class FieldErrors {
public:
    void add(std::string field, std::string value, std::string message);
    bool empty() const noexcept { return errors_.empty(); }
    const std::vector<FieldError>& list() const noexcept { return errors_; }
    void throw_if_any() const;

private:
    std::vector<FieldError> errors_;
};

// Small formatting helpers (gcc 12 has no <format>).
std::string repr(double v);
std::string repr(long long v);
inline std::string repr(int v) { return repr(static_cast<long long>(v)); }
inline std::string repr(long v) { return repr(static_cast<long long>(v)); }
std::string repr(const std::string& s);

}  // namespace threadx
