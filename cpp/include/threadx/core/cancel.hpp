#pragma once
// CancelToken: an atomic flag plus an optional deadline, shared between the caller
// (Python, the coordinator) and the loops that check it at chunk boundaries.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace threadx {

class CancelToken {
public:
    using clock = std::chrono::steady_clock;

    void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

    // Deadline as a number of seconds from now; <= 0 means already expired.
    void set_timeout(double seconds) noexcept;
    void clear_timeout() noexcept { deadline_ns_.store(kNoDeadline, std::memory_order_relaxed); }
    bool expired() const noexcept;

    // Throws CancelledError or TaskTimeoutError when the work should stop.
    void check() const;

private:
    static constexpr std::int64_t kNoDeadline = INT64_MAX;
    std::atomic<bool> cancelled_{false};
    std::atomic<std::int64_t> deadline_ns_{kNoDeadline};
};

// Checks `token`, which may be null (then it never stops anything).
class CancelCheck {
public:
    explicit CancelCheck(const CancelToken* token) noexcept : token_(token) {}
    void operator()() const {
        if (token_) token_->check();
    }

private:
    const CancelToken* token_;
};

}  // namespace threadx
