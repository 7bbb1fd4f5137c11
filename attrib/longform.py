"""The long form of a list's keyed tokens (``row``, ``type``, ``token``, ``anchor``),
split by token type without comparing strings row by row.

:func:`attrib.tokens.record_tokens` and :func:`attrib.tokens.masked_record_tokens`
emit one contiguous run of rows per token type, so the split is a run-length pass over
the ``type`` column and zero-copy slices (filtering a 2-million-row frame by a string
type eight times, or ``partition_by`` on it, cost 20-60 ms a 250,000-row batch).
A frame whose types are not contiguous is split by ``partition_by``.
"""

from __future__ import annotations

import polars as pl


def split_by_type(tokens: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The rows of each token type, in their order in ``tokens``.

    Args:
        tokens: keyed tokens in long form (any columns, one of them ``type``).

    Returns:
        ``{type: rows of that type}``; types absent from ``tokens`` are absent.
    """
    if tokens.height == 0:
        return {}
    runs = tokens["type"].rle().struct.unnest()
    types = runs["value"].to_list()
    if len(set(types)) != len(types):  # a type in several runs: not our own long form
        return {str(t): part for (t,), part in
                tokens.partition_by("type", as_dict=True, maintain_order=True).items()}
    out: dict[str, pl.DataFrame] = {}
    start = 0
    for t, n in zip(types, runs["len"].to_list(), strict=True):
        out[str(t)] = tokens.slice(start, n)
        start += n
    return out


def tokens_of(parts: dict[str, pl.DataFrame], token_type: str,
              column: str = "token") -> pl.Series:
    """One column of one type's rows (empty UInt64 when the type is absent)."""
    part = parts.get(token_type)
    if part is None:
        return pl.Series(column, [], dtype=pl.UInt64)
    return part[column]
