"""E-mail addresses: trimmed, NFKC, lower case (``A.B@Example.COM`` → ``a.b@example.com``).

Valid shape: a dot-atom local part (letters, digits and ``!#$%&'+/=?^_`{|}~-``, dots
only between characters), ``@``, and a domain of dot-separated labels (letters, digits,
inner hyphens) ending in a top-level label of at least two letters. A ``*`` in the local
part (``abc***@163.com``, how Chinese sites show a hidden address) → status ``masked``.
Everything else, including internal whitespace, is invalid.
"""

from __future__ import annotations

import polars as pl

from attrib.fields._common import as_string_series, clean_series, is_missing, status_expr
from attrib.fields._fast import (
    empty,
    keep_where,
    status_column,
    string_buffers,
    with_residue,
)
from attrib.fields._kernels import CODE_VALID, canonical_email_kernel

_ATOM = r"[a-z0-9!#$%&'+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_VALID = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,}}$"
_MASKED = r"^[^@\s]*\*[^@\s]*@[^@\s]+$"


def normalise_email(s: pl.Series) -> pl.DataFrame:
    """Canonicalise e-mail addresses.

    Args:
        s: String series of raw addresses.

    Returns:
        A frame aligned with ``s`` with ``value`` (lower-case address or null) and
        ``status`` (valid/invalid/masked/missing).
    """
    raw = as_string_series(s)
    # One pass over the bytes settles the valid addresses already in lower case
    # (nearly every row of a real list); the rest take the general rules.
    offsets, data, null = string_buffers(raw)
    codes = empty(null.size)
    canonical_email_kernel(offsets, data, null, codes)
    frame = pl.DataFrame([keep_where("value", raw, codes == CODE_VALID), status_column(codes)])
    return with_residue(frame, codes, raw, _general)


def _general(s: pl.Series) -> pl.DataFrame:
    """Every rule of the module docstring, for raw values (what the kernel leaves)."""
    t = pl.col("t")
    frame = pl.DataFrame(clean_series(s)).lazy()
    frame = frame.with_columns(is_missing(t).alias("missing"), t.str.to_lowercase())
    missing, masked, valid = pl.col("missing"), t.str.contains(_MASKED), t.str.contains(_VALID)
    # Lazy, so the optimiser computes each shared condition once.
    return frame.select(
        pl.when(valid & ~missing & ~masked).then(t).alias("value"),
        status_expr(missing, masked, valid).alias("status"),
    ).collect()
