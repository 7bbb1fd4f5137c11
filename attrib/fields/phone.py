"""Phone numbers → E.164 digits without ``+`` (``8613812345678``).

Rules (region ``"CN"``, the default), applied with polars expressions:

* NFKC first, so full-width digits and punctuation become ASCII.
* Masked mobiles (``138****1234``, ``138xxxx1234``, ``138●●●●1234``, optionally with a
  ``+86``/``0086``/``86`` prefix and separators) → status ``masked``, ``masked`` holds
  the canonical mask with ``*`` (``138****1234``), ``value`` is null.
* Extensions are dropped: ``转123``, ``分机123``, ``ext. 123``, ``x123``, ``#123`` and a
  trailing ``-123`` after a complete landline (``010-88886666-123``).
* Separators (spaces, dashes, dots, slashes, parentheses) are removed.
* Mobiles ``1[3-9]`` + 9 digits → ``86`` + number.
* Geographic landlines ``0`` + area code (``10``, ``2x``, or ``[3-9]xx`` but not
  ``x00``) + a 7–8 digit
  local number starting 2–9 → ``86`` + area code without the trunk ``0`` + number
  (``010-88886666`` → ``861088886666``). With a country prefix the trunk 0 is optional.
* ``+86``/``0086`` numbers that fail these rules (service numbers such as 400/800/95xxx,
  typos) are invalid: CN numbers are judged by these rules only, so a canonical CN
  value always normalises to itself.
* Numbers starting ``+`` or ``00`` with another country code are validated with the
  ``phonenumbers`` library, once per distinct value. Bare digit strings of 10–15 digits
  that start 2–9 and not ``86`` are tried the same way with a ``+`` prepended, so the
  canonical form of a foreign number normalises to itself. Two consequences: foreign
  numbers shorter than 10 digits in E.164 (a few small territories) are invalid, since
  their bare form could not be told from a local number; and NANP numbers (country
  code 1) only round-trip as ``+`` + canonical, since a bare ``1…`` string is always
  read as a CN mobile.
* Any other region: every distinct value goes through ``phonenumbers`` with that region
  (a digit string that is not a valid national number is retried as international).
"""

from __future__ import annotations

import polars as pl

from attrib.fields._common import (
    INVALID,
    MASKED,
    MISSING,
    VALID,
    apply_where,
    as_string_series,
    clean_series,
    is_missing,
    map_distinct,
    split_rows,
)
from attrib.fields._fast import (
    empty,
    fixed_width_column,
    status_column,
    string_buffers,
    with_residue,
)
from attrib.fields._kernels import CODE_MASKED, CODE_VALID, mobile_kernel

_SEPARATORS = r"[\s\-\.\(\)/\\]"
# Characters sellers use to hide digits; NFKC has already turned ＊ into *.
_MASK = "*xX●•○◯■□◆◇"
_MASKED_MOBILE = rf"^(?:\+86|0086|86)?(1[3-9{_MASK}][0-9{_MASK}]{{9}})$"
# Applied once separators are gone, so "ext. 123" reads "ext123".
_EXTENSION = r"(?i)(?:转|分机|ext|x|#)\d{1,6}$"
# A complete landline followed by "-<extension>": keep the number, drop the extension.
_DASH_EXTENSION = r"^((?:\+?86[\s-]?|0086[\s-]?)?\(?0?\d{2,3}\)?[\s-]?\d{7,8})[\s-]+\d{1,5}$"
_PLAIN_MOBILE = r"^1[3-9]\d{9}$"
_MOBILE = r"^(?:\+86|0086|86)?(1[3-9]\d{9})$"
# Area codes: 10, 2x, or three digits from 3-9 never ending in 00 (400/800 are
# nationwide service prefixes, not areas).
_LANDLINE = r"^(?:(?:\+86|0086|86)0?|0)(10|2\d|[3-9](?:0[1-9]|[1-9]\d))([2-9]\d{6,7})$"
_PREFIXED_FOREIGN = r"^(?:\+|00)\d{6,17}$"
_BARE_FOREIGN = r"^[2-9]\d{9,14}$"
_MIN_FOREIGN_DIGITS = 10


