"""Leak-to-leak links: in a case, and across cases through a keyed leak registry."""

from __future__ import annotations

import json
import stat

import numpy as np
import polars as pl
import pytest

from attrib.leaklinks import LinkSettings, ListTokens, find_links, links_to
from attrib.sketch import SketchParams, build_sketch
from attrib.tokens import CaseKey

KEY = CaseKey(bytes(range(32)), "leaks-test")


def lst(frame: pl.DataFrame, name: str, exact: bool = True) -> ListTokens:
    params = SketchParams(scale=10, num_perm=128, seed=1, key_id=KEY.key_id)
    sk = build_sketch(frame, KEY, params, kind="leak", meta={"kinds": list(frame.columns)},
                      exact=exact)
    return ListTokens.of(name, sk)


@pytest.fixture(scope="module")
def people():
    rng = np.random.default_rng(2)
    phones = 8613000000000 + rng.choice(10**9, 6000, replace=False)
    return pl.DataFrame({"phone": [str(p) for p in phones],
                         "address": [f"addr{i}" for i in range(6000)]})


def test_relations_between_lists(people):
    a = people[:1000]
    b = people[3000:3600]
    items = [lst(a, "A"), lst(a.sample(fraction=1.0, shuffle=True, seed=1), "A-repost"),
             lst(a[:300], "cut"), lst(pl.concat([a[:500], b[:500]]), "merge"),
             lst(people[5000:6000], "unrelated")]
    links = {(x.a, x.b): x for x in find_links(items)}
    assert links[("A", "A-repost")].relation == "near-duplicate"
    assert links[("A", "A-repost")].jaccard == 1.0
    assert links[("A", "cut")].relation == "b-inside-a"
    assert links[("A", "cut")].b_in_a == 1.0 and links[("A", "cut")].a_in_b == 0.3
    assert links[("cut", "merge")].relation == "a-inside-b"
    assert links[("A", "merge")].relation == "overlap"
    assert links[("A", "merge")].a_in_b == 0.5
    assert not any("unrelated" in pair for pair in links)
    # The MinHash estimate is reported next to the measured Jaccard.
    assert abs(links[("A", "merge")].jaccard_fingerprint - 1 / 3) < 0.15


def test_sampled_lists_give_intervals(people):
    a = people[:4000]
    q = lst(a[:1000], "q", exact=False)
    found = links_to(q, [lst(a, "A", exact=False), lst(people[4000:], "other", exact=False)])
    assert [x.b for x in found] == ["A"]
    x = found[0]
    assert x.sampled and x.relation == "a-inside-b"
    assert x.a_in_b_ci[0] <= 1.0 <= x.a_in_b_ci[1] + 1e-12 and x.a_in_b_ci[0] > 0.9


def test_thresholds_are_settings(people):
    items = [lst(people[:1000], "A"), lst(people[700:1000], "B")]
    assert find_links(items)[0].relation == "b-inside-a"
    strict = LinkSettings(contained_at=1.01, overlap_at=1.01)
    assert find_links(items, strict) == []


# ---------------------------------------------------------------------------
# Command line


@pytest.fixture
def leak_files(mini_world, tmp_path):
    leak = pl.read_csv(mini_world / "leak.csv", infer_schema_length=0)
    files = {"leak": mini_world / "leak.csv", "cut": tmp_path / "cut.csv",
             "repost": tmp_path / "repost.jsonl"}
    leak[:120].write_csv(files["cut"])
    # Re-posted by another seller: other order, English headers, JSON Lines.
    leak.reverse().rename({"姓名": "name", "手机号": "mobile", "身份证号": "id_no",
                           "地址": "addr"}).write_ndjson(files["repost"])
    return files


def test_case_leaks_list(tmp_path, run, mini_world, leak_files):
    c = tmp_path / "case"
    assert run("case", "init", c, "--population", "3000").code == 0
    assert run("source", "add", c, mini_world / "org_a.csv", "--org", "org_a",
               "--snapshot", "2024-06-30").code == 0
    for f in leak_files.values():
        assert run("attribute", c, f).code == 0
    r = run("leaks", c, "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    ids = {x["file"]: x["id"] for x in doc["leaks"]}
    rel = {frozenset((x["a"], x["b"])): x["relation"] for x in doc["links"]}
    assert rel[frozenset((ids["leak.csv"], ids["repost.jsonl"]))] == "near-duplicate"
    links_of_cut = {k: v for k, v in rel.items() if ids["cut.csv"] in k}
    assert len(links_of_cut) == 2 and set(links_of_cut.values()) <= {"a-inside-b", "b-inside-a"}
    table = run("leaks", c)
    assert "near-duplicate" in table.out and "repost.jsonl" in table.out


def test_registry_register_and_search(tmp_path, run, leak_files):
    reg = tmp_path / "registry"
    r = run("leaks", "register", reg, leak_files["leak"], "--label", "case 1", "--json")
    assert r.code == 0, r.err
    assert "created registry" in r.err
    first = json.loads(r.out)
    assert first["created"] and not first["links"]
    assert stat.S_IMODE((reg / "key").stat().st_mode) == 0o600
    r = run("leaks", "register", reg, leak_files["cut"], "--json")
    second = json.loads(r.out)
    assert [x["relation"] for x in second["links"]] == ["a-inside-b"]
    assert second["links"][0]["b"] == first["entry"]["id"]
    again = run("leaks", "register", reg, leak_files["cut"])
    assert "already registered" in again.err
    r = run("leaks", "search", reg, leak_files["repost"], "--json")
    found = json.loads(r.out)
    assert found["identical"] == []
    assert {x["registered"]["id"]: x["relation"] for x in found["links"]} == {
        first["entry"]["id"]: "near-duplicate", second["entry"]["id"]: "b-inside-a"}
    r = run("leaks", "search", reg, leak_files["leak"], "--json")
    assert json.loads(r.out)["identical"] == [first["entry"]["id"]]
    # Only registry-keyed tokens: no value of the list is in the registry.
    leak = pl.read_csv(leak_files["leak"], infer_schema_length=0)
    blob = b"".join(p.read_bytes() for p in reg.rglob("*") if p.is_file())
    for value in leak.row(0):
        assert value.encode() not in blob


def test_registry_errors(tmp_path, run, leak_files, mini_world):
    r = run("leaks", "search", tmp_path / "nope", leak_files["leak"])
    assert r.code == 3
    assert r.err == (f"attrib: error: {tmp_path / 'nope'}: not a leak registry (registry.json "
                     "is missing; 'attrib leaks register' creates one)\n")
