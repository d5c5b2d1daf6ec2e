#include "threadx/ta/ma.hpp"
#include "threadx/ta/registry.hpp"
#include "threadx/ta/window.hpp"

namespace threadx::ta {

void register_extra(std::vector<Info>& r) { (void)r; }

}  // namespace threadx::ta
