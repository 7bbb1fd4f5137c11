r"""Column-kind detection and per-kind normalisation of leaked lists.

``detect_columns`` decides what each column holds (content first, header second);
``normalise`` turns the primary column of each kind into its canonical form — the form
that ``attrib.tokens`` hashes, so every rule here is part of the hash specification —
and counts valid, invalid, masked and missing values. The per-kind normalisers work on
their own, on a ``pl.Series``: a numba kernel settles the rows already in a plain
canonical shape in one pass over the bytes (``attrib.fields._fast``), vectorised polars
expressions the rest; Python runs only once per *distinct* rare value (foreign phones,
traditional characters).

Each kind's rules are written down in its module's docstring:

* phone — ``attrib.fields.phone``: ``8613812345678``, landline ``861088886666``;
* national_id — ``attrib.fields.national_id``: ``11010519491231002X``;
* birth_date — ``attrib.fields.dates``: ``1990-01-02``;
* name — ``attrib.fields.names``: ``张伟``, ``zhang wei``;
* email — ``attrib.fields.email``: ``a.b@example.com``;
* address — ``attrib.fields.address``: ``北京市朝阳区建国路88号``;
* plate — ``attrib.fields.plate``: ``京A12345``.

Text shared by all kinds (``attrib.fields._common``): NFKC, invisible characters
(``\p{Cc}`` other than whitespace, ``\p{Cf}``) removed, trimmed; null, blank and the
placeholders in ``MISSING_TOKENS`` (``NULL``, ``N/A``, ``\N``, ``-``, ``无``...) are
``missing``.
"""

from attrib.fields._common import STATUSES
from attrib.fields.address import normalise_address
from attrib.fields.dates import normalise_date
from attrib.fields.detect import detect_columns
from attrib.fields.email import normalise_email
from attrib.fields.headers import header_hint
from attrib.fields.model import ATTR_PREFIX, KINDS, OTHER, ColumnKind, Normalised, Quality
from attrib.fields.names import normalise_name, pinyin_key
from attrib.fields.national_id import normalise_national_id
from attrib.fields.phone import normalise_phone
from attrib.fields.pipeline import NORMALISERS, normalise
from attrib.fields.plate import normalise_plate

__all__ = [
    "ATTR_PREFIX",
    "KINDS",
    "NORMALISERS",
    "OTHER",
    "STATUSES",
    "ColumnKind",
    "Normalised",
    "Quality",
    "detect_columns",
    "header_hint",
    "normalise",
    "normalise_address",
    "normalise_date",
    "normalise_email",
    "normalise_name",
    "normalise_national_id",
    "normalise_phone",
    "normalise_plate",
    "pinyin_key",
]
