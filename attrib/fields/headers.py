"""What a column header suggests about the column's kind.

Headers are only a hint: exports rename columns freely and headerless files have none.
A header is NFKC-normalised and lower-cased, then searched for the hints below. When
several hints occur, the one ending furthest right wins (then the longest): in Chinese
and English compounds the head noun comes last, so ``寄件人电话`` (sender's phone) is a
phone and ``hotel_name`` a name. Hints of three ASCII letters or fewer (``tel``,
``dob``, ``xm``) must stand alone as a word, so ``hotel`` is not a phone. Spaces,
dashes and dots count as ``_`` (``Date of Birth`` matches ``date_of_birth``).
"""

from __future__ import annotations

import re
import unicodedata

# Chinese, English, and the pinyin initials many Chinese databases use as column
# names (xm = 姓名, sjh = 手机号, sfzh = 身份证号, csrq = 出生日期, dz = 地址, ...).
_HINTS = {
    "name": "姓名 客户姓名 名字 真实姓名 收件人 寄件人 联系人 持卡人 投保人 被保险人 车主 "
    "name customer_name fullname full_name realname real_name xm xingming",
    "phone": "手机 手机号 手机号码 电话 联系电话 联系方式 mobile phone tel telephone "
    "cellphone msisdn sjh sjhm lxdh dh",
    "national_id": "身份证 身份证号 身份证号码 证件号 证件号码 id_card idcard national_id "
    "id_no idno id_number cert_no certificate_no sfz sfzh sfzhm zjhm",
    "birth_date": "出生日期 出生年月 出生 生日 birthday dob birth_date birthdate date_of_birth "
    "csrq",
    "address": "地址 住址 联系地址 收件地址 家庭住址 居住地址 户籍地址 address addr dz lxdz "
    "zz jtzz",
    "email": "邮箱 电子邮箱 电子邮件 email e-mail mail yx dzyx",
    "plate": "车牌 车牌号 车牌号码 号牌号码 plate license_plate plate_no cph cphm hphm",
}


def _normalise(header: str) -> str:
    """NFKC, lower case, and spaces, dashes and dots as ``_`` (``Date of Birth``)."""
    text = unicodedata.normalize("NFKC", header).strip().lower()
    return re.sub(r"[\s\-.]+", "_", text)


HEADER_HINTS: dict[str, tuple[str, ...]] = {
    kind: tuple(_normalise(hint) for hint in hints.split()) for kind, hints in _HINTS.items()
}

# Headers of dates that are not birth dates (policy, order, registration dates...).
_OTHER_DATE = re.compile(r"日期|时间|时刻|date|time|_at$|有效期")


def header_hint(header: str) -> str | None:
    """The kind a header suggests, or None.

    Args:
        header: The column name as read (``col3`` for headerless files gives None).

    Returns:
        One of ``KINDS`` or None.
    """
    text = _normalise(header)
    best: tuple[int, int, str] | None = None
    for kind, hints in HEADER_HINTS.items():
        for hint in hints:
            end = _match_end(text, hint)
            if end is not None and (best is None or (end, len(hint)) > best[:2]):
                best = (end, len(hint), kind)
    return best[2] if best else None


def is_other_date_header(header: str) -> bool:
    """True for date headers that are not about birth (``投保日期``, ``created_at``)."""
    text = _normalise(header)
    return header_hint(header) != "birth_date" and bool(_OTHER_DATE.search(text))


def _match_end(text: str, hint: str) -> int | None:
    """End offset of the rightmost occurrence of ``hint`` in ``text``, or None."""
    if hint.isascii() and len(hint) <= 3:
        found = list(re.finditer(rf"(?<![a-z]){re.escape(hint)}(?![a-z])", text))
        return found[-1].end() if found else None
    start = text.rfind(hint)
    return start + len(hint) if start >= 0 else None
