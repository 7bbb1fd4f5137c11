"""The Spark engine writes the same sketch bytes as the local engine (Spark local mode).

One local[2] session serves the whole module (the engine reuses an active session);
small input splits force several partitions, so partial sketches really are merged.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import polars as pl
import pytest

from attrib import engines
from attrib.engines.spark import SparkJobError, job_error
from attrib.kit import load_kit
from attrib.sketch import from_bytes, to_bytes

pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("the Spark engine needs Java", allow_module_level=True)

MASTER = "local[2]"
# PySpark warns that it does not fully support pandas 3; attrib's engine never uses pandas.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")


@pytest.fixture(scope="module")
def spark():
    from attrib.engines.spark import spark_session

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with spark_session(MASTER) as session:
        # Many small splits: every file becomes several partitions and partial sketches.
        session.conf.set("spark.sql.files.maxPartitionBytes", "48k")
        session.conf.set("spark.sql.files.openCostInBytes", "0")
        session.conf.set("spark.sql.shuffle.partitions", "4")
        yield session


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    from attrib.api import create_case
    from attrib.kit import export_kit

    d = tmp_path_factory.mktemp("kit")
    create_case(d / "case")
    export_kit(d / "case", d / "kit.json")
    return d / "kit.json"


@pytest.fixture(scope="module")
def inputs(mini_world, tmp_path_factory) -> dict[str, Path]:
    """The same list as CSV, typed Parquet, a folder of Parquet parts, quoted line breaks."""
    d = tmp_path_factory.mktemp("inputs")
    frame = pl.read_csv(mini_world / "org_a.csv", infer_schema=False)
    duplicated = pl.concat([frame, frame.head(40)])
    duplicated.write_csv(d / "list.csv")
    typed = duplicated.with_columns(pl.col("手机号").cast(pl.Int64))  # numbers as stored
    typed.write_parquet(d / "list.parquet", row_group_size=500)
    (d / "parts").mkdir()
    for i in range(3):
        typed.slice(i * 700, 700).write_parquet(d / "parts" / f"part-{i:05d}.parquet")
    (d / "parts" / "_SUCCESS").write_bytes(b"")
    broken = duplicated.with_columns(
        pl.when(pl.col("手机号").str.ends_with("07")).then(pl.col("地址") + "\n2单元")
        .otherwise(pl.col("地址")).alias("地址"))
    broken.write_csv(d / "multiline.csv")
    return {"csv": d / "list.csv", "parquet": d / "list.parquet", "folder": d / "parts",
            "multiline": d / "multiline.csv"}


def _sketch(engine: str, path: Path | str, kit: Path) -> bytes:
    key, params = load_kit(kit)
    runner = engines.get_engine(engine, master=MASTER if engine == "spark" else None)
    sk = runner.sketch(path, key, params, kind="source", meta={"org": "o"}, exact=True,
                       batch_rows=300)
    return to_bytes(sk)


@pytest.mark.parametrize("name", ["csv", "parquet", "multiline"])
def test_spark_sketch_is_bit_identical_to_local(spark, inputs, kit, name):
    local = _sketch("local", inputs[name], kit)
    assert _sketch("spark", inputs[name], kit) == local
    quality = from_bytes(local).meta["quality"]
    assert quality["duplicate_rows"] == 40 and quality["rows"] == 2040


def test_source_add_with_spark_stores_the_local_sketch(spark, run, inputs, tmp_path):
    from attrib.api import create_case
    from attrib.case import open_case

    case = create_case(tmp_path / "case")
    r = run("source", "add", tmp_path / "case", inputs["folder"], "--org", "bank_a",
            "--snapshot", "2025-01-01", "--engine", "spark", "--master", MASTER)
    assert r.code == 0, r.err
    case = open_case(tmp_path / "case")
    (entry,) = case.sources()
    stored = case.read_sketch(entry)
    local = engines.get_engine("local").sketch(
        inputs["folder"], case.key(), case.params, kind="source",
        meta={"org": "bank_a", "snapshot": "2025-01-01"}, exact=True)
    assert to_bytes(stored) == to_bytes(local)
    assert stored.meta["input"]["file"] == "parts" and stored.rows == 2040


def test_spark_reads_urls_like_local_paths(spark, inputs, kit):
    url = inputs["folder"].resolve().as_uri()
    assert _sketch("spark", url, kit) == _sketch("local", inputs["folder"], kit)


def test_cli_spark_engine_writes_the_local_bytes(spark, run, inputs, kit, tmp_path,
                                                 monkeypatch):
    monkeypatch.setattr("attrib.kit.utc_now", lambda: "2025-06-01T00:00:00Z")
    outs = {}
    for engine in ("local", "spark"):
        outs[engine] = tmp_path / f"{engine}.sketch"
        extra = ["--master", MASTER] if engine == "spark" else []
        r = run("sketch", inputs["csv"], "--kit", kit, "--org", "o", "--snapshot",
                "2025-01-01", "-o", outs[engine], "--batch-rows", "500", "--engine", engine,
                *extra)
        assert r.code == 0, r.err
    assert outs["spark"].read_bytes() == outs["local"].read_bytes()


def test_spark_engine_refuses_what_it_cannot_read(spark, mini_world, kit, tmp_path):
    from attrib.errors import UsageError

    pl.read_csv(mini_world / "org_a.csv", infer_schema=False).write_ndjson(tmp_path / "a.jsonl")
    with pytest.raises(UsageError, match="reads CSV, TSV and Parquet, not jsonl"):
        _sketch("spark", tmp_path / "a.jsonl", kit)


def test_job_errors_are_one_line_without_the_worker_traceback():
    worker = RuntimeError("An exception was thrown from the Python worker: Traceback (most "
                          "recent call last):\n  File \"x.py\", line 1\nattrib.engines.kernel."
                          "KernelError: attrib kernel failed on a partition (ValueError)\n")
    err = job_error(worker)
    assert isinstance(err, SparkJobError) and "\n" not in str(err)
    assert "KernelError: attrib kernel failed on a partition (ValueError)" in str(err)
    assert "cannot import attrib" in str(job_error(ModuleNotFoundError(
        "No module named 'attrib'")))


def test_key_stays_out_of_plans_and_reprs(spark, kit):
    from attrib.engines.kernel import PARTIAL_SCHEMA, Plan, Reading, bound_kernel

    key, params = load_kit(kit)
    plan = Plan(key=key, params=params, kind="source", exact=False, columns=(),
                reading=Reading(names=("a",), text=True), batch_rows=10)
    frame = spark.createDataFrame([("x",)], "a string").mapInArrow(bound_kernel(plan),
                                                                  PARTIAL_SCHEMA)
    described = frame._jdf.queryExecution().toString()
    assert "attrib_partition_kernel" in described
    assert key.secret.hex() not in described and key.secret.hex() not in repr(plan)
    assert all(key.secret.hex() not in v for _, v in spark.sparkContext.getConf().getAll())
