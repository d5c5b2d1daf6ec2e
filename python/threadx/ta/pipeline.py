"""Indicator graphs: named nodes whose inputs are data columns or other nodes.

    pipe = ta.Pipeline(
        macd=ta.Node("MACD", real="close"),
        signal=ta.Node("EMA", of="macd.macd", timeperiod=9),
        rsi=ta.Node("RSI", timeperiod=14),           # real defaults to the close column
        atr=ta.Node("ATR", timeperiod=14),           # high/low/close columns
    )
    out = pipe.run(df)    # DataFrame: macd.macd, macd.macdsignal, macd.macdhist, signal, rsi, atr

A reference is a data column (``"close"``), a node (``"rsi"``, for single-output
nodes) or a node's output (``"macd.macdsignal"``).  Unset inputs default to the column
of the same name (``real`` to ``close``).  The graph is checked when it is built: an
unknown function, parameter or reference, or a cycle (reported as the whole chain,
``a -> b -> c -> a``), raises ValidationError.  ``run`` computes each node once, in
topological order; nodes of one level run in parallel (the C++ core releases the GIL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_int, as_values
from threadx.errors import ValidationError
from threadx.ta import _api

__all__ = ["Node", "Pipeline"]

COLUMNS = ("open", "high", "low", "close", "volume")


class Node:
    """One indicator of a pipeline: ``Node("EMA", of="macd.macd", timeperiod=9)``.

    Keyword arguments named like the function's inputs are references; ``of=`` is the
    single input of a one-input function; every other keyword is a parameter.
    """

    def __init__(self, function: str, *, of: str | None = None, **kwargs: Any) -> None:
        self.function = function
        s = _api.spec(function)  # unknown names raise here
        self.inputs: dict[str, str] = {}
        self.params: dict[str, Any] = {}
        for k, v in kwargs.items():
            (self.inputs if k in s.inputs else self.params)[k] = v
        if of is not None:
            if len(s.inputs) != 1:
                raise ValidationError([{"field": "of", "value": repr(of),
                                        "message": f"{function} takes {len(s.inputs)} inputs; name them"}])
            self.inputs[s.inputs[0]] = of
        for name in s.inputs:
            self.inputs.setdefault(name, "close" if name in ("real", "real0") else
                                   "high" if name == "real1" else name)
        self.spec = s

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.spec.outputs

    def __repr__(self) -> str:
        args = [f"{k}={v!r}" for k, v in {**self.inputs, **self.params}.items()]
        return f"Node({self.function!r}, {', '.join(args)})"


def _column_names(columns: Any, errors: FieldErrors) -> tuple[str, ...]:
    """The data's column names (lowercase), or COLUMNS after reporting why ``columns`` is not a
    sequence of strings."""
    if isinstance(columns, str) or not isinstance(columns, (Sequence, set, frozenset)) or \
            not all(isinstance(c, str) for c in columns):
        errors.add("columns", columns, "must be a sequence of column names (strings), such as "
                   "('open', 'high', 'low', 'close', 'volume')")
        return COLUMNS
    return tuple(c.lower() for c in columns)


class Pipeline:
    """A validated graph of indicator nodes (see the module docstring)."""

    def __init__(self, nodes: Mapping[str, Node] | None = None, *, columns: tuple[str, ...] = COLUMNS,
                 **named: Node) -> None:
        self.nodes: dict[str, Node] = {**(nodes or {}), **named}
        errors = FieldErrors()
        self.columns = _column_names(columns, errors)
        errors.raise_if_any()
        self._plans: dict[str, Any] = {}  # each node's parameters, validated once, here
        for name, node in self.nodes.items():
            if not isinstance(node, Node):
                errors.add(name, node, "must be a threadx.ta.Node")
                continue
            if "." in name or name in self.columns:
                errors.add(name, name, "a node name must not contain '.' or repeat a data column")
            one = FieldErrors()
            known = {p.name for p in node.spec.params} | set(node.spec.keywords)  # candle_settings: taken here
            for k in sorted(set(node.params) - known):
                one.add(k, node.params[k], f"is not a parameter or input of {node.function}")
            params = {k: v for k, v in node.params.items() if k in known}
            sets, swept, _ = _api.param_grid(node.spec, params, one)
            if swept:
                one.add(swept[0], params[swept[0]], "a pipeline node takes one value per parameter")
            elif sets.shape[0]:
                try:
                    self._plans[name] = _core.ta.validate(node.function, sets)
                except ValidationError as exc:
                    one.extend(exc)
            for e in one.items:
                errors.add(f"{name}.{e['field']}", e["value"], e["message"])
            for inp, ref in node.inputs.items():
                problem = self._reference_problem(ref)
                if problem:
                    errors.add(f"{name}.{inp}", ref, problem)
        errors.raise_if_any()
        cycle = self._find_cycle()
        if cycle:
            chain = " \u2192 ".join(cycle)
            raise ValidationError([{"field": cycle[0], "value": chain, "message": f"the graph has a cycle: {chain}"}])
        self.levels = self._levels()

    # ------------------------------------------------------------------ structure

    def _reference_problem(self, ref: Any) -> str | None:
        if not isinstance(ref, str):
            return "must be a column name, a node or node.output"
        if ref.lower() in self.columns:
            return None
        node, _, out = ref.partition(".")
        if node not in self.nodes:
            return f"unknown input: not a node ({', '.join(self.nodes) or 'none'}) or a column ({', '.join(self.columns)})"
        outputs = self.nodes[node].outputs
        if out and out not in outputs:
            return f"{node} has outputs {', '.join(outputs)}"
        if not out and len(outputs) > 1:
            return f"{node} has several outputs; name one: {', '.join(node + '.' + o for o in outputs)}"
        return None

    def _deps(self, name: str) -> list[str]:
        out = []
        for ref in self.nodes[name].inputs.values():
            node = ref.partition(".")[0]
            if ref.lower() not in self.columns and node not in out:
                out.append(node)
        return out

    def _find_cycle(self) -> list[str] | None:
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        path: list[str] = []

        def visit(n: str) -> list[str] | None:
            state[n] = 1
            path.append(n)
            for d in self._deps(n):
                if state.get(d) == 1:
                    return path[path.index(d):] + [d]
                if d not in state:
                    found = visit(d)
                    if found:
                        return found
            path.pop()
            state[n] = 2
            return None

        for n in self.nodes:
            if n not in state:
                found = visit(n)
                if found:
                    return found
        return None

    def _levels(self) -> list[list[str]]:
        level: dict[str, int] = {}

        def depth(n: str) -> int:
            if n not in level:
                level[n] = 1 + max((depth(d) for d in self._deps(n)), default=-1)
            return level[n]

        for n in self.nodes:
            depth(n)
        out: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
        for n in self.nodes:
            out[level[n]].append(n)
        return out

    # ------------------------------------------------------------------ running

    def run(self, data: Any, *, max_workers: int | None = None) -> Any:
        """Compute every node on ``data`` (a DataFrame or dict of 1-D columns).

        Columns are numbers (float or integer dtypes; text is refused, not parsed).
        ``max_workers``: threads running the nodes of one level (default 2).
        Returns a DataFrame on the data's index for DataFrame input, else a dict of
        arrays; columns are node names, ``node.output`` for multi-output nodes.
        """
        errors = FieldErrors()
        workers = as_int(max_workers, "max_workers", errors, 2, minimum=1, none=2)
        if isinstance(data, pd.DataFrame):
            keys = {str(c).lower(): c for c in data.columns}
            index: pd.Index | None = data.index
        elif isinstance(data, Mapping):
            keys = {str(c).lower(): c for c in data.keys()}
            index = None
        else:
            raise ValidationError([{"field": "data", "value": type(data).__name__,
                                    "message": "must be a DataFrame or a dict of columns"}])
        needed = {ref.lower() for n in self.nodes.values() for ref in n.inputs.values()
                  if ref.lower() in self.columns}
        values: dict[str, np.ndarray] = {}
        for col in sorted(needed):
            if col not in keys:
                errors.add("data", f"columns {list(keys.values())!r}", f"has no {col!r} column, which the pipeline reads")
                continue
            column = as_values(data[keys[col]], errors, field=f"data[{keys[col]!r}]")
            if column is not None:
                values[col] = column.array
        errors.raise_if_any()

        def compute(name: str) -> dict[str, np.ndarray]:
            node = self.nodes[name]
            given = [values[self._key(node.inputs[i])] for i in node.spec.inputs]
            errors = FieldErrors()
            inputs = _api.gather_inputs(node.spec, given, errors)  # the inputs only: the plan holds the rest
            errors.raise_if_any()
            assert inputs is not None
            result = _api.wrap(node.spec, inputs, _api.run(self._plans[name], inputs), [], [])
            outs = result if isinstance(result, tuple) else (result,)
            if len(node.outputs) == 1:
                return {name: outs[0]}
            return {f"{name}.{o}": r for o, r in zip(node.outputs, outs)}

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="threadx-pipeline") as pool:
            for level in self.levels:
                for produced in pool.map(compute, level) if len(level) > 1 else map(compute, level):
                    values.update(produced)
        names = [k for n in self.nodes for k in self._produced(n)]
        if index is not None:
            return pd.DataFrame({k: values[k] for k in names}, index=index)
        return {k: values[k] for k in names}

    def _key(self, ref: str) -> str:
        if ref.lower() in self.columns:
            return ref.lower()
        node, _, out = ref.partition(".")
        return ref if out or len(self.nodes[node].outputs) > 1 else node

    def _produced(self, name: str) -> list[str]:
        outs = self.nodes[name].outputs
        return [name] if len(outs) == 1 else [f"{name}.{o}" for o in outs]

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self.nodes.items())
        return f"Pipeline({body})"