def normalise_phone(s: pl.Series, region: str = "CN") -> pl.DataFrame:
    """Normalise phone numbers to E.164 digits without ``+``.

    Args:
        s: String series of raw phone numbers.
        region: Default region for numbers without a country code; ``"CN"`` uses the
            fast vectorised rules described in the module docstring.

    Returns:
        A frame aligned with ``s`` with columns ``value`` (canonical or null),
        ``status`` (valid/invalid/masked/missing) and ``masked`` (``138****1234`` where
        masked, else null).
    """
    return phone_frame(s, region=region, bare_foreign=True)


def phone_frame(s: pl.Series, *, region: str = "CN", bare_foreign: bool = True) -> pl.DataFrame:
    """Implementation of :func:`normalise_phone`.

    ``bare_foreign=False`` (used by column detection) never reads a bare digit string as
    a foreign number, so a column of long numeric codes does not look like phones.
    """
    if region != "CN":
        return _full_rules(clean_series(s), region, bare_foreign)
    raw = as_string_series(s)
    # One pass over the bytes settles the mobiles and masked mobiles written in ASCII
    # (with separators and a country prefix or not): nearly every row of a real list.
    offsets, data, null = string_buffers(raw)
    n = null.size
    codes, value_data, mask_data = empty(n), empty(13 * n), empty(11 * n)
    mobile_kernel(offsets, data, null, codes, value_data, mask_data)
    frame = pl.DataFrame(
        [
            fixed_width_column("value", value_data, codes == CODE_VALID, 13),
            status_column(codes),
            fixed_width_column("masked", mask_data, codes == CODE_MASKED, 11),
        ]
    )
    return with_residue(frame, codes, raw, lambda rest: _general_cn(rest, bare_foreign))


def _general_cn(s: pl.Series, bare_foreign: bool) -> pl.DataFrame:
    """Every CN rule, for raw values (what ``_kernels.mobile_kernel`` leaves)."""
    t = clean_series(s)
    # Two cheap tiers settle most of what is left: the bare 11-digit mobile, then any
    # mobile or masked mobile once separators and a +86 prefix are dropped.
    return split_rows(
        t.str.contains(_PLAIN_MOBILE),
        lambda rows: _mobile_result(t.gather(rows)),
        lambda rows: _short_forms(t.gather(rows), bare_foreign),
    )


def _short_forms(t: pl.Series, bare_foreign: bool) -> pl.DataFrame:
    """Mobiles and masked mobiles with separators or a prefix; full rules for the rest."""
    body = t.str.replace_all(_SEPARATORS, "").str.extract(_MASKED_MOBILE, 1)
    return split_rows(
        body.is_not_null(),
        lambda rows: _mobile_result(body.gather(rows)),
        lambda rows: _full_rules(t.gather(rows), "CN", bare_foreign),
    )


def _mobile_result(body: pl.Series) -> pl.DataFrame:
    """Result for 11-character mobile bodies, digits or masked (null elsewhere)."""
    is_masked = body.str.contains(r"[^0-9]").fill_null(False)
    b, masked = pl.col("b"), pl.col("is_masked")
    return (
        pl.DataFrame(
            {
                "b": body,
                "m": apply_where(body, is_masked, _canonical_mask),
                "is_masked": is_masked,
            }
        )
        .lazy()
        .select(
            pl.when(~masked).then(pl.lit("86") + b).alias("value"),
            pl.when(b.is_null())
            .then(pl.lit(INVALID))
            .when(masked)
            .then(pl.lit(MASKED))
            .otherwise(pl.lit(VALID))
            .alias("status"),
            pl.when(masked).then(pl.col("m")).alias("masked"),
        )
        .collect()
    )


def _canonical_mask(body: pl.Series) -> pl.Series:
    """Every mask character written ``*``."""
    return body.str.replace_all(f"[{_MASK}]", "*")


