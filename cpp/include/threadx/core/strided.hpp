#pragma once
// Views over caller-owned buffers: a column-addressed matrix with element strides,
// so C- and F-ordered arrays and DataFrame blocks are read without a copy.
#include <cstddef>
#include <cstdint>

namespace threadx {

struct ConstColumn {
    const double* data = nullptr;
    std::int64_t stride = 1;  // in elements
    double operator[](std::int64_t i) const noexcept { return data[i * stride]; }
};

struct Column {
    double* data = nullptr;
    std::int64_t stride = 1;
    double& operator[](std::int64_t i) const noexcept { return data[i * stride]; }
};

struct ConstMatrix {
    const double* data = nullptr;
    std::int64_t rows = 0, cols = 0;
    std::int64_t row_stride = 0, col_stride = 0;  // in elements
    ConstColumn column(std::int64_t c) const noexcept { return {data + c * col_stride, row_stride}; }
};

// Output of k values per (row, column): element (i, c, j) at
// data[i * row_stride + c * col_stride + j * k_stride].
struct OutTensor {
    double* data = nullptr;
    std::int64_t rows = 0, cols = 0, k = 1;
    std::int64_t row_stride = 0, col_stride = 0, k_stride = 0;
    Column column(std::int64_t c, std::int64_t j = 0) const noexcept {
        return {data + c * col_stride + j * k_stride, row_stride};
    }
};

}  // namespace threadx
