"""Compiled kernels behind :mod:`attrib.tokens`: CMAC messages straight from Arrow memory.

A token's message (one value, or several joined with U+001F) is laid out as CMAC
blocks directly from the memory of the columns polars already holds, so no joined or
converted string column is ever built; the CBC chain then runs one block position at
a time over every message of a token type, one AES-128-ECB call (OpenSSL, GIL
released) per position.

Columns arrive in the Arrow *string view* layout, polars' own (exported without a
copy): per row a 16-byte view, ``u32 length`` then, for at most 12 bytes, the bytes
themselves, else ``u32 prefix, u32 buffer index, u32 offset`` into one of the
column's data buffers. A :class:`Strings` holds the addresses of that memory and the
objects that own it. Kernels take several columns as a flat table of addresses
(numba has no type for a list of arrays of any length) and read them only through
it, never past a buffer's end, and only at the rows the caller selected: nulls stay
with the caller, as boolean masks.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numba
import numpy as np
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from attrib.arrays import pool_empty as empty

_UNIT_SEPARATOR = 0x1F
_STAR = 0x2A
_INLINE = 12  # longest value a view holds itself
_LITTLE_ENDIAN = sys.byteorder == "little"  # the byte masks of _visible_forms assume it


@dataclass(frozen=True)
class Strings:
    """A string column in string-view layout, as the kernels read it.

    ``views`` is the address of row 0's view, ``height`` the number of rows,
    ``buffers``/``sizes`` the addresses and byte sizes of the data buffers. ``owner``
    keeps the memory alive for as long as this object lives.
    """

    views: int
    height: int
    buffers: np.ndarray
    sizes: np.ndarray
    owner: object

    @classmethod
    def of(cls, arr: pa.Array) -> Strings:
        """Wrap a ``string_view``/``binary_view`` array (other string or binary arrays
        are converted first)."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if arr.type not in (pa.string_view(), pa.binary_view()):
            arr = arr.cast(pa.large_binary()).cast(pa.binary_view())
        bufs = arr.buffers()
        # A table entry even without data buffers (every value inline), never read.
        data = [b for b in bufs[2:] if b is not None] or [pa.py_buffer(b"\0")]
        views = bufs[1].address + 16 * arr.offset if bufs[1] is not None else 0
        return cls(views, len(arr),
                   np.array([b.address for b in data], dtype=np.int64),
                   np.array([b.size for b in data], dtype=np.int64), (arr, data))

    @classmethod
    def nulls(cls, height: int) -> Strings:
        """A column of ``height`` empty views (for rows the caller treats as null)."""
        views = np.zeros(4 * max(height, 1), dtype=np.uint32)
        data = np.zeros(1, dtype=np.uint8)
        return cls(views.ctypes.data, height, np.array([data.ctypes.data], dtype=np.int64),
                   np.ones(1, dtype=np.int64), (views, data))

    def to_arrow(self, valid: np.ndarray) -> pa.Array:
        """The column as an Arrow ``string_view`` array, null where not ``valid`` (for
        a column the kernels made: owned by its views and its one data buffer)."""
        views, data = self.owner
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        return pa.Array.from_buffers(
            pa.string_view(), self.height,
            [bitmap, pa.py_buffer(views[: 4 * self.height]), pa.py_buffer(data)],
            null_count=int(valid.size - np.count_nonzero(valid)))


@dataclass(frozen=True)
class _Table:
    """Several :class:`Strings` as flat arrays: column ``c``'s views start at
    ``views[c]`` (``limits[c]``: end of its view memory) and its data buffers are
    ``buffers[first[c]:first[c + 1]]``."""

    views: np.ndarray
    limits: np.ndarray
    first: np.ndarray
    buffers: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, cols: list[Strings]) -> _Table:
        views = np.array([c.views for c in cols], dtype=np.int64)
        limits = views + 16 * np.array([c.height for c in cols], dtype=np.int64)
        first = np.zeros(len(cols) + 1, dtype=np.int64)
        np.cumsum([c.buffers.size for c in cols], out=first[1:])
        return cls(views, limits, first, np.concatenate([c.buffers for c in cols]),
                   np.concatenate([c.sizes for c in cols]))


