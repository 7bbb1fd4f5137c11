"""File-system helpers every writer in a case uses: atomic writes, hashing, locks.

Crash safety rests on three primitives:

* :func:`atomic_write`: a temporary file in the target's folder, flushed to disk and
  renamed over the target, so a reader sees the old file or the new one, never part;
* :func:`append_all`: one ``O_APPEND`` write of a whole line, retried on short writes
  (the audit log's append; see ``attrib.case.audit`` for what a crash can leave);
* :func:`case_lock`: an exclusive ``flock`` on ``CASE/.lock``, so that no two commands
  change one case at once. The kernel drops the lock when its holder dies, even by
  ``kill -9``, so a crash never leaves a case locked.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from attrib.errors import CaseError

#: Suffix of atomic_write's temporary files; one left behind marks an interrupted write.
TEMP_SUFFIX = ".tmp"
#: Folders (besides the case folder itself) that hold files attrib writes atomically.
_CASE_FOLDERS = ("", "sources", "leaks", "results", "canaries")
#: Per thread, the case folders (realpaths) whose lock it holds, for :func:`holds_lock`.
#: Per thread, not per process: two threads must exclude each other like two processes.
_LOCAL = threading.local()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_path(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object], *,
                 mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never part.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the
    file is renamed over the target; a crash at any moment leaves the old file intact
    (and at worst a stray ``.NAME.*.tmp`` file, which :func:`remove_stale_temporaries`
    deletes under the case lock). ``data`` may be a function that writes the content
    to the file it is given (large content is then never held whole in memory).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        # mkstemp creates the file 0600, so a secret is never readable by others, even
        # for the moment before this chmod.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def replace_file(src: Path, dst: Path) -> None:
    """Rename ``src`` over ``dst`` atomically and make the rename durable."""
    os.replace(src, dst)
    fsync_dir(Path(dst).parent)


def append_all(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Append ``data`` to ``path`` with ``O_APPEND`` and fsync it.

    ``os.write`` may write fewer bytes than asked (a signal, a full disk); the rest is
    written until none is left, so only a crash can leave a line incomplete.
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename is durable only once its folder is)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files interrupted writes left in a case folder.

    Only call this holding the case lock: every writer of these folders holds it, so
    any temporary file found then belongs to a process that died.

    Returns:
        The files removed.
    """
    removed = []
    for sub in _CASE_FOLDERS:
        base = Path(folder) / sub
        if not base.is_dir():
            continue
        for entry in os.scandir(base):
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX) \
                    and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _held() -> set[str]:
    if not hasattr(_LOCAL, "held"):
        _LOCAL.held = set()
    return _LOCAL.held  # type: ignore[no-any-return]


def holds_lock(folder: Path) -> bool:
    """Whether this thread holds the lock of the case in ``folder``."""
    return os.path.realpath(folder) in _held()


@contextlib.contextmanager
def case_lock(folder: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the case's exclusive lock; without ``wait`` a busy case fails at once.

    Re-entrant within one thread: a nested ``case_lock`` of a case this thread already
    holds does nothing (a second ``flock`` on a new descriptor would conflict with our
    own lock and fail as "busy"). Other threads conflict as other processes do.

    Raises:
        CaseError: The case is busy (``wait=False``) or its lock file cannot be opened.
    """
    key, held = os.path.realpath(folder), _held()
    if key in held:
        yield
        return
    lock_path = Path(folder) / ".lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise CaseError(f"{folder}: cannot open the case lock file ({exc.strerror}); check "
                        "that the case folder exists and is writable") from None
    try:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(fd, flags)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise CaseError(
                    f"{folder}: case is busy (another attrib command is using it); "
                    "wait for it to finish and try again"
                ) from None
            raise
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
    finally:
        os.close(fd)


def refuse_shared_secret(path: Path, st: os.stat_result, what: str,
                         error: type[Exception]) -> None:
    """Raise ``error`` when group or others have any access to a secret file.

    Args:
        path: the file, as the user named it.
        st: its ``stat`` result (taken with the read, so both see the same file).
        what: how the message names it ("key file", "kit file", ...).
        error: the exception class of the caller's layer.
    """
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise error(f"{path}: {what} is readable by other users; run 'chmod 600 {path}'")
