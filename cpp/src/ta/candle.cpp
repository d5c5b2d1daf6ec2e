// Candle settings: the hidden parameters of the patterns and their validation
// (threadx/ta/candle.hpp).
#include "threadx/ta/candle.hpp"

#include <limits>

namespace threadx::ta::candle {

std::vector<ParamSpec> setting_params(Setting s) {
    const SettingDefault& d = kDefaults[s];
    const std::string prefix = std::string("candle_settings.") + d.name + ".";
    std::vector<ParamSpec> out = {
        {prefix + "range_type", ParamKind::Int, static_cast<double>(d.type), 0, kRangeTypes - 1},
        {prefix + "avg_period", ParamKind::Int, static_cast<double>(d.avg_period), 0, kMaxAvgPeriod},
        {prefix + "factor", ParamKind::Real, d.factor, 0, std::numeric_limits<double>::max()},
    };
    for (ParamSpec& p : out) p.hidden = true;
    return out;
}

void check_settings(const double* values, FieldErrors& errors) {
    for (int s = 0; s < kSettings; ++s) {
        const auto specs = setting_params(static_cast<Setting>(s));
        for (std::size_t k = 0; k < specs.size(); ++k)
            validate_param(specs[k], values[3 * s + static_cast<int>(k)], "candle settings", errors);
    }
}

}  // namespace threadx::ta::candle