@intrinsic
def _copy16(typingctx, dst, dst_at, address):  # noqa: ARG001 (numba's signature)
    """Copy the 16 bytes at ``address`` to ``dst[dst_at:]``, unchecked: one unaligned
    vector move, where a byte loop pays an index check per byte."""
    sig = types.void(dst, dst_at, address)

    def codegen(context, builder, signature, args):
        d, d_at, addr = args
        d_ptr = builder.gep(context.make_array(signature.args[0])(context, builder, d).data,
                            [d_at])
        s_ptr = builder.inttoptr(addr, d_ptr.type)
        cgutils.raw_memcpy(builder, d_ptr, s_ptr, context.get_constant(types.intp, 16), 1)
        return context.get_dummy_value()

    return sig, codegen


def _loader(numba_type: types.Integer):
    """An intrinsic reading a ``numba_type`` at an address (native order, any
    alignment)."""

    @intrinsic
    def load(typingctx, address):  # noqa: ARG001 (numba's signature)
        sig = numba_type(address)

        def codegen(context, builder, signature, args):
            ty = context.get_value_type(numba_type)
            ptr = builder.inttoptr(args[0], ty.as_pointer())
            return builder.load(ptr, align=1)

        return sig, codegen

    return load


_load8 = _loader(types.uint8)
_load32 = _loader(types.uint32)
_load64 = _loader(types.int64)
_load_word = _loader(types.uint64)


@intrinsic
def _store_word(typingctx, address, value):  # noqa: ARG001 (numba's signature)
    """Store the 64-bit word ``value`` at ``address`` (native order, any alignment)."""
    sig = types.void(address, value)

    def codegen(context, builder, signature, args):
        ptr = builder.inttoptr(args[0], context.get_value_type(types.uint64).as_pointer())
        builder.store(args[1], ptr, align=1)
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True, nogil=True)
def _value(view: int, limit: int, first: int, buffers: int,
           sizes: int) -> tuple[int, int, int]:
    """Address, length and readable end (for 16-byte moves) of the value whose view is
    at address ``view``: in the view (whose memory ends at ``limit``) or in data buffer
    ``first + index`` of the address and size tables at ``buffers``/``sizes``.

    Scalars only: a compiled call taking arrays pays their reference counts.
    """
    length = np.int64(_load32(view))
    if length <= _INLINE:
        return view + 4, length, limit
    b = first + np.int64(_load32(view + 8))
    base = _load64(buffers + 8 * b)
    return base + np.int64(_load32(view + 12)), length, base + _load64(sizes + 8 * b)


