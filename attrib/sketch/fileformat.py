"""The ``.sketch`` file: versioned, self-describing, no pickle, checksummed.

Layout (all integers little-endian)::

    magic       14 bytes  b"ATTRIB-SKETCH\\x00"
    version     u32       FORMAT_VERSION
    header_len  u64
    header      header_len bytes of canonical JSON (UTF-8, sorted keys, no spaces)
    sections    raw arrays, each starting on an 8-byte boundary, described in
                header["sections"]: [{"name", "dtype", "length", "offset", "sha256"}]
    checksum    32 bytes  SHA-256 of every byte before it

The same content always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from typing import Any, BinaryIO

import numpy as np

from attrib.errors import SketchError

MAGIC = b"ATTRIB-SKETCH\x00"
FORMAT_VERSION = 1
_DTYPES = {"u8": np.dtype("<u8"), "u4": np.dtype("<u4"), "f8": np.dtype("<f8")}


def canonical_json(obj: Any) -> bytes:
    """Serialise to the canonical JSON used inside sketches and for checksums."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _dtype_code(arr: np.ndarray) -> str:
    for code, dt in _DTYPES.items():
        if arr.dtype.kind == dt.kind and arr.dtype.itemsize == dt.itemsize:
            return code
    raise TypeError(f"unsupported section dtype {arr.dtype}")


def dumps(header: dict[str, Any], sections: dict[str, np.ndarray]) -> bytes:
    """Encode a header and named arrays as sketch file bytes."""
    return encode(header, sections)[0]


def encode(header: dict[str, Any], sections: dict[str, np.ndarray]) -> tuple[bytes, str]:
    """Encode a header and named arrays as sketch file bytes, and their SHA-256 (hex)."""
    buf = io.BytesIO()
    digest = write(buf, header, sections)
    return buf.getvalue(), digest


def write(fh: BinaryIO, header: dict[str, Any], sections: dict[str, np.ndarray]) -> str:
    """Write a sketch file to ``fh`` section by section; return the file's SHA-256 (hex).

    Nothing is copied into one big buffer (a leak sketch's record sections run to
    hundreds of megabytes, and touching that much fresh memory costs more than the
    writing): each array is hashed where it lies and handed to the file as it is; the
    file's SHA-256 continues the checksum's own pass.
    """
    descs = []
    arrays = []
    offset = 0
    for name in sorted(sections):
        arr = np.ascontiguousarray(sections[name])
        code = _dtype_code(arr)
        arr = np.ascontiguousarray(arr.astype(_DTYPES[code], copy=False))
        descs.append({"name": name, "dtype": code, "length": int(arr.size), "offset": offset,
                      "sha256": hashlib.sha256(_raw(arr)).hexdigest()})
        arrays.append(arr)
        offset += arr.nbytes + (-arr.nbytes) % 8
    head = canonical_json({**header, "sections": descs})
    head += b" " * ((-(len(MAGIC) + 12 + len(head))) % 8)
    h = hashlib.sha256()

    def put(data: bytes | memoryview) -> None:
        fh.write(data)
        h.update(data)

    put(MAGIC + struct.pack("<IQ", FORMAT_VERSION, len(head)) + head)
    for arr in arrays:
        put(_raw(arr))
        if arr.nbytes % 8:
            put(b"\x00" * (-arr.nbytes % 8))
    checksum = h.digest()
    fh.write(checksum)
    h.update(checksum)
    return h.hexdigest()


def _raw(arr: np.ndarray) -> memoryview:
    """The bytes of a contiguous array, without copying them."""
    return memoryview(arr.reshape(-1).view(np.uint8))


def loads(data: bytes, *, name: str = "sketch") -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Decode and verify sketch file bytes.

    Raises:
        SketchError: the bytes are not a sketch, are of an unknown version, or are damaged.
    """
    if not data.startswith(MAGIC):
        raise SketchError(f"{name}: not an attrib sketch file")
    if len(data) < len(MAGIC) + 12 + 32:
        raise SketchError(f"{name}: sketch file is truncated")
    view = memoryview(data)  # slices of a view copy nothing
    body, digest = view[:-32], bytes(view[-32:])
    if hashlib.sha256(body).digest() != digest:
        raise SketchError(f"{name}: sketch file is damaged (checksum mismatch)")
    version, head_len = struct.unpack_from("<IQ", data, len(MAGIC))
    if version != FORMAT_VERSION:
        raise SketchError(f"{name}: sketch format version {version} is not supported "
                          f"(this attrib reads version {FORMAT_VERSION})")
    start = len(MAGIC) + 12
    try:
        header = json.loads(bytes(body[start : start + head_len]))
    except ValueError:
        raise SketchError(f"{name}: sketch header is not valid JSON") from None
    if not isinstance(header, dict):
        raise SketchError(f"{name}: sketch file is malformed")
    base = start + head_len
    sections: dict[str, np.ndarray] = {}
    try:
        for desc in header.pop("sections", []):
            dt = _DTYPES[desc["dtype"]]
            lo = base + int(desc["offset"])
            raw = body[lo : lo + int(desc["length"]) * dt.itemsize]
            if hashlib.sha256(raw).hexdigest() != desc["sha256"]:
                raise SketchError(f"{name}: section {desc['name']} is damaged")
            sections[str(desc["name"])] = np.frombuffer(raw, dtype=dt).astype(
                dt.newbyteorder("="))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise SketchError(f"{name}: sketch file is malformed") from None
    return header, sections
