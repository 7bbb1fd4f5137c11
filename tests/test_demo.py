"""End to end from the bundled raw files to HTML reports: the demo's attributions."""

from __future__ import annotations

import json

import pytest

from attrib.demo import samples_dir

EXPECTED = {
    "leaks/plain.csv": ("attributed", "insurer_a"),
    "leaks/nested.xlsx": ("attributed", "dealer"),
    "leaks/mixture.jsonl": ("mixture", "bank"),
    "leaks/padded.csv": ("attributed", "courier"),
    "leaks/time.csv": ("attributed", "insurer_a"),
    "leaks/absent.csv": ("inconclusive", None),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from attrib.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo") / "d", progress=lambda m: None)


def test_samples_manifest_lists_expected_leaks():
    manifest = json.loads((samples_dir() / "manifest.json").read_text())
    assert {leak["file"] for leak in manifest["leaks"]} == set(EXPECTED)


def test_every_sample_leak_attributed_as_ground_truth(demo):
    assert demo["correct"] == len(demo["leaks"]) == len(EXPECTED)
    for item in demo["leaks"]:
        status, org = EXPECTED[item["file"]]
        v = item["result"]["verdict"]
        assert (v["status"], v["org"]) == (status, org), item["file"]


def test_time_leak_window_contains_true_snapshot(demo):
    item = next(i for i in demo["leaks"] if i["file"] == "leaks/time.csv")
    lo, hi = item["result"]["verdict"]["snapshot_window"]
    assert lo <= "2023-06-30" <= hi
    assert hi < "2025-06-30"


def test_mixture_components_and_shares(demo):
    item = next(i for i in demo["leaks"] if i["file"] == "leaks/mixture.jsonl")
    shares = {c["org"]: c["fraction"] for c in item["result"]["components"]}
    assert set(shares) == {"bank", "courier", "telecom"}
    assert abs(shares["bank"] - 0.5) < 0.05


def test_html_reports_written(demo):
    from pathlib import Path

    for item in demo["leaks"]:
        html = Path(item["report"]).read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        assert item["result"]["leak"]["sha256"] in html
        assert "<script" not in html
