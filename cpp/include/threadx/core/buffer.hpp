#pragma once
// A growable array that does not initialise its elements.  Kernels overwrite what they
// use; zero-filling a large scratch buffer (as std::vector::resize does) would be a
// wasted pass that no cancellation check interrupts, and fresh pages cost ~11 us each
// to touch here, so the memory is kept and reused across calls of one kernel.
//
// Large buffers (>= 4 MiB) are 2 MiB-aligned and marked for transparent huge pages on
// Linux: a 2 MiB page is touched (and later returned to the system) in one fault instead
// of 512, so a sweep's indicator block costs a fraction of the page-fault time to fill,
// and freeing it after a cancellation takes ~1 ms instead of ~40 ms per GiB.
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

#include "threadx/core/cancel.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace threadx {

namespace detail {

struct FreeDeleter {
    void operator()(void* p) const noexcept { std::free(p); }
};

// Uninitialised storage for `bytes` bytes (aligned for any scalar type); throws bad_alloc.
inline void* allocate_buffer(std::size_t bytes) {
    constexpr std::size_t kHuge = std::size_t{2} << 20, kLarge = std::size_t{4} << 20;
    if (bytes >= kLarge) {
        const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
        void* p = std::aligned_alloc(kHuge, rounded);
        if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
        madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without THP it is plain pages
#endif
        return p;
    }
    void* p = std::malloc(bytes > 0 ? bytes : 1);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

}  // namespace detail

template <class T>
class Buffer {
    static_assert(std::is_trivially_destructible_v<T>,
                  "Buffer never runs destructors: it holds plain values, written before they are read");

public:
    // Contents are unspecified after a resize that grows the capacity.
    void resize(std::size_t n) {
        if (n > capacity_) {
            if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
            data_.reset(static_cast<T*>(detail::allocate_buffer(n * sizeof(T))));
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
            for (std::size_t i = b; i < e; ++i) data_.get()[i] = value;
        }
    }
    T* data() noexcept { return data_.get(); }
    const T* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    T& operator[](std::size_t i) noexcept { return data_.get()[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_.get()[i]; }

private:
    std::unique_ptr<T, detail::FreeDeleter> data_;
    std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace threadx
