#pragma once
// The C++ tests' one assertion: counts a failure and prints where and why, then goes on.
#include <cstdio>

#include "threadx/core/errors.hpp"

namespace threadx::test {
inline int failures = 0;

// True when f() throws ValidationError (the core's "bad input" answer), false when it returns.
template <class F>
bool throws_validation(F f) {
    try {
        f();
    } catch (const ValidationError&) {
        return true;
    }
    return false;
}
}  // namespace threadx::test

#define CHECK(cond, ...)                                     \
    do {                                                     \
        if (!(cond)) {                                       \
            ++::threadx::test::failures;                     \
            std::printf("FAIL %s:%d: ", __FILE__, __LINE__); \
            std::printf(__VA_ARGS__);                        \
            std::printf("\n");                               \
        }                                                    \
    } while (0)
