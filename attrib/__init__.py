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
