#include "threadx/core/parallel.hpp"

#include <memory>
#include <mutex>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "threadx/core/errors.hpp"

namespace threadx {

namespace {
std::mutex g_mutex;
std::unique_ptr<tbb::global_control> g_control;
}  // namespace

int set_num_threads(int n) {
    if (n < 1) {
        FieldErrors errs;
        errs.add("n", repr(n), "must be >= 1");
        errs.throw_if_any();
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    g_control.reset();  // only one cap is alive at a time
    g_control = std::make_unique<tbb::global_control>(
        tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
    return get_num_threads();
}

int get_num_threads() {
    // the cap, or the hardware's threads when the cap is larger
    const auto cap = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    const auto hardware = static_cast<std::size_t>(tbb::info::default_concurrency());
    return static_cast<int>(cap < hardware ? cap : hardware);
}

}  // namespace threadx
