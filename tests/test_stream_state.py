"""Streaming checkpoints (issue 12 §1): a saved state that is corrupted, truncated,
extended, of another format version, of another indicator or other parameters is refused
with a typed error; never a crash, never garbage output.  A state round-trips bit for bit.

Before the header and the field checks, the same sweep over the raw state bytes killed
the interpreter with SIGSEGV (checked for MOM, CCI, CORREL, STOCH, BBANDS, MAXINDEX,
LINEARREG and SMA: a ring head overwritten reaches Ring::push)."""

from __future__ import annotations

import pickle
import struct
from collections.abc import Iterator

import numpy as np
import pytest
from threadx import _core, stream
from threadx.errors import ThreadXError, ValidationError
from threadx.ta._api import SPECS

NAMES = sorted(SPECS)
NAN_BITS = struct.pack("<d", float("nan"))
HOSTILE = [v.to_bytes(8, "little", signed=True) for v in (10**12, 10**6, -1, 2**63 - 1)] + [b"\xff" * 8, NAN_BITS]
WARM, AFTER = 300, 50


def bars(name: str, n: int, seed: int) -> list[np.ndarray]:
    """Random OHLCV-like inputs for `name` (a few NaNs among the first bars)."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    cols = {
        "open": close + rng.normal(0, 0.3, n), "close": close,
        "high": close + rng.uniform(0, 1, n), "low": close - rng.uniform(0, 1, n),
        "volume": rng.uniform(1e3, 1e4, n), "real": close, "real0": close,
        "real1": close * 0.5 + rng.normal(0, 1, n), "session": np.floor(np.arange(n) / 40.0),
        "periods": rng.uniform(-2, 40, n),  # MAVP
    }
    out = [cols[k].copy() for k in SPECS[name].inputs]
    for k, a in zip(SPECS[name].inputs, out):
        if k != "session":
            a[[3, 17]] = np.nan
    return out


def warm(name: str) -> tuple[stream.Indicator, list[np.ndarray]]:
    """A default `name` after WARM bars, and the next AFTER bars to feed."""
    x = bars(name, WARM + AFTER, seed=len(name))
    s = getattr(stream, name)()
    s.update_many(*[a[:WARM] for a in x])
    return s, [a[WARM:] for a in x]


def outputs(s: stream.Indicator, nxt: list[np.ndarray]) -> np.ndarray:
    out = s.update_many(*nxt)
    return np.column_stack(out) if isinstance(out, tuple) else np.asarray(out)[:, None]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a.view(np.uint64), b.view(np.uint64)))


def fields_span(data: bytes) -> tuple[int, int]:
    """[start, end) of the state's fields inside saved bytes (layout: ta/registry.hpp)."""
    pos = 8 + 4
    (n_name,) = struct.unpack_from("<I", data, pos)
    pos += 4 + n_name
    (n_params,) = struct.unpack_from("<I", data, pos)
    pos += 4 + 8 * n_params
    (n_fields,) = struct.unpack_from("<Q", data, pos)
    return pos + 8, pos + 8 + n_fields


def reseal(body: bytes) -> bytes:
    """`body` (a state without its checksum) with a valid checksum: a crafted state."""
    return body + _core.ta._checksum(body).to_bytes(8, "little")


def corruptions(data: bytes) -> Iterator[bytes]:
    """Every byte offset overwritten with each hostile 8-byte value; truncations; extensions."""
    for off in range(len(data)):
        for v in HOSTILE:
            bad = data[:off] + v[: len(data) - off] + data[off + 8:]
            if bad != data:
                yield bad
    for n in range(len(data)):
        yield data[:n]
    for tail in (b"\x00", b"\xff" * 8, bytes(100)):
        yield data + tail
    for n in (1, 8, 64, len(data)):
        yield b"\xff" * n


@pytest.mark.parametrize("name", NAMES)
def test_every_corruption_is_refused_or_harmless(name: str) -> None:
    s, nxt = warm(name)
    data = s.save()
    expected = outputs(s.copy(), nxt)
    loaded = 0
    for bad in corruptions(data):
        try:
            got = stream.load(bad)
        except ThreadXError:
            continue
        loaded += 1  # only harmless if it continues exactly as the intact state
        assert type(got) is type(s) and same_bits(outputs(got, nxt), expected), name
    assert loaded == 0, f"{name}: {loaded} corrupted states loaded (the checksum should refuse them)"


