#pragma once
// A growable array that does not initialise its elements.  Kernels overwrite what they
// use; zero-filling a large scratch buffer (as std::vector::resize does) would be a
// wasted pass that no cancellation check interrupts, and fresh pages cost ~11 us each
// to touch here, so the memory is kept and reused across calls of one kernel.
#include <cstddef>
#include <memory>

#include "threadx/core/cancel.hpp"

namespace threadx {

template <class T>
class Buffer {
public:
    // Contents are unspecified after a resize that grows the capacity.
    void resize(std::size_t n) {
        if (n > capacity_) {
            data_.reset(new T[n]);
            capacity_ = n;
        }
        size_ = n;
    }
    // Sets every element, checking `check` between chunks of 64 Ki elements.
    void fill(const T& value, const CancelCheck& check) {
        constexpr std::size_t kChunk = std::size_t{1} << 16;
        for (std::size_t b = 0; b < size_; b += kChunk) {
            if (b > 0) check();
            const std::size_t e = b + kChunk < size_ ? b + kChunk : size_;
            for (std::size_t i = b; i < e; ++i) data_[i] = value;
        }
    }
    T* data() noexcept { return data_.get(); }
    const T* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }

private:
    std::unique_ptr<T[]> data_;
    std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace threadx
