"""Rendering canonical records the way an organisation or a seller writes them.

Rendering changes how a value is *written*, never what it *is*: ``8613812345678`` may
become ``+86 138 1234 5678``, ``138-1234-5678`` or full-width ``１３８１２３４５６７８``,
and ``1990-01-02`` may become ``1990年1月2日``, but normalising the rendered value gives
back the canonical one (masking, which hides digits, is the one lossy option and is
off unless asked for). Every choice is vectorised; per-row variation is drawn from
``Style.seed`` so a rendering is reproducible.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

KINDS = ("name", "phone", "national_id", "email", "birth_date", "address", "plate")

#: Header sets a file may use for the seven kinds. "abbr" is the pinyin-initial style
#: of some Chinese back-office exports (xm = 姓名, sjh = 手机号, ...).
HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "name": "Name",
        "phone": "Mobile",
        "national_id": "ID Number",
        "email": "Email",
        "birth_date": "Date of Birth",
        "address": "Address",
        "plate": "Plate No",
    },
    "en2": {
        "name": "Customer Name",
        "phone": "Phone",
        "national_id": "ID Card No.",
        "email": "E-mail",
        "birth_date": "DOB",
        "address": "Home Address",
        "plate": "License Plate",
    },
    "zh": {
        "name": "客户姓名",
        "phone": "手机号码",
        "national_id": "身份证号",
        "email": "电子邮箱",
        "birth_date": "出生日期",
        "address": "联系地址",
        "plate": "车牌号",
    },
    "zh2": {
        "name": "姓名",
        "phone": "电话",
        "national_id": "证件号码",
        "email": "邮箱",
        "birth_date": "生日",
        "address": "地址",
        "plate": "车牌号码",
    },
    "snake": {
        "name": "name",
        "phone": "mobile",
        "national_id": "id_no",
        "email": "email",
        "birth_date": "birthday",
        "address": "addr",
        "plate": "plate_no",
    },
    "abbr": {
        "name": "xm",
        "phone": "sjh",
        "national_id": "sfzh",
        "email": "yx",
        "birth_date": "csrq",
        "address": "dz",
        "plate": "cph",
    },
}

PHONE_FORMATS = (
    "plain",
    "dash",
    "space",
    "intl",
    "intl_compact",
    "intl_dash",
    "zero",
    "fullwidth",
    "masked",
)
DATE_FORMATS = ("iso", "slash", "slash_pad", "compact", "cn", "dot")
PLATE_FORMATS = ("plain", "dot", "space", "dash")
#: Formats a "mixed" column draws from per row (clerks typing by hand).
MIXED_PHONE = ("plain", "dash", "space", "intl", "intl_compact")
MIXED_DATE = ("iso", "slash", "compact", "cn")

_DIGITS = list("0123456789")
_WIDE_DIGITS = list("０１２３４５６７８９")


@dataclass(frozen=True)
class Style:
    """How a table is written.

    Attributes:
        headers: a key of ``HEADERS``, ``"none"`` (columns become col1..colN and the
            file is written without a header), or an explicit ``{kind: header}`` map.
        phone: one of ``PHONE_FORMATS`` or ``"mixed"``.
        date: one of ``DATE_FORMATS`` or ``"mixed"``.
        national_id: ``"upper"`` or ``"lower"`` (case of the X check character).
        plate: one of ``PLATE_FORMATS``.
        email: ``"lower"``, ``"upper"`` or ``"title"``.
        name: ``"plain"`` or ``"spaced"`` (a space after the surname).
        address: ``"plain"`` or ``"spaced"`` (spaces after 省/市/区).
        fullwidth: share of rows whose digits (phone, ID, date) are full-width.
        spaces: share of cells with stray leading/trailing spaces.
        masked_phone: share of phones written masked (``138****5678``); lossy.
        order: column order (kinds and other column names); others follow.
        seed: seed of the per-row choices.
    """

    headers: str | Mapping[str, str] = "en"
    phone: str = "plain"
    date: str = "iso"
    national_id: str = "upper"
    plate: str = "plain"
    email: str = "lower"
    name: str = "plain"
    address: str = "plain"
    fullwidth: float = 0.0
    spaces: float = 0.0
    masked_phone: float = 0.0
    order: tuple[str, ...] | None = None
    seed: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def has_header(self) -> bool:
        """False for the headerless style."""
        return self.headers != "none"

    def to_dict(self) -> dict:
        """JSON-able description (for manifests and truth dicts)."""
        d = asdict(self)
        d["headers"] = dict(self.headers) if isinstance(self.headers, Mapping) else self.headers
        d["order"] = list(self.order) if self.order else None
        d["notes"] = list(self.notes)
        return d


def fullwidth(expr: pl.Expr) -> pl.Expr:
    """ASCII digits to full-width digits (U+FF10..U+FF19)."""
    return expr.str.replace_many(_DIGITS, _WIDE_DIGITS)


def phone_expr(col: pl.Expr, fmt: str) -> pl.Expr:
    """A canonical phone (``86`` + 11 digits) written in one of ``PHONE_FORMATS``."""
    local = col.str.slice(2)
    a, b, c = local.str.slice(0, 3), local.str.slice(3, 4), local.str.slice(7)
    forms = {
        "plain": local,
        "dash": pl.concat_str([a, b, c], separator="-"),
        "space": pl.concat_str([a, b, c], separator=" "),
        "intl": pl.concat_str([pl.lit("+86"), a, b, c], separator=" "),
        "intl_compact": pl.concat_str([pl.lit("+86"), local]),
        "intl_dash": pl.concat_str([pl.lit("+86-"), local]),
        "zero": pl.concat_str([pl.lit("0086"), local]),
        "fullwidth": fullwidth(local),
        "masked": pl.concat_str([a, pl.lit("****"), c]),
    }
    if fmt not in forms:
        raise ValueError(f"unknown phone format {fmt!r}; use one of {PHONE_FORMATS}")
    return forms[fmt]


def date_expr(col: pl.Expr, fmt: str) -> pl.Expr:
    """An ISO date (possibly an impossible one, e.g. 1990-02-30) in one of DATE_FORMATS.

    Works on the text, not on parsed dates, so fabricated impossible dates survive.
    """
    y, m, d = col.str.slice(0, 4), col.str.slice(5, 2), col.str.slice(8, 2)
    m1, d1 = m.str.strip_chars_start("0"), d.str.strip_chars_start("0")
    forms = {
        "iso": col,
        "slash": pl.concat_str([y, m1, d1], separator="/"),
        "slash_pad": pl.concat_str([y, m, d], separator="/"),
        "compact": pl.concat_str([y, m, d]),
        "cn": pl.concat_str([y, pl.lit("年"), m1, pl.lit("月"), d1, pl.lit("日")]),
        "dot": pl.concat_str([y, m, d], separator="."),
    }
    if fmt not in forms:
        raise ValueError(f"unknown date format {fmt!r}; use one of {DATE_FORMATS}")
    return forms[fmt]


def plate_expr(col: pl.Expr, fmt: str) -> pl.Expr:
    """A canonical plate (京A12345) in one of PLATE_FORMATS."""
    sep = {"plain": "", "dot": "·", "space": " ", "dash": "-"}
    if fmt not in sep:
        raise ValueError(f"unknown plate format {fmt!r}; use one of {PLATE_FORMATS}")
    return pl.concat_str([col.str.slice(0, 2), pl.lit(sep[fmt]), col.str.slice(2)])


def _per_row(choice: pl.Expr, options: list[pl.Expr]) -> pl.Expr:
    """Pick ``options[choice]`` per row."""
    expr = options[-1]
    for i in range(len(options) - 2, -1, -1):
        expr = pl.when(choice == i).then(options[i]).otherwise(expr)
    return expr


def render(frame: pl.DataFrame, style: Style) -> pl.DataFrame:
    """Write canonical records the way ``style`` says.

    Args:
        frame: columns named after ``KINDS`` hold canonical values; ``person_id`` and
            columns starting with ``_`` are dropped; other columns pass through.
        style: the rendering.

    Returns:
        A new frame; kind columns are String and renamed to the style's headers.
    """
    rng = np.random.default_rng(style.seed)
    n = frame.height
    df = frame.drop([c for c in frame.columns if c == "person_id" or c.startswith("_")])
    kinds = [c for c in df.columns if c in KINDS]

    def rand() -> pl.Series:
        return pl.Series(rng.random(n))

    def pick(k: int) -> pl.Series:
        return pl.Series(rng.integers(0, k, n))

    exprs = []
    for kind in kinds:
        col = pl.col(kind).cast(pl.String)
        wide = rand() < style.fullwidth
        if kind == "phone":
            if style.phone == "mixed":
                expr = _per_row(
                    pl.lit(pick(len(MIXED_PHONE))), [phone_expr(col, f) for f in MIXED_PHONE]
                )
            else:
                expr = phone_expr(col, style.phone)
            if style.masked_phone > 0:
                expr = (
                    pl.when(pl.lit(rand() < style.masked_phone))
                    .then(phone_expr(col, "masked"))
                    .otherwise(expr)
                )
            expr = pl.when(pl.lit(wide)).then(fullwidth(expr)).otherwise(expr)
        elif kind == "birth_date":
            if style.date == "mixed":
                expr = _per_row(
                    pl.lit(pick(len(MIXED_DATE))), [date_expr(col, f) for f in MIXED_DATE]
                )
            else:
                expr = date_expr(col, style.date)
            expr = pl.when(pl.lit(wide)).then(fullwidth(expr)).otherwise(expr)
        elif kind == "national_id":
            expr = col.str.to_lowercase() if style.national_id == "lower" else col
            expr = pl.when(pl.lit(wide)).then(fullwidth(expr)).otherwise(expr)
        elif kind == "plate":
            expr = plate_expr(col, style.plate)
        elif kind == "email":
            expr = {
                "lower": col,
                "upper": col.str.to_uppercase(),
                "title": pl.concat_str([col.str.slice(0, 1).str.to_uppercase(), col.str.slice(1)]),
            }[style.email]
        elif kind == "name":
            expr = col
            if style.name == "spaced":
                expr = pl.concat_str([col.str.slice(0, 1), pl.lit(" "), col.str.slice(1)])
        else:  # address
            expr = col
            if style.address == "spaced":
                expr = col.str.replace_all("(省|市|区)", "${1} ").str.strip_chars_end(" ")
        if style.spaces > 0:
            lead = pl.lit(pl.Series(np.where(rng.random(n) < 0.5, " ", "")))
            trail = pl.lit(pl.Series(np.where(rng.random(n) < 0.5, "  ", " ")))
            spaced = pl.concat_str([lead, expr, trail])
            expr = pl.when(pl.lit(rand() < style.spaces)).then(spaced).otherwise(expr)
        exprs.append(expr.alias(kind))
    df = df.with_columns(exprs) if exprs else df

    if style.order:
        first = [c for c in style.order if c in df.columns]
        df = df.select(first + [c for c in df.columns if c not in first])
    if style.headers == "none":
        return df.rename({c: f"col{i + 1}" for i, c in enumerate(df.columns)})
    names = HEADERS[style.headers] if isinstance(style.headers, str) else style.headers
    return df.rename({k: names[k] for k in kinds if k in names})


# --------------------------------------------------------------------------- writing

FORMATS = ("csv", "tsv", "jsonl", "parquet", "xlsx")
_EXT = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}
#: Fixed document date written into XLSX files so the bytes are reproducible.
XLSX_CREATED = _dt.datetime(2025, 7, 1, 9, 0, 0)


def write_table(
    frame: pl.DataFrame,
    path: str | Path,
    fmt: str | None = None,
    encoding: str = "utf-8",
    header: bool = True,
    *,
    sheet: str = "Sheet1",
    notes: pl.DataFrame | None = None,
    notes_sheet: str = "notes",
    crlf: bool = False,
) -> Path:
    """Write a frame as CSV/TSV (any encoding), JSON Lines, Parquet or XLSX.

    Same frame and arguments give the same bytes (XLSX carries a fixed creation date).

    Args:
        frame: the table (any column types; nulls become empty cells).
        path: output file; parent folders are created.
        fmt: one of ``FORMATS``; inferred from the extension if omitted.
        encoding: text encoding of CSV/TSV (``utf-8``, ``utf-8-sig`` with BOM,
            ``gb18030``); JSON Lines is always UTF-8.
        header: write the header row (CSV/TSV/XLSX).
        sheet: name of the data sheet (XLSX).
        notes: a second, smaller sheet (XLSX), e.g. an export note.
        notes_sheet: its name.
        crlf: Windows line endings (CSV/TSV).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = fmt or _EXT.get(path.suffix.lower())
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r} for {path.name}; use one of {FORMATS}")
    if fmt in ("csv", "tsv"):
        text = frame.write_csv(
            None,
            separator="\t" if fmt == "tsv" else ",",
            include_header=header,
            line_terminator="\r\n" if crlf else "\n",
        )
        path.write_bytes(text.encode(encoding))
    elif fmt == "jsonl":
        path.write_bytes(frame.write_ndjson(None).encode("utf-8"))
    elif fmt == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True)
    else:
        _write_xlsx(frame, path, header, sheet, notes, notes_sheet)
    return path


def _write_xlsx(
    frame: pl.DataFrame,
    path: Path,
    header: bool,
    sheet: str,
    notes: pl.DataFrame | None,
    notes_sheet: str,
) -> None:
    import xlsxwriter

    # Keep text as text: no numbers, formulas or hyperlinks guessed from strings (an
    # exporter that turned phone numbers into floats would change the data).
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "constant_memory": True,
        },
    )
    wb.set_properties({"created": XLSX_CREATED})
    for name, table, with_header in ((sheet, frame, header), (notes_sheet, notes, True)):
        if table is None:
            continue
        ws = wb.add_worksheet(name)
        row0 = 0
        if with_header:
            ws.write_row(0, 0, table.columns)
            row0 = 1
        for r, values in enumerate(table.iter_rows(), start=row0):
            ws.write_row(r, 0, values)
    wb.close()