@pytest.mark.parametrize("name", NAMES)
def test_crafted_fields_with_a_valid_checksum_cannot_crash(name: str) -> None:
    """The fields' own checks, past the checksum: hostile values anywhere, cut fields."""
    s, nxt = warm(name)
    data = s.save()
    start, end = fields_span(data)
    body = data[:-8]
    refused = 0
    for off in range(start, end):
        for v in HOSTILE:
            try:
                got = stream.load(reseal(body[:off] + v[: end - off] + body[off + 8:]))
            except ValidationError:
                refused += 1
                continue
            out = outputs(got, nxt)  # may differ (a sum changed), must not crash or hang
            assert out.shape == (AFTER, len(SPECS[name].outputs))
    assert refused > 0
    for cut in range(start, end, 3):  # fields cut short, their length fixed up to match
        short = body[: start - 8] + struct.pack("<Q", cut - start) + body[start:cut]
        with pytest.raises(ValidationError, match="state"):
            stream.load(reseal(short))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("at", [0, 1, 5, 37, WARM])
def test_round_trip_continues_bit_for_bit(name: str, at: int) -> None:
    x = bars(name, at + AFTER, seed=3)
    s = getattr(stream, name)()
    s.update_many(*[a[:at] for a in x])
    nxt = [a[at:] for a in x]
    data = s.save()
    for again in (stream.load(data), stream.load(bytearray(data)), pickle.loads(pickle.dumps(s))):
        assert type(again) is type(s) and again.params == s.params and again.bars == s.bars
        assert again.save() == data
        assert same_bits(outputs(again, nxt), outputs(s.copy(), nxt)), name


def test_ring_head_of_the_issue_is_refused_through_pickle_too() -> None:
    """The reproducer of the issue: MOM's ring head overwritten inside a pickle."""
    s = stream.MOM()
    s.update_many(np.linspace(1.0, 30.0, 300))
    data = s.save()
    start, _ = fields_span(data)
    (cap,) = struct.unpack_from("<Q", data, start + 1 + 8)  # started, bars, then the ring's size
    head = start + 1 + 8 + 8 + 8 * cap
    assert struct.unpack_from("<q", data, head)[0] == 300 % cap
    pickled = pickle.dumps(s)
    at = pickled.index(data) + head
    for v in (10**12, 10**6):
        bad = pickled[:at] + v.to_bytes(8, "little") + pickled[at + 8:]
        with pytest.raises(ValidationError, match="state.checksum"):
            pickle.loads(bad)
        crafted = reseal(data[:head] + v.to_bytes(8, "little") + data[head + 8:-8])
        with pytest.raises(ValidationError, match="Ring.head"):
            stream.load(crafted)


@pytest.mark.parametrize("value", [2, 7, 255])
def test_a_bool_that_is_not_0_or_1_is_refused(value: int) -> None:
    s = stream.EMA()
    s.update_many(np.arange(1.0, 100.0))
    data = s.save()
    start, _ = fields_span(data)  # the first field is the stream's `started` flag
    with pytest.raises(ValidationError, match="flag"):
        stream.load(reseal(data[:start] + bytes([value]) + data[start + 1:-8]))


def test_another_version_indicator_or_parameters_is_refused() -> None:
    data = stream.SMA(timeperiod=10).save()
    newer = reseal(data[:8] + struct.pack("<I", 2) + data[12:-8])
    with pytest.raises(ValidationError, match="state.version") as e:
        stream.load(newer)
    assert e.value.errors[0]["value"] == "2"
    with pytest.raises(ValidationError, match="state.name"):
        stream.EMA(timeperiod=10)._load(data)
    with pytest.raises(ValidationError, match="state.params"):
        stream.SMA(timeperiod=20)._load(data)
    renamed = reseal(data[:16] + b"XMA" + data[19:-8])
    with pytest.raises(ValidationError, match="state.name"):
        stream.load(renamed)
    start, _ = fields_span(data)
    bad_param = reseal(data[: start - 16] + struct.pack("<d", 1e9) + data[start - 8:-8])
    with pytest.raises(ValidationError, match="state.params"):
        stream.load(bad_param)


@pytest.mark.parametrize("data", [None, "abc", 5, [1, 2]])
def test_load_takes_bytes_only(data: object) -> None:
    with pytest.raises(ValidationError, match="data"):
        stream.load(data)  # type: ignore[arg-type]