def _full_rules(t: pl.Series, region: str, bare_foreign: bool) -> pl.DataFrame:
    """Every rule of the module docstring, for cleaned values."""
    steps = (
        pl.DataFrame({"t": t})
        .lazy()
        .with_columns(
            is_missing(pl.col("t")).alias("missing"),
            pl.col("t")
            .str.replace(_DASH_EXTENSION, "$1")
            .str.replace_all(_SEPARATORS, "")
            .alias("compact"),
        )
        .with_columns(pl.col("compact").str.extract(_MASKED_MOBILE, 1).alias("mask_body"))
        .with_columns(
            pl.when(pl.col("mask_body").str.contains(r"[^0-9]"))
            .then(pl.col("mask_body").str.replace_all(f"[{_MASK}]", "*"))
            .alias("masked"),
            pl.col("compact").str.replace(_EXTENSION, "").alias("digits"),
        )
    )
    if region == "CN":
        steps = steps.with_columns(_cn_value(pl.col("digits")).alias("value"))
    else:
        steps = steps.with_columns(pl.lit(None, dtype=pl.String).alias("value"))
    frame = steps.with_columns(
        pl.when(pl.col("missing") | pl.col("masked").is_not_null())
        .then(None)
        .otherwise(pl.col("value"))
        .alias("value")
    ).collect()

    frame = _fill_foreign(frame, region, bare_foreign)
    status = (
        pl.when(pl.col("missing"))
        .then(pl.lit(MISSING))
        .when(pl.col("masked").is_not_null())
        .then(pl.lit(MASKED))
        .when(pl.col("value").is_not_null())
        .then(pl.lit(VALID))
        .otherwise(pl.lit(INVALID))
    )
    return frame.select(
        "value",
        status.alias("status"),
        pl.when(pl.col("missing")).then(None).otherwise(pl.col("masked")).alias("masked"),
    )


def _cn_value(digits: pl.Expr) -> pl.Expr:
    """Canonical value of CN mobiles and landlines, null for anything else."""
    mobile = digits.str.extract(_MOBILE, 1)
    landline = digits.str.extract_groups(_LANDLINE)
    landline_value = pl.concat_str(
        [pl.lit("86"), landline.struct.field("1"), landline.struct.field("2")]
    )
    return pl.when(mobile.is_not_null()).then(pl.lit("86") + mobile).otherwise(landline_value)


def _fill_foreign(frame: pl.DataFrame, region: str, bare_foreign: bool) -> pl.DataFrame:
    """Validate the rare non-CN numbers with phonenumbers, once per distinct value."""
    pending = pl.col("value").is_null() & ~pl.col("missing") & pl.col("masked").is_null()
    if region == "CN":
        digits = pl.col("digits")
        # Digits only: phonenumbers would read letters as a keypad (1-800-FLOWERS).
        intl = digits.str.contains(_PREFIXED_FOREIGN) & ~(
            digits.str.starts_with("+86") | digits.str.starts_with("0086")
        )
        if bare_foreign:
            bare = digits.str.contains(_BARE_FOREIGN) & ~digits.str.starts_with("86")
            intl = intl | bare
        candidate = pl.when(pending & intl).then(
            pl.when(digits.str.starts_with("00"))
            .then(pl.lit("+") + digits.str.slice(2))
            .when(digits.str.starts_with("+"))
            .then(digits)
            .otherwise(pl.lit("+") + digits)
        )
        parse_region = None
    else:
        candidate = pl.when(pending).then(pl.col("digits"))
        parse_region = region
    candidates = frame.select(candidate.alias("c")).to_series()
    if candidates.null_count() == candidates.len():
        return frame
    foreign = map_distinct(candidates, lambda v: _e164_digits(v, parse_region))
    if region == "CN":
        # A "+86" that slipped through as foreign text would break idempotence.
        foreign = pl.select(
            pl.when(foreign.str.starts_with("86")).then(None).otherwise(foreign)
        ).to_series()
    return frame.with_columns(pl.col("value").fill_null(foreign))


def _e164_digits(text: str, region: str | None) -> str | None:
    """Validated E.164 digits of one number via phonenumbers, or None.

    With a region, a digit string that is no valid national number is retried as
    international, so canonical values (E.164 without ``+``) normalise to themselves.
    """
    found = _parse_valid(text, region)
    if found is None and region is not None and text.isdigit():
        found = _parse_valid("+" + text, None)
    return found


def _parse_valid(text: str, region: str | None) -> str | None:
    """E.164 digits if phonenumbers parses ``text`` as a valid number, else None."""
    import phonenumbers  # here: few lists hold a number it is needed for (20 ms to load)

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    digits = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    return digits if len(digits) >= _MIN_FOREIGN_DIGITS else None
