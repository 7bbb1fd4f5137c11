"""Text encoding: detect it, and give readers a UTF-8 view of the file.

Rules, in order (the first that holds wins):

1. A byte-order mark: UTF-8 (reported ``utf-8-sig``), UTF-16 LE or BE.
2. The whole file decodes as strict UTF-8: ``utf-8``.
3. The file is UTF-8 up to a damaged byte: when the text before the first invalid
   sequence already holds non-ASCII UTF-8 characters, the file is UTF-8 with a
   corrupt byte, and reading it as anything else would garble every Chinese
   character. This is an error naming the line, not a silent fallback.
4. Candidates, each verified by decoding the *whole* file strictly: UTF-16 without a
   BOM when NUL bytes sit at every other offset of the sample (ASCII digits and
   delimiters in UTF-16); Big5 (``cp950``) only when charset-normalizer prefers Big5
   for the first 64 KiB and finds no GB encoding plausible; then ``gb18030``, reported
   for GBK and GB2312 files too since it is their superset.
5. Otherwise the file cannot be decoded. A decodable file whose text is mostly control
   characters is reported as binary data, not as a table.

charset-normalizer only gets a say on Big5 because on short samples of Chinese names
it often names a Korean or Japanese code page for what is really GBK.
"""

from __future__ import annotations

import codecs
import os
import tempfile
import weakref
from dataclasses import dataclass

import charset_normalizer

from attrib.io._fail import fail
from attrib.io.files import CHUNK, Digest

SAMPLE = 64 * 1024
DECODE_FAILED = (
    "cannot decode text (tried utf-8, gb18030, utf-16); re-save it as UTF-8 or pass --encoding"
)
BINARY = "looks like binary data, not a text table"
# Non-ASCII characters that must precede a bad byte before the file counts as UTF-8.
_UTF8_EVIDENCE = 4
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_BIG5_FAMILY = {"big5", "big5hkscs", "cp950"}


@dataclass(frozen=True)
class Encoding:
    """An encoding to try: the name reported to users and the codec that decodes it."""

    name: str
    codec: str
    note: str | None = None

    @property
    def is_utf8(self) -> bool:
        """True when polars and the csv module can read the file's bytes directly."""
        return self.codec in ("utf-8", "utf-8-sig")


def read_sample(path: str, size: int = SAMPLE) -> bytes:
    """Return the first ``size`` bytes of ``path``."""
    with open(path, "rb") as fh:
        return fh.read(size)


def detect(path: str, head: bytes, digest: Digest) -> list[Encoding]:
    """Return the encodings to try for ``path``, most likely first.

    Args:
        path: The file (for messages).
        head: Its first bytes (up to 64 KiB).
        digest: The hashing pass, which also validated UTF-8.

    Returns:
        A non-empty list; :func:`utf8_view` verifies each by decoding the whole file.

    Raises:
        InputError: The file is UTF-8 with a damaged byte (rule 3).
    """
    for bom, name, codec in _BOMS:
        if head.startswith(bom):
            if codec == "utf-8-sig" and not digest.utf8:
                raise _damaged_utf8(path, digest)
            return [Encoding(name, codec, f"encoding {name} from its byte-order mark")]
    if digest.utf8:
        return [Encoding("utf-8", "utf-8")]
    if _utf8_before_error(head, digest):
        raise _damaged_utf8(path, digest)
    candidates: list[Encoding] = []
    utf16 = _utf16_by_nul_pattern(head)
    if utf16:
        candidates.append(Encoding(utf16, utf16, f"encoding {utf16} guessed without a BOM"))
    if _looks_big5(head):
        candidates.append(Encoding("cp950", "cp950", "encoding Big5 (cp950) detected"))
    candidates.append(Encoding("gb18030", "gb18030", "not UTF-8; decoded as gb18030 (GBK)"))
    return candidates


def named(path: str, encoding: str) -> Encoding:
    """Return the Encoding for a codec name the caller gave, e.g. ``gbk``.

    Raises:
        InputError: Python has no codec of that name.
    """
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise fail(path, f"unknown encoding '{encoding}'") from None
    if codec == "utf-8" and encoding.lower().replace("_", "-") == "utf-8-sig":
        codec = "utf-8-sig"
    if codec == "utf-8":
        codec = "utf-8-sig"  # tolerate a BOM the caller did not mention
    return Encoding(encoding.lower(), codec, f"encoding {encoding.lower()} given by the caller")


def _damaged_utf8(path: str, digest: Digest) -> Exception:
    return fail(
        path,
        f"invalid UTF-8 on line {digest.utf8_error_line} (byte {digest.utf8_error_byte}) "
        "of an otherwise UTF-8 file; repair the file or pass --encoding",
    )


def _utf8_before_error(head: bytes, digest: Digest) -> bool:
    """True when the bytes before the first invalid sequence hold UTF-8 non-ASCII text."""
    if digest.utf8_error_byte is None:
        return False
    prefix = head[: digest.utf8_error_byte].decode("utf-8", errors="ignore")
    return sum(1 for ch in prefix if ord(ch) > 127) >= _UTF8_EVIDENCE


