#pragma once
// Entry point of the rolling family: validate, then run one statistic over every
// column of a strided matrix, columns in parallel.
#include <cstdint>

#include "threadx/core/cancel.hpp"
#include "threadx/core/strided.hpp"
#include "threadx/rolling/spec.hpp"

namespace threadx::rolling {

// Throws ValidationError (every bad field at once) before any work; CancelledError /
// TaskTimeoutError when `token` stops it.  `times` (n_times values, int64 ns) is read
// for time windows only.  out must be rows x cols x spec.outputs_per_column().
void run(const Spec& spec, const ConstMatrix& x, const std::int64_t* times, std::int64_t n_times,
         const OutTensor& out, const CancelToken* token);

// run() for a spec that validate() has accepted for x.rows rows and these times (x.rows
// of them): checks only what memory safety needs (out's shape, times present), so a
// binding that validated once does not validate again.  Timestamps changed since their
// check may give wrong numbers but never a read or write out of bounds (TimeBounds).
void run_validated(const Spec& spec, const ConstMatrix& x, const std::int64_t* times,
                   const OutTensor& out, const CancelToken* token);

}  // namespace threadx::rolling
