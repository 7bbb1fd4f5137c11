"""Deciding whether a first row is a header, and naming columns.

A first row is taken as a header when

* more of its cells are known labels (姓名, 手机号, name, phone, ...) than look like
  data values; or
* none of its cells looks like a value (an 11-digit phone, an 18-character ID, a date,
  an e-mail, a plate, a number) and at least one of them contradicts the shape that
  dominates its column below (a column of phones under a cell that is not a phone); or
* there is no shape evidence at all and its cells look like labels: all filled in,
  all distinct, none containing a digit.

Otherwise the first row is data. The decision is reported in notes without quoting
any cell.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

Cell = str | None

# Chinese label words, matched as substrings: none of them occurs inside a real name,
# phone, ID or address value.
_ZH_SUBSTRINGS = (
    "姓名", "名字", "手机", "电话", "号码", "联系方式", "联系人", "身份证", "证件", "地址",
    "住址", "出生", "生日", "日期", "车牌", "邮箱", "邮件", "性别", "年龄", "编号",
    "序号", "备注", "时间", "账号", "帐号", "卡号", "车架", "发动机", "邮编", "学历",
    "职业", "民族", "籍贯", "户籍", "手机号", "金额",
)  # fmt: skip
# Chinese labels matched only as the whole cell: as substrings they occur in values.
_ZH_EXACT = {
    "省", "市", "区", "县", "省份", "城市", "区县", "公司", "单位", "客户", "用户", "名称",
    "类型", "状态", "来源", "车型", "保险", "渠道", "银行", "网点", "街道", "小区",
    "品牌", "型号",
}  # fmt: skip
_EN_WORDS = {
    "name", "firstname", "lastname", "fullname", "surname", "username", "phone",
    "mobile", "tel", "telephone", "cell", "cellphone", "msisdn", "id", "idno", "idcard",
    "ssn", "address", "addr", "email", "mail", "plate", "license", "licence",
    "birth", "birthday", "birthdate", "dob", "gender", "sex", "age", "city", "province",
    "district", "country", "zip", "zipcode", "postcode", "date", "time", "no", "number",
    "num", "customer", "user", "member", "vin", "car", "vehicle", "company", "remark",
    "remarks", "note", "notes", "amount", "account", "card", "bank", "status", "type",
    "code", "qq", "wechat", "contact", "created", "updated", "uid", "idx", "index",
    "first", "last", "full", "given", "family",
}  # fmt: skip

_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("phone", re.compile(r"(?:\+?86)?1[3-9]\d{9}|1[3-9]\d\*{4}\d{4}|0\d{2,3}-?\d{7,8}")),
    ("national_id", re.compile(r"\d{17}[\dXx]|\d{15}|\d{3,6}\*{4,12}\d{0,4}[\dXx]")),
    (
        "date",
        re.compile(
            r"(?:19|20)\d\d(?:[-/.年]\d{1,2}[-/.月]\d{1,2}日?|(?:0[1-9]|1[0-2])\d\d)"
            r"(?:[ T]\d{1,2}:\d\d(?::\d\d(?:\.\d+)?)?)?"
        ),
    ),
    ("email", re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")),
    ("plate", re.compile(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}")),
    ("number", re.compile(r"[-+]?\d+(?:\.\d+)?")),
)
_STRONG = {"phone", "national_id", "date", "email", "plate"}
_SEPARATORS = re.compile(r"[\s\-·]")
_EN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
SAMPLE_ROWS = 200
_DOMINANT = 0.5  # share of a column's values that makes its shape "dominant"


def shape_of(cell: Cell) -> str | None:
    """Return the value shape of a cell (``phone``, ``date``, ...), or None for text."""
    if cell is None:
        return None
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", cell)).upper()
    if not text:
        return None
    for name, pattern in _SHAPES:
        if pattern.fullmatch(text):
            return name
    return None


def is_label(cell: Cell) -> bool:
    """True when a cell is a known column label in Chinese or English."""
    if cell is None:
        return False
    text = unicodedata.normalize("NFKC", cell).strip()
    if not text or len(text) > 40:
        return False
    if text in _ZH_EXACT or (len(text) <= 12 and any(w in text for w in _ZH_SUBSTRINGS)):
        return True
    if shape_of(text):
        return False
    # English: short, and at least half its words are label words ("Customer Name",
    # "mobile_no") -- "China Merchants Bank" in a data row is not a label.
    words = [w for w in _EN_SPLIT.split(_CAMEL.sub(" ", text).lower()) if w]
    hits = sum(1 for w in words if w in _EN_WORDS)
    return 0 < len(words) <= 4 and hits * 2 >= len(words)


def dominant_shapes(rows: Sequence[Sequence[Cell]], width: int) -> list[str | None]:
    """Return, per column, the shape shared by at least half of its non-empty values."""
    result: list[str | None] = []
    for col in range(width):
        values = [r[col] for r in rows if col < len(r) and r[col] not in (None, "")]
        counts = Counter(shape_of(v) for v in values)
        shape, count = counts.most_common(1)[0] if counts else (None, 0)
        result.append(shape if shape and count >= _DOMINANT * len(values) else None)
    return result


def decide_header(first: Sequence[Cell], below: Sequence[Sequence[Cell]]) -> tuple[bool, str]:
    """Decide whether ``first`` is a header row, given up to 200 rows below it.

    Args:
        first: The cells of the first non-empty row.
        below: The following rows (same width), used for their value shapes.

    Returns:
        ``(is_header, note)`` where the note explains the decision without values.
    """
    dominant = dominant_shapes(below[:SAMPLE_ROWS], len(first))
    labels = sum(1 for c in first if is_label(c))
    shapes = [shape_of(c) for c in first]
    data = sum(
        1
        for shape, dom in zip(shapes, dominant, strict=True)
        if shape is not None and (shape == dom or (dom is None and shape in _STRONG))
    )
    if labels > data:
        return True, f"first row is a header: {labels} of {len(first)} cells are known labels"
    if data:
        return False, f"no header: {data} first-row cell(s) look like the values below them"
    contradicted = sum(
        1
        for cell, shape, dom in zip(first, shapes, dominant, strict=True)
        if dom is not None and cell not in (None, "") and shape != dom
    )
    if contradicted:
        return True, (
            f"first row is a header: {contradicted} cell(s) differ in shape from their column"
        )
    if _label_like(first):
        return True, "first row is a header: its cells are distinct text without digits"
    return False, "no header: the first row does not look like labels"


def _label_like(first: Sequence[Cell]) -> bool:
    cells = [(c or "").strip() for c in first]
    return (
        all(cells)
        and len(set(cells)) == len(cells)
        and not any(ch.isdigit() for c in cells for ch in c)
    )


def column_names(cells: Sequence[Cell]) -> list[str]:
    """Turn header cells into unique column names.

    Cells are stripped; an empty cell at position i (1-based) becomes ``col<i>``; a
    repeated name gets ``_2``, ``_3``, ... (skipping names already in use).
    """
    names = [(c or "").strip() or f"col{i}" for i, c in enumerate(cells, 1)]
    return dedupe(names)


def positional_names(width: int) -> list[str]:
    """Return ``col1..colN`` for a headerless table."""
    return [f"col{i}" for i in range(1, width + 1)]


def dedupe(names: Sequence[str]) -> list[str]:
    """Make names unique: the first keeps its name, later ones get ``_2``, ``_3``, ..."""
    taken = set(names)
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        final = name
        if name in seen:
            k = 2
            while f"{name}_{k}" in taken:
                k += 1
            final = f"{name}_{k}"
            taken.add(final)
        seen.add(final)
        out.append(final)
    return out