def _utf16_by_nul_pattern(head: bytes) -> str | None:
    """Guess BOM-less UTF-16 from NUL bytes concentrated at even or odd offsets."""
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 8:
        return None
    half = len(sample) // 2
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    # ASCII characters in UTF-16 LE put their NUL byte at odd offsets, in BE at even.
    if odd > 0.2 * half and even < 0.02 * half:
        return "utf-16-le"
    if even > 0.2 * half and odd < 0.02 * half:
        return "utf-16-be"
    return None


def _looks_big5(head: bytes) -> bool:
    """True when charset-normalizer prefers Big5 and finds no GB encoding plausible."""
    sample = _cut_at_newline(head)
    try:
        results = charset_normalizer.from_bytes(sample)
    except Exception:  # noqa: BLE001 - a detector failure only means "no Big5 evidence"
        return False
    best = results.best()
    names = {r.encoding.lower() for r in results}
    return best is not None and best.encoding.lower() in _BIG5_FAMILY and not names & _GB_FAMILY


def _cut_at_newline(head: bytes) -> bytes:
    """Drop a trailing partial line so no multi-byte character is split."""
    cut = head.rfind(b"\n")
    return head[: cut + 1] if cut > 0 else head


def looks_binary(text: str) -> bool:
    """True when decoded text is largely NULs or other control characters."""
    if not text:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return text.count("\x00") > 0.01 * len(text) or controls > 0.05 * len(text)


class Utf8View:
    """A UTF-8 copy (or the original) of a text file, removed when no longer needed.

    Non-UTF-8 files are transcoded in 1 MiB chunks to a private temporary file so that
    polars and the csv module can stream them. The copy holds personal data: it is
    created with mode 0600 and deleted on :meth:`close`, when the view is garbage
    collected, or at interpreter exit, whichever comes first.
    """

    def __init__(self, path: str, *, temporary: bool) -> None:
        self.path = path
        self.temporary = temporary
        self._finalizer = weakref.finalize(self, _unlink_quietly, path) if temporary else None

    def close(self) -> None:
        """Delete the temporary copy, if any."""
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self) -> Utf8View:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def utf8_view(
    path: str, candidates: list[Encoding], digest: Digest, *, explicit: bool = False
) -> tuple[Utf8View, Encoding]:
    """Return a UTF-8 view of ``path`` using the first candidate that decodes all of it.

    Args:
        path: The text file.
        candidates: Encodings to try in order (from :func:`detect` or :func:`named`).
        digest: The hashing pass (it already knows whether the file is valid UTF-8).
        explicit: The single candidate was named by the caller; say so on failure.

    Returns:
        The view (close it when done) and the encoding that worked.

    Raises:
        InputError: No candidate decodes the whole file, or the text is binary.
    """
    head = read_sample(path)
    saw_binary = False
    for enc in candidates:
        if looks_binary(_cut_at_newline(head).decode(enc.codec, errors="replace")):
            saw_binary = True
            continue
        if enc.is_utf8:
            if digest.utf8:
                return Utf8View(path, temporary=False), enc
            continue
        view = _transcode(path, enc.codec)
        if view is not None:
            return view, enc
    if saw_binary:
        raise fail(path, BINARY) from None
    if explicit:
        name = candidates[0].name
        raise fail(path, f"cannot decode text as '{name}'; check --encoding") from None
    raise fail(path, DECODE_FAILED) from None


def _transcode(path: str, codec: str) -> Utf8View | None:
    """Decode ``path`` strictly with ``codec`` into a UTF-8 temp file; None on failure."""
    fd, tmp = tempfile.mkstemp(prefix="attrib-", suffix=".utf8")
    view = Utf8View(tmp, temporary=True)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(CHUNK):
                dst.write(decoder.decode(chunk).encode("utf-8"))
            dst.write(decoder.decode(b"", True).encode("utf-8"))
    except UnicodeError:
        view.close()
        return None
    except BaseException:
        view.close()
        raise
    return view


def text_sample(view: Utf8View, size: int = SAMPLE) -> tuple[str, bool]:
    """Return the start of a UTF-8 view as text, and whether the file is longer."""
    with open(view.path, "rb") as fh:
        data = fh.read(size + 1)
    truncated = len(data) > size
    return data[:size].decode("utf-8-sig", errors="ignore"), truncated


def open_view(path: str, digest: Digest, encoding: str | None) -> tuple[Utf8View, Encoding]:
    """Detect (or take) the encoding of ``path`` and return a UTF-8 view of it.

    Args:
        path: The text file.
        digest: Its hashing pass, made with ``check_utf8=True``.
        encoding: A codec name that overrides detection, or None to detect.

    Raises:
        InputError: The file cannot be decoded or is binary.
    """
    if encoding:
        enc = named(path, encoding)
        if enc.is_utf8 and not digest.utf8:
            raise fail(path, f"cannot decode text as '{enc.name}'; check --encoding") from None
        return utf8_view(path, [enc], digest, explicit=True)
    return utf8_view(path, detect(path, read_sample(path), digest), digest)
