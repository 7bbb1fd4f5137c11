"""Canary records: generation, registration (tokens only), matching, the verdict."""

from __future__ import annotations

import json

import numpy as np
import phonenumbers
import polars as pl
import pytest

from attrib.canary import (
    UNASSIGNED_PREFIXES,
    CanarySet,
    make_canary_persons,
    match_canaries,
    register,
)
from attrib.fields import detect_columns, normalise
from attrib.tokens import CaseKey, masked_record_tokens, record_tokens

KEY = CaseKey(bytes(range(32)), "canary-test")


@pytest.fixture(scope="module")
def persons():
    return make_canary_persons(np.random.default_rng(3), 40)


def test_canaries_look_real_but_phones_are_unassigned(persons):
    assert persons.columns == ["name", "gender", "birth_date", "national_id", "phone",
                               "address"]
    norm = normalise(persons, detect_columns(persons))
    kinds = {c.column: c.kind for c in norm.columns if c.primary}
    assert kinds == {"name": "name", "birth_date": "birth_date", "national_id": "national_id",
                     "phone": "phone", "address": "address"}
    q = norm.quality.to_dict()["kinds"]
    # Valid IDs (check digits, dates) and phones that attrib reads as ordinary mobiles ...
    assert q["national_id"]["valid"] == 40 and q["phone"]["valid"] == 40
    # ... in ranges no operator serves, per libphonenumber's metadata.
    for p in persons["phone"]:
        assert p[:3] in UNASSIGNED_PREFIXES
        assert not phonenumbers.is_valid_number(phonenumbers.parse("+86" + p, None))
    # The ID's birth date and sex digit agree with the record.
    ids = persons["national_id"].to_list()
    dates = persons["birth_date"].str.replace_all("-", "").to_list()
    assert all(i[6:14] == d for i, d in zip(ids, dates, strict=True))
    male = [int(i[16]) % 2 == 1 for i in ids]
    assert male == [g == "男" for g in persons["gender"]]


def leak_tokens(frame: pl.DataFrame) -> pl.DataFrame:
    norm = normalise(frame, detect_columns(frame)).frame
    return pl.concat([record_tokens(norm, KEY).frame, masked_record_tokens(norm, KEY).frame])


def test_match_rules(persons):
    cs, ids = register(None, "org_b", KEY, persons, "2025-01-02")
    assert len(ids) == 40 and len(set(ids)) == 40
    assert all(set(c["tokens"]) >= {"phone", "name_phone", "national_id", "name_dob"}
               for c in cs.canaries)
    p = persons.select("name", "birth_date", "national_id", "phone", "address")
    masked = p[5:6].with_columns(pl.col("phone").str.slice(0, 3) + "****"
                                 + pl.col("phone").str.slice(7),
                                 pl.lit(None, dtype=pl.String).alias("national_id"))
    # A real person who happens to hold canary 7's ID number, under another name.
    other = p[7:8].with_columns(pl.lit("欧阳娜娜").alias("name"),
                                pl.lit("13800000000").alias("phone"))
    no_phone = p[9:10].with_columns(pl.lit(None, dtype=pl.String).alias("phone"))
    leak = pl.concat([p[2:3], masked, other, no_phone])
    found = {m.canary: m for m in match_canaries(leak_tokens(leak), [cs])}
    assert set(found) == {ids[2], ids[5], ids[9]}
    assert found[ids[2]].records == [1] and "phone" in found[ids[2]].matched_by
    assert found[ids[5]].matched_by == ["masked_phone_dob", "masked_phone_name"]
    assert found[ids[9]].matched_by == ["name_dob", "national_id"]
    assert found[ids[2]].org == "org_b" and found[ids[2]].planted == "2025-01-02"


def test_register_refuses_another_key_and_repeats(persons):
    cs, _ = register(None, "org_b", KEY, persons[:3], "2025-01-02")
    with pytest.raises(Exception, match="another case key"):
        register(cs, "org_b", CaseKey(bytes(32), "x"), persons[3:6], "2025-01-02")
    with pytest.raises(Exception, match="repeats a registered one"):
        register(cs, "org_b", KEY, persons[:1], "2025-01-03")
    assert CanarySet.from_dict(cs.to_dict()) == cs


# ---------------------------------------------------------------------------
# End to end through the command line


@pytest.fixture
def case(tmp_path, run, mini_world):
    c = tmp_path / "case"
    assert run("case", "init", c, "--population", "3000").code == 0
    for org, file in (("org_a", "org_a.csv"), ("org_b", "org_b.csv")):
        assert run("source", "add", c, mini_world / file, "--org", org,
                   "--snapshot", "2024-06-30").code == 0
    return c


