"""docs/live.md and examples/live.toml cannot drift from the code: the configuration reference
lists exactly the keys ``threadx.live._config`` accepts, with the defaults the classes use; the
sample config builds a monitor (never started: nothing leaves the machine); every ```python
block of the page runs as written."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("websockets")
pytest.importorskip("pyarrow")
pytest.importorskip("prometheus_client")

from threadx.live import ReplayFeed, SpreadMonitor, WebSocketFeed
from threadx.live._config import (
    BREAKER_KEYS,
    FEED_KEYS,
    MONITOR_DEFAULTS,
    RETRY_KEYS,
    SECTIONS,
    SERVER_KEYS,
    SINK_KEYS,
    _toml,
)
from threadx.live._server import SubscriberServer
from threadx.live._sink import ParquetSink
from threadx.sources import CircuitBreaker, Retry

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "live.md"
TEXT = DOC.read_text()
EXAMPLE = ROOT / "examples" / "live.toml"
BLOCKS = [(TEXT.count("\n", 0, m.start()) + 2, m.group(1))
          for m in re.finditer(r"^```python\n(.*?)^```", TEXT, flags=re.DOTALL | re.MULTILINE)]

# heading of each reference table -> the keys the code accepts there
REFERENCE: dict[str, tuple[str, ...]] = {
    "[monitor]": tuple(MONITOR_DEFAULTS), "[server]": SERVER_KEYS, "[sink]": SINK_KEYS,
    "[[feeds]]": FEED_KEYS, "retry": RETRY_KEYS, "breaker": BREAKER_KEYS,
}


def _tables() -> dict[str, dict[str, str]]:
    """Per reference heading (`### `[monitor]``, `#### `retry` ...``): key -> its default cell."""
    ref = TEXT.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    out: dict[str, dict[str, str]] = {}
    for m in re.finditer(r"^#{3,4} `([^`]+)`(.*?)(?=^#{2,4} |\Z)", ref, flags=re.DOTALL | re.MULTILINE):
        rows = re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", m.group(2), flags=re.MULTILINE)
        out[m.group(1)] = dict(rows)
    return out


def _toml_value(cell: str) -> Any:
    return _toml().loads(f"v = {cell.strip('`')}")["v"]


def _defaults(fn: Callable[..., Any]) -> dict[str, Any]:
    return {name: p.default for name, p in inspect.signature(fn).parameters.items()
            if p.default is not inspect.Parameter.empty}


# where each documented default comes from (keys without one: required or derived)
CODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "[monitor]": {k: v for k, v in MONITOR_DEFAULTS.items() if v is not None},
    "[server]": {k: v for k, v in _defaults(SubscriberServer.__init__).items() if k in SERVER_KEYS},
    "[sink]": {**{k: v for k, v in _defaults(ParquetSink.__init__).items() if k in SINK_KEYS}, "raw_ticks": False},
    "[[feeds]]": {k: v for k, v in _defaults(WebSocketFeed.__init__).items() if k in FEED_KEYS and v is not None},
    "retry": {k: v for k, v in _defaults(Retry.__init__).items() if k in RETRY_KEYS},
    "breaker": {k: v for k, v in _defaults(CircuitBreaker.__init__).items() if k in BREAKER_KEYS},
}


def test_the_reference_lists_exactly_the_accepted_keys() -> None:
    tables = _tables()
    assert set(tables) == set(REFERENCE), sorted(tables)
    for heading, keys in REFERENCE.items():
        assert sorted(tables[heading]) == sorted(keys), heading
    assert {h.strip("[]") for h in REFERENCE if h.startswith("[")} == set(SECTIONS)


@pytest.mark.parametrize("heading", list(REFERENCE))
def test_the_reference_gives_the_code_defaults(heading: str) -> None:
    documented = _tables()[heading]
    for key, default in CODE_DEFAULTS[heading].items():
        assert _toml_value(documented[key]) == default, (heading, key, documented[key], default)
    for key, cell in documented.items():  # a key without a code default is documented as such
        if key not in CODE_DEFAULTS[heading]:
            assert not cell.startswith("`"), (heading, key, cell)


def test_replay_feed_defaults_are_documented() -> None:
    replay = _defaults(ReplayFeed.__init__)
    documented = _tables()["[[feeds]]"]
    assert replay["speed"] is None and "as fast as possible" in documented["speed"]
    assert f'`"{replay["name"]}"`' in documented["name"]


def test_example_config_builds_a_monitor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the sink's directory is made on construction: here, not in the checkout
    mon = SpreadMonitor(EXAMPLE)  # constructed only: no connection, no listening socket
    assert [f.name for f in mon.feeds] == ["binance", "coinbase"]
    feeds = [f for f in mon.feeds if isinstance(f, WebSocketFeed)]
    assert len(feeds) == len(mon.feeds)
    assert [f.url for f in feeds] == ["wss://stream.binance.com:9443/stream", "wss://ws-feed.exchange.coinbase.com"]
    assert all(sorted(f.symbols) == ["BTC-USDT", "ETH-USDT"] for f in feeds)
    assert mon.book is not None and mon.book.exchanges == ("binance", "coinbase")
    assert mon.server is not None and mon.sink is not None and mon.tick_sink is not None
    config = _toml().loads(EXAMPLE.read_text())
    assert config["server"] == {**config["server"], "host": "127.0.0.1", "port": 8765}
    tables = _tables()  # every key the example uses is documented
    for name in ("monitor", "server", "sink"):
        assert set(config[name]) <= set(tables[f"[{name}]"]), name
    for feed in config["feeds"]:
        assert set(feed) <= set(tables["[[feeds]]"])
        assert set(feed.get("retry", {})) <= set(tables["retry"])
        assert set(feed.get("breaker", {})) <= set(tables["breaker"])


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"line{line}" for line, _ in BLOCKS])
def test_python_block_runs(line: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__livedocs__"}
    exec(compile("\n" * (line - 1) + code, str(DOC), "exec"), namespace)  # noqa: S102
