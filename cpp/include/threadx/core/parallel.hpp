#pragma once
// Parallel helpers over oneTBB.  Work is split on the outermost independent axis;
// bodies never touch Python objects.  A TBB exception (including CancelledError
// raised by a token check inside a body) cancels the task_group_context and is
// rethrown on the calling thread.
#include <cstddef>
#include <functional>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include "threadx/core/cancel.hpp"

namespace threadx {

// Caps TBB's parallelism for the whole process (n >= 1); returns the new cap.
int set_num_threads(int n);
// The current cap (defaults to the number of hardware threads).
int get_num_threads();

// Calls body(begin, end) on disjoint sub-ranges of [0, n), in parallel, each at most
// `grain` long; the token is checked before every sub-range.
template <class Body>
void parallel_ranges(std::size_t n, std::size_t grain, const CancelToken* token, Body&& body) {
    if (n == 0) return;
    if (grain == 0) grain = 1;
    CancelCheck check(token);
    if (n <= grain) {
        check();
        body(std::size_t{0}, n);
        return;
    }
    tbb::task_group_context ctx;
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, n, grain),
        [&](const tbb::blocked_range<std::size_t>& r) {
            check();
            body(r.begin(), r.end());
        },
        tbb::simple_partitioner(), ctx);
}

}  // namespace threadx
