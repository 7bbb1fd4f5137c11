"""The case folder: key, sources, leaks, results, audit log."""

from attrib.case.store import (
    DEFAULT_NUM_PERM,
    DEFAULT_POPULATION,
    DEFAULT_SCALE,
    Case,
    check_date,
    check_org,
    file_facts,
    init_case,
    open_case,
    utc_now,
)

__all__ = ["DEFAULT_NUM_PERM", "DEFAULT_POPULATION", "DEFAULT_SCALE", "Case", "check_date",
           "check_org", "file_facts", "init_case", "open_case", "utc_now"]
