"""Engines without Spark: the registry, folders of parts, the bounded duplicate count."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from attrib import engines
from attrib.engines.dupes import DuplicateCounter, seal, seal_key
from attrib.engines.inputs import DIR_SPEC, manifest_sha256
from attrib.errors import InputError, UsageError
from attrib.io import sha256_file
from attrib.kit import load_kit
from attrib.sketch import from_bytes, to_bytes
from attrib.tokens import CaseKey

KEY = CaseKey(bytes(range(32)), "engine-tests")
INSTALL = "attrib: error: the Spark engine needs PySpark: pip install 'attrib[spark]'\n"


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    from attrib.api import create_case
    from attrib.kit import export_kit

    d = tmp_path_factory.mktemp("kit")
    create_case(d / "case")
    export_kit(d / "case", d / "kit.json")
    return d / "kit.json"


def _sketch(path: Path, kit: Path, **kw):
    key, params = load_kit(kit)
    return engines.get_engine("local").sketch(path, key, params, kind="source",
                                              meta={"org": "o"}, exact=True, **kw)


def _split(src: Path, folder: Path, parts: int) -> Path:
    frame = pl.read_csv(src, infer_schema=False)
    folder.mkdir()
    step = -(-frame.height // parts)
    for i in range(parts):
        frame.slice(i * step, step).write_csv(folder / f"part-{i:05d}.csv")
    (folder / "_SUCCESS").write_bytes(b"")  # Hadoop's marker is not data
    return folder


# --- the registry ----------------------------------------------------------------------


def test_registry_names_and_errors():
    assert engines.get_engine("local").name == "local"
    assert engines.resolve(None).name == "local"
    with pytest.raises(UsageError, match="unknown engine 'dask'"):
        engines.get_engine("dask")
    with pytest.raises(UsageError, match="--master applies to the Spark engine only"):
        engines.get_engine("local", master="local[2]")


def test_spark_engine_without_pyspark_says_how_to_install(run, mini_world, kit, tmp_path,
                                                          monkeypatch):
    # A None entry in sys.modules makes "import pyspark.sql" raise ImportError.
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    r = run("sketch", mini_world / "org_a.csv", "--kit", kit, "--org", "o", "--snapshot",
            "2025-01-01", "-o", tmp_path / "a.sketch", "--engine", "spark")
    assert (r.code, r.err) == (2, INSTALL)
    r = run("source", "add", tmp_path / "nocase", mini_world / "org_a.csv", "--org", "o",
            "--snapshot", "2025-01-01", "--engine", "spark", "--master", "local[2]")
    assert (r.code, r.err) == (2, INSTALL)


def test_master_needs_spark_engine(run, mini_world, kit, tmp_path):
    r = run("sketch", mini_world / "org_a.csv", "--kit", kit, "--org", "o", "--snapshot",
            "2025-01-01", "-o", tmp_path / "a.sketch", "--master", "local[2]")
    assert r.code == 2
    assert r.err == ("attrib: error: --master applies to the Spark engine only; "
                     "add --engine spark\n")


# --- folders of parts ------------------------------------------------------------------


def test_folder_sketches_like_the_whole_file(mini_world, kit, tmp_path):
    src = mini_world / "org_a.csv"
    folder = _split(src, tmp_path / "parts", 3)
    whole, parts = _sketch(src, kit, batch_rows=500), _sketch(folder, kit, batch_rows=500)
    assert parts.counts == whole.counts
    assert parts.meta["quality"] == whole.meta["quality"]
    assert parts.meta["columns"] == whole.meta["columns"]
    assert (parts.fingerprint == whole.fingerprint).all()
    for store in ("sampled", "exact"):
        a, b = getattr(parts, store), getattr(whole, store)
        assert sorted(a) == sorted(b) and all((a[t] == b[t]).all() for t in a)
    files = sorted(folder.glob("part-*.csv"))
    assert parts.meta["input"] == {
        "file": "parts", "rows": 2000, "format": "csv", "encoding": "utf-8", "sheet": None,
        "has_header": True, "size_bytes": sum(f.stat().st_size for f in files),
        "sha256": manifest_sha256_of(files)}


def manifest_sha256_of(files: list[Path]) -> str:
    """The documented folder hash, recomputed independently from sha256sum-style facts."""
    import hashlib

    lines = [DIR_SPEC] + [f"{f.name}\t{f.stat().st_size}\t{sha256_file(f)}" for f in files]
    return hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()


def test_manifest_changes_with_any_part():
    from attrib.io import TableInfo

    def info(name: str, sha: str) -> TableInfo:
        return TableInfo(path=name, format="csv", encoding="utf-8", delimiter=",",
                         has_header=True, sheet=None, sha256=sha, size_bytes=1)

    base = manifest_sha256([info("a.csv", "0" * 64), info("b.csv", "1" * 64)])
    assert base != manifest_sha256([info("a.csv", "0" * 64), info("c.csv", "1" * 64)])
    assert base != manifest_sha256([info("a.csv", "0" * 64), info("b.csv", "2" * 64)])
    assert base != manifest_sha256([info("a.csv", "0" * 64)])


def test_folder_refuses_unlike_parts_and_subfolders(mini_world, kit, tmp_path):
    folder = _split(mini_world / "org_a.csv", tmp_path / "parts", 2)
    pl.read_csv(folder / "part-00001.csv", infer_schema=False).rename(
        {"地址": "住址"}).write_csv(folder / "part-00001.csv")
    with pytest.raises(InputError, match="part-00001.csv differs from part-00000.csv in its "
                                         "columns"):
        _sketch(folder, kit)
    (folder / "part-00001.csv").unlink()
    (folder / "sub").mkdir()
    with pytest.raises(InputError, match="holds the sub-folder sub"):
        _sketch(folder, kit)
    (folder / "sub").rmdir()
    with pytest.raises(InputError, match="exceeds --max-rows 10"):
        _sketch(folder, kit, max_rows=10)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no data files"):
        _sketch(empty, kit)


def test_cli_sketches_a_folder(run, mini_world, kit, tmp_path):
    folder = _split(mini_world / "org_a.csv", tmp_path / "parts", 2)
    r = run("sketch", folder, "--kit", kit, "--org", "o", "--snapshot", "2025-01-01",
            "-o", tmp_path / "f.sketch", "--engine", "local")
    assert r.code == 0, r.err
    sk = from_bytes((tmp_path / "f.sketch").read_bytes())
    assert sk.meta["input"]["file"] == "parts" and sk.rows == 2000


# --- the duplicate count ---------------------------------------------------------------


def test_seal_is_a_keyed_permutation():
    rng = np.random.default_rng(3)
    values = np.unique(rng.integers(0, 2**63, 200_000, dtype=np.uint64))
    sealed = seal(values, seal_key(KEY))
    assert np.unique(sealed).size == values.size  # no two digests merge
    assert (sealed == seal(values, seal_key(KEY))).all()
    other = seal(values, seal_key(CaseKey(bytes(32), "engine-tests")))
    assert np.count_nonzero(sealed == other) < 3


@pytest.mark.parametrize("memory", [1 << 23, 1000])
def test_duplicate_counter_is_exact_in_memory_and_spilled(memory, tmp_path):
    rng = np.random.default_rng(7)
    batches = [rng.integers(0, 50_000, 20_000, dtype=np.uint64) for _ in range(5)]
    everything = np.concatenate(batches)
    expected = everything.size - np.unique(everything).size
    counter = DuplicateCounter(seal_key(KEY), memory_digests=memory, spill_dir=str(tmp_path))
    for b in batches:
        counter.add(b)
    assert counter.count() == expected
    assert list(tmp_path.iterdir()) == []  # the spill folder is gone


def test_duplicate_rows_survive_spilling(mini_world, kit, tmp_path, monkeypatch):
    src = mini_world / "org_a.csv"
    frame = pl.read_csv(src, infer_schema=False)
    pl.concat([frame, frame.head(150)]).write_csv(tmp_path / "dup.csv")
    sk = _sketch(tmp_path / "dup.csv", kit, batch_rows=300)
    assert sk.meta["quality"]["duplicate_rows"] == 150
    # The same file again, spilling digests after every 100 rows: the same bytes.
    monkeypatch.setitem(DuplicateCounter.__init__.__kwdefaults__, "memory_digests", 100)
    assert to_bytes(_sketch(tmp_path / "dup.csv", kit, batch_rows=300)) == to_bytes(sk)
