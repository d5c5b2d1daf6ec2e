// Price Transform (TA-Lib's group): AVGPRICE MEDPRICE TYPPRICE WCLPRICE.

#include "threadx/ta/dense.hpp"
#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"

namespace threadx::ta {

namespace {

// ---------------------------------------------------------------- price transforms

struct AvgPrice : Pointwise<AvgPrice> {
    static constexpr int n_inputs = 4, n_outputs = 1;  // open, high, low, close
    explicit AvgPrice(const double*) {}
    void update(const double* x, double* y) { y[0] = (x[1] + x[2] + x[3] + x[0]) / 4; }
};

struct MedPrice : Pointwise<MedPrice> {
    static constexpr int n_inputs = 2, n_outputs = 1;  // high, low
    explicit MedPrice(const double*) {}
    void update(const double* x, double* y) { y[0] = (x[0] + x[1]) / 2.0; }
};

struct TypPrice : Pointwise<TypPrice> {
    static constexpr int n_inputs = 3, n_outputs = 1;  // high, low, close
    explicit TypPrice(const double*) {}
    void update(const double* x, double* y) { y[0] = (x[0] + x[1] + x[2]) / 3.0; }
};

struct WclPrice : Pointwise<WclPrice> {
    static constexpr int n_inputs = 3, n_outputs = 1;  // high, low, close
    explicit WclPrice(const double*) {}
    // TA-Lib fuses close*2 into the sum; the doubling is exact, so the plain form is equal.
    void update(const double* x, double* y) { y[0] = (x[0] + x[1] + x[2] * 2.0) / 4.0; }
};

}  // namespace

void register_price(std::vector<Info>& r) {
    r.push_back(make_info<AvgPrice>({"AVGPRICE", "Price Transform", "Average Price",
                                     {"open", "high", "low", "close"}, {}, {"real"}}));
    r.push_back(make_info<MedPrice>({"MEDPRICE", "Price Transform", "Median Price", {"high", "low"}, {}, {"real"}}));
    r.push_back(make_info<TypPrice>({"TYPPRICE", "Price Transform", "Typical Price",
                                     {"high", "low", "close"}, {}, {"real"}}));
    r.push_back(make_info<WclPrice>({"WCLPRICE", "Price Transform", "Weighted Close Price",
                                     {"high", "low", "close"}, {}, {"real"}}));
}

}  // namespace threadx::ta
