"""Shared fixtures: a small realistic world written as files, and a CLI runner."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from attrib.cli import main

_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def national_id(i: int) -> str:
    body = f"110105{1950 + i % 50:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    s = sum(int(c) * w for c, w in zip(body, _W, strict=True)) % 11
    return body + "10X98765432"[s]


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys):
    """Run the real ``attrib`` entry point in-process; return exit code and output."""

    def _run(*args: str) -> Result:
        code = 0
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        sys.stdout.flush()
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return _run


@pytest.fixture(scope="session")
def mini_world(tmp_path_factory) -> Path:
    """Two overlapping organisations with different copies of addresses, and a leak."""
    d = tmp_path_factory.mktemp("mini")
    n = 3000
    given = "伟芳娜秀英敏静丽强磊"
    pop = pl.DataFrame({
        "姓名": [f"张{given[i % 10]}{'军洋勇艳杰娟涛明超'[i % 9]}" for i in range(n)],
        "手机号": [f"138{i:08d}" for i in range(n)],
        "身份证号": [national_id(i) for i in range(n)],
        "地址": [f"北京市朝阳区建国路{i}号" for i in range(n)],
    })
    pop[:2000].write_csv(d / "org_a.csv")
    pop[1000:].with_columns(pl.col("地址") + "B座").write_csv(d / "org_b.csv")
    pop[:2000].sample(300, seed=1).write_csv(d / "leak.csv")
    return d
