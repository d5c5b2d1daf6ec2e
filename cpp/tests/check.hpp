#pragma once
// The C++ tests' one assertion: counts a failure and prints where and why, then goes on.
#include <cstdio>

namespace threadx::test {
inline int failures = 0;
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
