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

}  // namespace threadx::rolling