def test_canary_generate_list_and_attribution(case, run, mini_world, tmp_path):
    planted = tmp_path / "plant.csv"
    r = run("canary", "generate", case, "--org", "org_b", "-n", "5", "-o", planted,
            "--seed", "1", "--json")
    assert r.code == 0, r.err
    facts = json.loads(r.out)
    assert facts["count"] == 5 and facts["total"] == 5 and len(facts["ids"]) == 5
    exported = pl.read_csv(planted, infer_schema_length=0)
    assert exported.columns == ["姓名", "性别", "出生日期", "身份证号", "手机号", "地址"]
    # The case stores keyed tokens only: no canary value appears in it.
    stored = (case / "canaries" / "org_b.json").read_text()
    for value in exported.row(0):
        assert value not in stored
    listing = run("canary", "list", case, "--json")
    assert json.loads(listing.out)["organisations"][0]["count"] == 5
    assert exported["手机号"][0] not in listing.out

    # org_a's records with one of org_b's canaries slipped in: org_b, near-certainly.
    leak = pl.read_csv(mini_world / "leak.csv", infer_schema_length=0)
    canary_row = exported.select(leak.columns)[3:4]
    leak_file = tmp_path / "leak_with_canary.csv"
    pl.concat([leak[:150], canary_row, leak[150:]]).write_csv(leak_file)
    out = tmp_path / "r.json"
    r = run("attribute", case, leak_file, "--json", out)
    assert r.code == 0, r.err
    doc = json.loads(out.read_text())
    assert doc["verdict"]["status"] == "attributed" and doc["verdict"]["org"] == "org_b"
    assert doc["verdict"]["confidence"] > 1 - 1e-5
    assert "canary" in doc["verdict"]["reason"]
    assert doc["canaries"] == [{"id": facts["ids"][3], "org": "org_b",
                                "planted": doc["canaries"][0]["planted"], "records": [151],
                                "matched_by": ["masked_phone_name", "name_phone", "phone"]}]
    # Planted today, after the case's only snapshot: the leak is younger than it.
    assert "later than every snapshot" in doc["verdict"]["reason"]
    assert doc["verdict"]["snapshot_window"] == ["2024-06-30", "2024-06-30"]
    # Without the canary the same list is org_a's, and the result says no canary matched.
    r = run("attribute", case, mini_world / "leak.csv", "--json", out)
    doc = json.loads(out.read_text())
    assert doc["verdict"]["org"] == "org_a" and doc["canaries"] == []


def test_tampered_canary_file_is_refused(case, run, mini_world, tmp_path):
    assert run("canary", "generate", case, "--org", "org_a", "-n", "2", "-o",
               tmp_path / "p.jsonl", "--seed", "2").code == 0
    path = case / "canaries" / "org_a.json"
    data = json.loads(path.read_text())
    data["canaries"].append(dict(data["canaries"][0], id="cny-framed"))
    path.write_text(json.dumps(data))
    r = run("attribute", case, mini_world / "leak.csv")
    assert r.code == 5
    assert r.err == (f"attrib: error: {path}: canary file was modified outside attrib "
                     "(SHA-256 differs from the audit log); restore it from a copy of the "
                     "case\n")


def test_canary_generate_usage_errors(case, run, tmp_path):
    r = run("canary", "generate", case, "--org", "org_a", "-n", "0", "-o", tmp_path / "x.csv")
    assert r.code == 2
    assert r.err == "attrib: error: invalid -n 0: generate between 1 and 100000 canaries\n"
    r = run("canary", "generate", case, "--org", "org_a", "-o", tmp_path / "x.txt")
    assert r.err == ("attrib: error: invalid -o x.txt: the file must end in .csv, .jsonl, "
                     ".xlsx\n")


# ---------------------------------------------------------------------------
# The engine's override, on a small world


@pytest.fixture(scope="module")
def small_world():
    from attrib.sketch import SketchParams, build_sketch

    p = SketchParams(scale=4, num_perm=64, seed=1, key_id=KEY.key_id)
    phones = [f"8613{x:09d}" for x in range(3000)]
    frame = pl.DataFrame({"phone": phones, "address": [f"addr{i}" for i in range(3000)]})

    def sk(df, kind, org=None):
        meta = {"kinds": ["phone", "address"], "org": org, "snapshot": "2024-06-30"}
        return build_sketch(df, KEY, p, kind=kind, meta=meta, exact=True,
                            keep_records=kind == "leak")

    sources = [sk(frame[:1500], "source", "A"), sk(frame[1000:2500], "source", "B")]
    leak = sk(frame[:400], "leak")
    return sources, leak, phones


def planted(org: str, phones: list[str]) -> CanarySet:
    from attrib.tokens import token_of

    return CanarySet(org, KEY.key_id, [
        {"id": f"cny-{org}{i}", "planted": "2024-01-01",
         "tokens": {"phone": format(token_of(KEY, "phone", ph), "016x")}}
        for i, ph in enumerate(phones)])


def test_engine_canary_override(small_world):
    from attrib.attribution import attribute

    sources, leak, phones = small_world
    plain = attribute(leak, sources, 10_000)
    assert plain.verdict.org == "A" and plain.canaries == []
    # A's list, but holding a canary registered under B: B, near-certainly.
    res = attribute(leak, sources, 10_000, canaries=[planted("B", phones[7:8])])
    assert res.verdict.status == "attributed" and res.verdict.org == "B"
    assert res.verdict.confidence == pytest.approx(1 - 1e-6)
    assert [c.canary for c in res.canaries] == ["cny-B0"] and res.canaries[0].records
    assert res.outside_probability < 1e-6
    # Canaries of both: a mixture of the two.
    both = attribute(leak, sources, 10_000,
                     canaries=[planted("A", phones[1:3]), planted("B", phones[7:8])])
    assert both.verdict.status == "mixture" and both.verdict.org == "A"
    # Canaries of an organisation with no snapshot in the case change nothing but the reason.
    other = attribute(leak, sources, 10_000, canaries=[planted("Z", phones[5:6])])
    assert other.verdict.org == "A" and "Z" in other.verdict.reason
