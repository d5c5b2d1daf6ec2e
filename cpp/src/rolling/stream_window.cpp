#include "threadx/rolling/stream_window.hpp"

namespace threadx::rolling {

void check_stream_times(bool time_window, bool has_prev, std::int64_t prev, const std::int64_t* times,
                        std::int64_t n) {
    if (!time_window || n == 0) return;
    FieldErrors errors;
    if (times == nullptr) {
        errors.add("time", "None", "a time window needs a timestamp with every update");
    } else {
        for (std::int64_t i = 0; i < n; ++i) {
            if (has_prev && times[i] < prev) {
                errors.add("time", repr(static_cast<long long>(times[i])),
                           "timestamps must be non-decreasing (the one before was " +
                               repr(static_cast<long long>(prev)) + ")");
                break;
            }
            prev = times[i];
            has_prev = true;
        }
    }
    errors.throw_if_any();
}

}  // namespace threadx::rolling
