"""Engines: where the sketch kernel runs over a snapshot.

Every engine reads a file or a folder of part files, decides column kinds on the
first batch (as ``attrib.api.sketch_table`` does), runs the same kernel (normalise,
keyed tokens, ``build_sketch``) per batch or per partition, merges the partial
sketches with ``merge_sketches`` and stores the same metadata. The sketch files they
write are identical byte for byte.

* ``local``: this process, streaming batch after batch (``attrib.engines.local``).
* ``spark``: Apache Spark executors, per partition (``attrib.engines.spark``); needs
  the optional PySpark dependency, imported only when the engine is asked for.

Engines are looked up by name, the way splink picks a database backend, so that the
optional one costs nothing when it is not used.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from attrib.errors import UsageError
from attrib.sketch import Sketch, SketchParams
from attrib.tokens import CaseKey

#: Engine name -> "module:class", imported on demand.
ENGINES: dict[str, str] = {
    "local": "attrib.engines.local:LocalEngine",
    "spark": "attrib.engines.spark:SparkEngine",
}
DEFAULT_ENGINE = "local"


class EngineName(StrEnum):
    """The engines' names, for command-line choices."""

    local = "local"
    spark = "spark"


class Engine(Protocol):
    """What the API needs from an engine."""

    name: str

    def sketch(
        self,
        path: Path,
        key: CaseKey,
        params: SketchParams,
        *,
        kind: str,
        meta: dict[str, Any],
        mapping: Mapping[str, str] | None = None,
        sheet: str | None = None,
        exact: bool,
        max_rows: int | None = None,
        batch_rows: int | None = None,
        progress: bool = False,
    ) -> Sketch:
        """Sketch a file or folder; the result carries ``meta`` and the input's facts."""
        ...


def get_engine(name: str = DEFAULT_ENGINE, *, master: str | None = None) -> Engine:
    """Create an engine by name.

    Args:
        name: ``local`` or ``spark``.
        master: The Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``);
            only for the Spark engine.

    Raises:
        UsageError: Unknown engine, a master for the local engine, or PySpark missing.
    """
    if name not in ENGINES:
        raise UsageError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    if master is not None and name != "spark":
        raise UsageError("--master applies to the Spark engine only; add --engine spark")
    module, _, cls = ENGINES[name].partition(":")
    engine_cls = getattr(importlib.import_module(module), cls)
    return engine_cls(master=master) if name == "spark" else engine_cls()


def resolve(engine: str | Engine | None) -> Engine:
    """Accept an engine object or name (None: the default engine)."""
    if engine is None or isinstance(engine, str):
        return get_engine(engine or DEFAULT_ENGINE)
    return engine


__all__ = ["DEFAULT_ENGINE", "ENGINES", "Engine", "EngineName", "get_engine", "resolve"]