@numba.njit(cache=True, nogil=True)
def _block_layout(rows: np.ndarray, start: int, stop: int, t_views: np.ndarray,
                  t_limits: np.ndarray, t_first: np.ndarray, t_buffers: np.ndarray,
                  t_sizes: np.ndarray, nb: np.ndarray,
                  order: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Order the messages ``start`` to ``stop - 1`` by CMAC block count, longest first
    (stable), into ``order``. Returns, per block position, where its run of blocks
    starts (bytes) and how many messages have a block there (the first that many of
    the order), and the longest message's length."""
    n = stop - start
    nparts = t_views.size
    longest = 0
    shortest = 1 << 62
    for k in range(n):
        m = nparts - 1
        for c in range(nparts):
            m += _load32(t_views[c] + 16 * rows[start + k])
        longest = max(longest, m)
        shortest = min(shortest, m)
        nb[k] = max(1, (m + 15) // 16)
    most = max(1, (longest + 15) // 16)
    if max(1, (shortest + 15) // 16) == most:
        # Every message has as many blocks (a fixed-width value, most token types): the
        # messages keep their order, each position's run holds all of them.
        for k in range(n):
            order[k] = start + k
        running = np.full(most, n, dtype=np.int64)
        slab = np.arange(most, dtype=np.int64) * (16 * n)
        return slab, running, longest
    count = np.zeros(most + 1, dtype=np.int64)
    for k in range(n):
        count[nb[k]] += 1
    first = np.empty(most + 1, dtype=np.int64)
    acc = 0
    for b in range(most, 0, -1):
        first[b] = acc
        acc += count[b]
    for k in range(n):
        order[first[nb[k]]] = start + k
        first[nb[k]] += 1
    running = np.empty(most, dtype=np.int64)
    slab = np.empty(most, dtype=np.int64)
    acc = 0
    for b in range(most, 0, -1):
        acc += count[b]
        running[b - 1] = acc
    acc = 0
    for b in range(most):
        slab[b] = acc
        acc += 16 * running[b]
    return slab, running, longest


@numba.njit(cache=True, nogil=True)
def _fill_blocks(rows: np.ndarray, order: np.ndarray, t_views: np.ndarray,
                 t_limits: np.ndarray, t_first: np.ndarray, t_buffers: np.ndarray,
                 t_sizes: np.ndarray, slab: np.ndarray, k1: np.ndarray, k2: np.ndarray,
                 padding: np.ndarray, scratch: np.ndarray, blocks: np.ndarray) -> None:
    """Lay out every message as CMAC blocks: block ``b`` of the ``k``-th message of
    ``order`` goes to the 64-bit words ``blocks[(slab[b] + 16 * k) // 8:][:2]``, so
    each block position is one contiguous run. The last block is padded (0x80 0x00...)
    and XORed with subkey K1 (complete) or K2 (padded), as RFC 4493 prescribes; ``k1``
    and ``k2`` hold the subkeys' bytes as two native 64-bit words each, ``padding`` is
    0x80 and 15 zero bytes.

    Each message is assembled in ``scratch`` (words, 48 bytes more than the longest
    message) 16 bytes at a time, a value of at most 32 bytes in two moves: a move may
    run past its value (by up to 32 bytes), and the next part or the padding
    overwrites the excess. It then moves out a word at a time. Everything
    is inlined here: a call to another compiled function per message costs more than
    the message.
    """
    nparts = t_views.size
    msg = scratch.view(np.uint8)
    k1a, k1b, k2a, k2b = k1[0], k1[1], k2[0], k2[1]
    pad = padding.ctypes.data
    buffers, sizes = t_buffers.ctypes.data, t_sizes.ctypes.data
    for k in range(order.size):
        r = rows[order[k]]
        p = 0
        for c in range(nparts):
            if c:
                msg[p] = _UNIT_SEPARATOR
                p += 1
            src, length, limit = _value(t_views[c] + 16 * r, t_limits[c], t_first[c],
                                        buffers, sizes)
            if length <= 32 and src + 32 <= limit:
                # Most values: two moves whatever the length, no loop to mispredict.
                _copy16(msg, p, src)
                _copy16(msg, p + 16, src + 16)
                p += length
                continue
            end = src + length
            while src < end and src + 16 <= limit:
                _copy16(msg, p, src)
                step = min(16, end - src)
                p += step
                src += step
            while src < end:
                msg[p] = _load8(src)
                p += 1
                src += 1
        nb = max(1, (p + 15) // 16)
        complete = p == 16 * nb
        if not complete:
            _copy16(msg, p, pad)
        o = 16 * k
        for b in range(nb - 1):
            w = (slab[b] + o) >> 3
            blocks[w] = scratch[2 * b]
            blocks[w + 1] = scratch[2 * b + 1]
        b = nb - 1
        w = (slab[b] + o) >> 3
        if complete:
            blocks[w] = scratch[2 * b] ^ k1a
            blocks[w + 1] = scratch[2 * b + 1] ^ k1b
        else:
            blocks[w] = scratch[2 * b] ^ k2a
            blocks[w + 1] = scratch[2 * b + 1] ^ k2b


@numba.njit(cache=True, nogil=True)
def _first_words(state: np.ndarray, order: np.ndarray, out: np.ndarray) -> None:
    """First 8 bytes (big-endian) of each final CMAC state, to ``out`` in message order."""
    for k in range(order.size):
        w = np.uint64(0)
        for j in range(8):
            w = (w << np.uint64(8)) | np.uint64(state[16 * k + j])
        out[order[k]] = w


#: Messages per batch: a batch's blocks and chaining state stay in the CPU cache
#: between the layout, the XOR and the AES passes over them.
BATCH = 1 << 16
_PADDING = np.zeros(16, dtype=np.uint8)
_PADDING[0] = 0x80


class Workspace:
    """The buffers of :func:`cmac64_joined`, for a series of calls (the token types of
    one frame) to share. One thread at a time."""

    def __init__(self) -> None:
        self.nb = np.empty(0, dtype=np.int32)
        self.order = np.empty(0, dtype=np.int64)
        self.state = np.empty(0, dtype=np.uint8)
        self.blocks = np.empty(0, dtype=np.uint64)
        self.scratch = np.empty(0, dtype=np.uint64)

    def reserve(self, batch: int) -> None:
        if self.nb.size < batch:
            self.nb = empty(batch, np.int32)
            self.order = empty(batch, np.int64)
            # update_into wants room for one more block than it writes.
            self.state = empty(16 * batch + 16, np.uint8)

    def words(self, name: str, size: int) -> np.ndarray:
        """The buffer ``name`` (``blocks`` or ``scratch``), at least ``size`` words."""
        buf = getattr(self, name)
        if buf.size < size:
            buf = empty(max(size, buf.size + buf.size // 2), np.uint64)
            setattr(self, name, buf)
        return buf


def cmac64_joined(key: bytes, subkeys: tuple[np.ndarray, np.ndarray], rows: np.ndarray,
                  cols: list[Strings], work: Workspace | None = None) -> np.ndarray:
    """AES-128-CMAC, first 8 bytes as a big-endian uint64, of the values of ``cols`` at
    each of ``rows``, joined with U+001F.

    Args:
        key: 16-byte AES key.
        subkeys: its CMAC subkeys K1, K2 (16 bytes each).
        rows: row numbers (int64 or uint32; the caller skips nulls, whose views are
            not told apart from values here).
        cols: the columns, all longer than the largest row number.
        work: buffers to reuse (default: fresh ones).

    Returns:
        uint64 array, one token per entry of ``rows``.
    """
    n = rows.size
    out = empty(n, np.uint64)
    if n == 0:
        return out
    t = _Table.of(cols)
    table = (t.views, t.limits, t.first, t.buffers, t.sizes)
    k1, k2 = subkeys[0].view(np.uint64), subkeys[1].view(np.uint64)
    work = work or Workspace()
    work.reserve(min(n, BATCH))
    state = work.state
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
        order = work.order[: stop - start]
        # Messages ordered longest first: those still running at block position b
        # are the first running[b], one XOR and one AES-ECB call per position.
        slab, running, longest = _block_layout(rows, start, stop, *table, work.nb, order)
        scratch = work.words("scratch", (longest + 48) // 8 + 2)
        blocks = work.words("blocks", 2 * int(running.sum()))
        _fill_blocks(rows, order, *table, slab, k1, k2, _PADDING, scratch, blocks)
        buf = blocks.view(np.uint8)
        for b in range(running.size):
            size = 16 * int(running[b])
            block = buf[slab[b] : slab[b] + size]
            if b:
                np.bitwise_xor(block, state[:size], out=block)
            enc.update_into(block, state)
        _first_words(state, order, out)
    return out


@numba.njit(cache=True, nogil=True)
def _positions(mask: np.ndarray, out: np.ndarray) -> None:
    n = 0
    for i in range(mask.size):
        if mask[i]:
            out[n] = i
            n += 1


def rows_where(mask: np.ndarray) -> np.ndarray:
    """The positions of the true entries of ``mask``, as uint32."""
    count = int(np.count_nonzero(mask))
    if count == mask.size:  # a column without nulls
        return np.arange(count, dtype=np.uint32)
    out = empty(count, np.uint32)
    _positions(mask, out)
    return out


@numba.njit(cache=True, nogil=True)
def _unpack_bits(bitmap: np.ndarray, offset: int, out: np.ndarray) -> None:
    for i in range(out.size):
        j = offset + i
        out[i] = (bitmap[j >> 3] >> (j & 7)) & 1


def validity(arr: pa.Array) -> np.ndarray:
    """Which entries of an Arrow array are not null, as a boolean array."""
    out = empty(len(arr), np.bool_)
    bitmap = arr.buffers()[0]
    if arr.null_count == 0 or bitmap is None:  # no bitmap: all valid or all null
        out.fill(arr.null_count == 0)
    else:
        _unpack_bits(np.frombuffer(bitmap, dtype=np.uint8), arr.offset, out)
    return out


_BYTES_80 = np.uint64(0x8080808080808080)
_BYTES_7F = np.uint64(0x7F7F7F7F7F7F7F7F)
_STARS = np.uint64(0x2A2A2A2A2A2A2A2A)


@numba.njit(cache=True, nogil=True)
def _byte_mask(lo: int, hi: int, word: int) -> np.uint64:
    """Bits of bytes ``lo`` to ``hi - 1`` of a string that fall in its word ``word``."""
    mask = np.uint64(0)
    for j in range(max(lo, 8 * word), min(hi, 8 * word + 8)):
        mask |= np.uint64(0xFF) << np.uint64(8 * (j - 8 * word))
    return mask


@numba.njit(cache=True, nogil=True)
def _star_bytes(w: np.uint64) -> np.uint64:
    """High bit of each byte of ``w`` that is ``*`` (exact: no carry crosses a byte)."""
    z = w ^ _STARS
    return ~(((z & _BYTES_7F) + _BYTES_7F) | z | _BYTES_7F)


@numba.njit(cache=True, nogil=True)
def _visible_forms(t_views: np.ndarray, t_limits: np.ndarray, t_first: np.ndarray,
                   t_buffers: np.ndarray, t_sizes: np.ndarray, full_valid: np.ndarray,
                   mask_valid: np.ndarray, length: int, skip: int, prefix: np.ndarray,
                   head: int, tail: int, views: np.ndarray, data: np.ndarray,
                   valid: np.ndarray) -> None:
    """See :func:`visible_form`; column 0 of the table is the full value, 1 the mask.

    Writes the forms' views (two 64-bit words per row), their data (at most
    ``length + stars`` bytes a row, and 32 to spare) and which rows have one. A shown
    value of ASCII characters (the rule) is handled as three 64-bit words in
    registers: the star test and the starring are byte masks. Others go character by
    character.
    """
    n = full_valid.size
    stars = length - head - tail
    fast = _LITTLE_ENDIAN and length <= 24
    # Per word of the shown value: its bytes, the visible bytes, the starred bytes.
    keep = np.zeros(3, dtype=np.uint64)
    visible = np.zeros(3, dtype=np.uint64)
    starred = np.zeros(3, dtype=np.uint64)
    for i in range(3):
        keep[i] = _byte_mask(0, length, i)
        visible[i] = _byte_mask(0, head, i) | _byte_mask(length - tail, length, i)
        starred[i] = _byte_mask(head, length - tail, i)
    shown = np.zeros(length, dtype=np.uint8)
    form = np.zeros(length + stars + 8, dtype=np.uint8)
    buffers, sizes = t_buffers.ctypes.data, t_sizes.ctypes.data
    data_at = data.ctypes.data
    p = 0
    for r in range(n):
        views[2 * r] = 0
        views[2 * r + 1] = 0
        valid[r] = False
        found = False
        if full_valid[r]:
            src, size, limit = _value(t_views[0] + 16 * r, t_limits[0], t_first[0], buffers,
                                      sizes)
            if size == length + skip:
                found = True
                for j in range(prefix.size):
                    if _load8(src + j) != prefix[j]:
                        found = False
                        break
                src += skip
        if not found and mask_valid[r]:
            src, size, limit = _value(t_views[1] + 16 * r, t_limits[1], t_first[1], buffers,
                                      sizes)
            found = size == length
        if not found:
            continue
        if fast:
            # The shown value as up to three words, bytes past it zero.
            w0 = np.uint64(0)
            w1 = np.uint64(0)
            w2 = np.uint64(0)
            for i in range((length + 7) // 8):
                at = src + 8 * i
                if at + 8 <= limit:
                    x = _load_word(at)
                else:
                    x = np.uint64(0)
                    for j in range(min(8, length - 8 * i)):
                        x |= np.uint64(_load8(at + j)) << np.uint64(8 * j)
                x &= keep[i]
                if i == 0:
                    w0 = x
                elif i == 1:
                    w1 = x
                else:
                    w2 = x
            if not (w0 | w1 | w2) & _BYTES_80:
                if ((_star_bytes(w0) & visible[0]) | (_star_bytes(w1) & visible[1])
                        | (_star_bytes(w2) & visible[2])):
                    continue
                valid[r] = True
                f0 = (w0 & ~starred[0]) | (_STARS & starred[0])
                f1 = (w1 & ~starred[1]) | (_STARS & starred[1])
                f2 = (w2 & ~starred[2]) | (_STARS & starred[2])
                # The view: length and the first 4 bytes, then the next 8 inline (zero
                # padded) or buffer 0 and the form's offset in ``data``.
                views[2 * r] = np.uint64(length) | (f0 << np.uint64(32))
                if length <= _INLINE:
                    views[2 * r + 1] = (f0 >> np.uint64(32)) | (f1 << np.uint64(32))
                else:
                    views[2 * r + 1] = np.uint64(p) << np.uint64(32)
                    _store_word(data_at + p, f0)
                    _store_word(data_at + p + 8, f1)
                    _store_word(data_at + p + 16, f2)
                    p += length
                continue
        # Character by character: where character ``head`` and character
        # ``length - tail`` start (``length`` when there are fewer characters).
        for j in range(length):
            shown[j] = _load8(src + j)
        head_end = length
        tail_start = length
        seen = 0
        for j in range(length):
            if (shown[j] & 0xC0) != 0x80:
                if seen == head:
                    head_end = j
                if seen == length - tail:
                    tail_start = j
                seen += 1
        ok = True
        for j in range(head_end):
            if shown[j] == _STAR:
                ok = False
        for j in range(tail_start, length):
            if shown[j] == _STAR:
                ok = False
        if not ok:
            continue
        valid[r] = True
        size = 0
        for j in range(head_end):
            form[size] = shown[j]
            size += 1
        for _ in range(stars):
            form[size] = _STAR
            size += 1
        for j in range(tail_start, length):
            form[size] = shown[j]
            size += 1
        view = views[2 * r : 2 * r + 2].view(np.uint8)
        view.view(np.uint32)[0] = size
        if size <= _INLINE:
            view[4 : 4 + size] = form[:size]
        else:
            view[4:8] = form[:4]
            view.view(np.uint32)[3] = p
            data[p : p + size] = form[:size]
            p += size


def visible_form(full: Strings, full_valid: np.ndarray, masked: Strings,
                 masked_valid: np.ndarray, length: int, skip: int, prefix: bytes, head: int,
                 tail: int) -> tuple[Strings, np.ndarray]:
    """The visible form of each row's identifier (see :func:`attrib.tokens.masked_form`).

    The shown value is the full value less its first ``skip`` bytes when it is
    ``length + skip`` bytes long and starts with ``prefix`` (ASCII and at least
    ``skip`` bytes, so bytes and characters agree there), else the masked value. It has
    a form when it is ``length`` bytes long and neither its first ``head`` characters
    nor its characters from index ``length - tail`` on hold a ``*``: those characters
    around ``length - head - tail`` stars. Lengths count bytes and slices characters,
    as the polars string functions that first defined the form do.

    Returns:
        The forms and which rows have one.
    """
    t = _Table.of([full, masked])
    height = full_valid.size
    views = empty(2 * max(height, 1), np.uint64)
    data = empty(height * (2 * length - head - tail) + 32, np.uint8)
    valid = empty(height, np.bool_)
    _visible_forms(t.views, t.limits, t.first, t.buffers, t.sizes, full_valid, masked_valid,
                   length, skip, np.frombuffer(prefix, dtype=np.uint8), head, tail, views,
                   data, valid)
    views = views.view(np.uint32)
    return Strings(views.ctypes.data, height,
                   np.array([data.ctypes.data], dtype=np.int64),
                   np.array([data.size], dtype=np.int64), (views, data)), valid
