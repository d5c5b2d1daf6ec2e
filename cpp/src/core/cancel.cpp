#include "threadx/core/cancel.hpp"

#include "threadx/core/errors.hpp"

namespace threadx {

namespace {
std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               CancelToken::clock::now().time_since_epoch())
        .count();
}
}  // namespace

void CancelToken::set_timeout(double seconds) noexcept {
    auto ns = now_ns();
    double add = seconds * 1e9;
    if (add > 9e18) add = 9e18;
    deadline_ns_.store(ns + static_cast<std::int64_t>(add > 0 ? add : 0),
                       std::memory_order_relaxed);
}

bool CancelToken::expired() const noexcept {
    auto d = deadline_ns_.load(std::memory_order_relaxed);
    if (d == kNoDeadline) return false;
    return now_ns() >= d;
}

void CancelToken::check() const {
    if (cancelled()) throw CancelledError("the job was cancelled");
    if (expired()) throw TaskTimeoutError("the job ran past its deadline");
}

}  // namespace threadx
