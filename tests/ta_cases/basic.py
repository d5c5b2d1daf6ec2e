"""Cases for SMA, EMA, RSI, MAX, MIN (cpp/src/ta/basic.cpp) and DONCHIAN, VWAP (extra.cpp)."""

CASES = {
    "SMA": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    "EMA": [{}, {"timeperiod": 2}, {"timeperiod": 9}, {"timeperiod": 250}],
    "RSI": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "MAX": [{}, {"timeperiod": 2}, {"timeperiod": 13}],
    "MIN": [{}, {"timeperiod": 2}, {"timeperiod": 13}],
    "DONCHIAN": [{}, {"timeperiod": 2}, {"timeperiod": 55}],
    "VWAP": [{}],
    "KC": [{}, {"timeperiod": 5, "atrperiod": 30, "nbdev": 1.5}, {"timeperiod": 30, "atrperiod": 1},
           {"timeperiod": 2, "atrperiod": 2, "nbdev": -0.5}],
}
