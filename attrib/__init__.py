"""attrib: attribute a leaked list of personal records to the institution it came from."""

import os as _os
import sys as _sys

__version__ = "0.1.0"

# attrib runs its own threads (a batch per core, polars' pool); OpenBLAS's threads on
# top of them busy-wait for cores: a 10,000 x 49 matrix product took 0.3 s instead of
# 1 ms, 40% of `attrib attribute` with 200 sources. One BLAS thread, unless the user
# chose otherwise.
if "OPENBLAS_NUM_THREADS" not in _os.environ:
    _os.environ["OPENBLAS_NUM_THREADS"] = "1"
    if "numpy" in _sys.modules:  # too late for the variable: limit the loaded library
        from threadpoolctl import threadpool_limits as _limits

        _limits(1, user_api="blas")

# Sketching allocates and frees batch-sized buffers many times a second. By default
# both allocators hand freed memory back to the system at once and then pay a page
# fault per 4 KiB to get it again: a sixth of sketching's CPU time on a 10^7-row file.
# Freed memory is kept for reuse instead (jemalloc: for ten seconds; peak memory grows
# by ~0.15 GiB), unless the user has configured the allocators. polars' jemalloc reads
# its variable when polars is loaded (attrib comes first when run as a command);
# glibc's malloc is set here.
if "_RJEM_MALLOC_CONF" not in _os.environ:
    _os.environ["_RJEM_MALLOC_CONF"] = "dirty_decay_ms:10000,muzzy_decay_ms:0"
if _sys.platform.startswith("linux") and not any(
        k.startswith("MALLOC_") and k.endswith("_") for k in _os.environ):
    import ctypes as _ctypes

    try:
        _mallopt = _ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        pass
    else:
        _mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks below 32 MiB come from the heap
        _mallopt(-1, 512 << 20)  # M_TRIM_THRESHOLD: keep up to 512 MiB of freed heap
        _mallopt(-2, 64 << 20)  # M_TOP_PAD: grow the heap 64 MiB at a time
