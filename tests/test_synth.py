"""Tests of the synthetic world: determinism, validity, documented rates, leak truth."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from attrib.synth import SIZES, Style, build_leak, build_world, make_leak, render, write_table
from attrib.synth import ids as synth_ids
from attrib.synth.config import LEAK, ORGS
from attrib.synth.exports import EXPORTS, export_frame
from attrib.synth.leaks import FAMILIES, has_identifier
from attrib.synth.samples import SCHEMA, write_samples
from attrib.synth.stats import copy_drift, overlap, pairwise_drift, snapshot_sizes


@pytest.fixture(scope="module")
def world():
    return build_world(7, "small")


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_frames(world):
    again = build_world(7, "small")
    assert again.population.equals(world.population)
    for key in [("insurer_a", "2023-06-30"), ("courier", "2025-06-30"), ("bank", "2025-03-31")]:
        assert again.snapshots[key].equals(world.snapshots[key])
    f1, t1 = make_leak(world, "padded", 5)
    f2, t2 = make_leak(again, "padded", 5)
    assert f1.equals(f2) and t1 == t2


def test_other_seed_other_world(world):
    other = build_world(8, "small")
    assert not other.population["national_id"].equals(world.population["national_id"])


def test_sizes_and_unknown_size():
    assert SIZES["small"] < SIZES["medium"] < SIZES["large"]
    with pytest.raises(Exception, match="unknown world size"):
        build_world(1, "huge")


# --------------------------------------------------------------------------- persons


def test_national_ids_valid_and_consistent(world):
    pop = world.population
    nid = pop["national_id"]
    assert synth_ids.national_id_valid(nid).all()
    assert nid.is_unique().all()
    # Embedded birth date and gender digit agree with the person.
    assert (nid.str.slice(6, 8) == pop["birth_date"].str.replace_all("-", "")).all()
    odd = nid.str.slice(16, 1).cast(pl.Int64) % 2 == 1
    assert (odd == (pop["gender"] == "M")).all()
    years = pop["birth_date"].str.slice(0, 4).cast(pl.Int64)
    assert years.min() >= 1940 and years.max() <= 2005


def test_check_digit_known_vector():
    # GB 11643 example: 11010519491231002X.
    assert synth_ids.national_id_valid(["11010519491231002X", "11010519491231002x"]).all()
    assert not synth_ids.national_id_valid(["110105194912310021", "11010519490230002X"]).any()


def test_fabricated_ids_are_invalid():
    rng = np.random.default_rng(1)
    fake = synth_ids.fabricated_national_ids(
        rng, np.full(500, 110105), np.full(500, 19900102, dtype=np.int64)
    )
    assert not synth_ids.national_id_valid(fake).any()


def test_phones_emails_plates(world):
    pop = world.population
    assert pop["phone"].str.contains(r"^861[3-9]\d{9}$").all()
    assert pop["phone"].is_unique().all()
    assert world.people.phone.is_unique().all()  # every number ever issued is unique
    owners = pop.filter(pl.col("car_owner"))
    assert owners["plate"].str.contains(r"^\p{Han}[A-Z]([A-Z0-9]{5}|[DF]\d{5})$").all()
    assert pop.filter(~pl.col("car_owner"))["plate"].is_null().all()
    assert 0.30 < pop["car_owner"].mean() < 0.40
    email = pop["email"].drop_nulls()
    assert email.str.contains(r"^[a-z0-9.]+@[a-z0-9.]+$").all()
    assert 0.55 < pop["email"].is_not_null().mean() < 0.75
    names = pop["name"].str.len_chars()
    assert names.min() >= 2 and names.max() <= 3 and (names == 3).mean() > 0.7


def test_addresses_mostly_match_id_region(world):
    from attrib.synth import data

    # Non-migrants (78%) started out in their ID's city; later moves spread them out.
    city = {p.code4: p.city for p in data.PREFECTURES}
    id_city = world.population["id_region"].str.slice(0, 4).replace_strict(city)
    first_home = world.people.addr.head(world.people.n)
    match = pl.Series([c in a for a, c in zip(first_home, id_city, strict=True)])
    assert 0.75 < match.mean() < 0.9
    now = pl.Series([c in a for a, c in zip(world.population["address"], id_city, strict=True)])
    assert 0.6 < now.mean() < match.mean()


# --------------------------------------------------------------------------- orgs


def test_orgs_and_absent(world):
    assert {o.id for o in ORGS} >= {"vla", "insurer_a", "insurer_b", "bank", "courier", "dealer"}
    absent = world.absent_orgs()
    assert absent and all(not o.in_case for o in absent)
    in_case_ids = {o.id for o in world.in_case_orgs()}
    for o in absent:
        assert o.id not in in_case_ids
        # Heavy overlap with an included organisation: the open-world trap.
        best = max(overlap(world, o.id, other) for other in in_case_ids)
        assert best >= 0.6


def test_snapshot_sizes_join_and_churn(world):
    rows = snapshot_sizes(world)
    for r in rows:
        if world.orgs[r["org"]].in_case:
            assert 500 <= r["rows"] <= 8000, r
        if r["joined"] is not None:
            assert 0.07 <= r["joined"] <= 0.20, r
            assert 0.0 <= r["left"] <= 0.13, r
    assert all(2 <= len(o.snapshots) <= 4 for o in world.orgs.values())


def test_overlap_rates(world):
    assert 0.60 <= overlap(world, "insurer_a", "insurer_b") <= 0.80
    assert 0.60 <= overlap(world, "insurer_b", "insurer_a") <= 0.80
    assert 0.55 <= overlap(world, "insurer_c", "insurer_a") <= 0.80
    assert 0.55 <= overlap(world, "courier_b", "courier") <= 0.80
    assert overlap(world, "insurer_a", "vla") >= 0.95
    assert overlap(world, "dealer", "vla") >= 0.85
    ia, ib = world.snapshot("insurer_a"), world.snapshot("insurer_b")
    insured = np.union1d(ia["person_id"].to_numpy(), ib["person_id"].to_numpy())
    assert np.isin(world.snapshot("dealer")["person_id"].to_numpy(), insured).mean() >= 0.65
    vla = world.snapshot("vla")["person_id"].to_numpy()
    for name in ("insurer_a", "insurer_b"):
        share = len(world.snapshot(name)) / len(vla)
        assert 0.35 <= share <= 0.50, (name, share)


def test_copies_drift(world):
    for org in world.orgs:
        d = copy_drift(world, org)
        assert 0.25 <= d["address"] <= 0.50, (org, d)
        assert d["phone"] <= 0.25, (org, d)
    for org in ("vla", "insurer_a", "insurer_b", "bank", "dealer"):
        assert 0.07 <= copy_drift(world, org)["phone"] <= 0.22, org
    p = pairwise_drift(world, "insurer_a", "insurer_b")
    assert 0.30 <= p["address"] <= 0.55 and 0.05 <= p["phone"] <= 0.25
    assert p["national_id"] == 0.0 and p["name"] == 0.0
    # A person's copy changes between snapshots of one org (the time signal).
    a, b = (
        world.snapshots[("insurer_a", "2023-06-30")],
        world.snapshots[("insurer_a", "2025-06-30")],
    )
    j = a.join(b, on="person_id", suffix="_b")
    assert 0.03 <= (j["address"] != j["address_b"]).mean() <= 0.30


def test_snapshot_fields_are_the_orgs(world):
    for (org, _date), frame in world.snapshots.items():
        assert frame.columns == ["person_id", *world.orgs[org].fields]
        assert frame["person_id"].is_unique().all()


# --------------------------------------------------------------------------- leaks


def _check_leak(world, leak):
    truth, prov, canon = leak.truth, leak.provenance, leak.canonical
    assert leak.frame.height == truth["rows"] == prov.height == canon.height
    assert truth["expected_status"] in ("attributed", "mixture", "inconclusive")
    assert has_identifier(truth["fields"])
    assert json.loads(json.dumps(truth)) == truth  # JSON-able
    shares = sum(c["fraction"] for c in truth["components"])
    assert shares + truth["padding_fraction"] == pytest.approx(1.0, abs=2e-3)
    src = prov["origin"] == "source"
    assert (1 - src.mean()) == pytest.approx(truth["padding_fraction"], abs=1e-3)
    comps = {(c["org"], c["snapshot"]) for c in truth["components"]}
    for (org, date), rows in prov.with_row_index().filter(src).group_by(["org", "snapshot"]):
        assert (org, date) in comps
        snap = world.snapshots[(org, date)]
        ids = rows["person_id"]
        assert ids.is_in(snap["person_id"].implode()).all()  # subset of the snapshot
        # Values are that org's copy (except rows the noisy family damaged).
        clean = rows.filter(~pl.col("typo"))
        got = canon[clean["index"].to_list()]
        want = got.select("person_id").join(snap, on="person_id", how="left")
        assert got.select(truth["fields"]).equals(want.select(truth["fields"]))
        frac = next(
            c["fraction"] for c in truth["components"] if (c["org"], c["snapshot"]) == (org, date)
        )
        assert rows.height / prov.height == pytest.approx(frac, abs=1e-3)


@pytest.mark.parametrize("family", FAMILIES)
def test_family_truth_consistent(world, family):
    for seed in range(3):
        leak = build_leak(world, family, seed)
        _check_leak(world, leak)
        t = leak.truth
        assert t["family"] == family
        if family == "absent":
            assert t["expected_status"] == "inconclusive" and not t["in_case"]
            assert not world.orgs[t["org"]].in_case
        elif family == "mixture":
            assert t["expected_status"] == "mixture" and t["org"] is None
            assert 2 <= len(t["components"]) <= 3
            assert min(c["fraction"] for c in t["components"]) >= LEAK.mixture_min_share - 0.01
        else:
            assert t["expected_status"] == "attributed" and t["in_case"]
            assert t["snapshot"] in world.orgs[t["org"]].snapshots
        if family == "tiny":
            assert 100 <= t["rows"] <= 300
        if family == "time":
            assert t["snapshot"] != world.orgs[t["org"]].snapshots[-1]
        if family == "overlap":
            assert t["org"] in ("insurer_a", "insurer_b")
        if family in ("plain", "overlap", "time", "absent"):
            size = world.snapshots[(t["org"], t["snapshot"])].height
            assert 0.049 <= t["rows"] / size <= 0.501


def test_nested_variants(world):
    small = build_leak(world, "nested", 1, variant="small").truth
    assert small["org"] == "dealer"
    big = build_leak(world, "nested", 1, variant="big").truth
    assert big["org"] in ("vla", "insurer_a")


def test_padded_outsiders(world):
    for padding in ("population", "fabricated", "both"):
        leak = build_leak(
            world,
            "padded",
            3,
            padding=padding,
            pad_fraction=0.3,
            fields=["name", "national_id", "phone", "birth_date"],
            org="insurer_a",
        )
        _check_leak(world, leak)
        prov, canon = leak.provenance, leak.canonical
        assert leak.truth["padding_fraction"] == pytest.approx(0.3, abs=0.01)
        snap = world.snapshots[(leak.truth["org"], leak.truth["snapshot"])]
        pop_rows = prov["origin"] == "population"
        assert not prov.filter(pop_rows)["person_id"].is_in(snap["person_id"].implode()).any()
        # Outsiders carry their true current fields.
        got = canon.filter(pop_rows)
        want = got.select("person_id").join(world.population, on="person_id", how="left")
        assert got["phone"].equals(want["phone"])
        fab = canon.filter(prov["origin"] == "fabricated")
        assert fab["person_id"].is_null().all()
        assert not synth_ids.national_id_valid(fab["national_id"]).any()
        if padding == "fabricated":
            # A share of the fabricated birth dates do not exist (1990-02-30).
            ymd = fab["birth_date"].str.split("-").list.to_struct(fields=["y", "m", "d"]).struct
            real = synth_ids.real_date(*(ymd.field(k).cast(pl.Int64).to_numpy() for k in "ymd"))
            assert 0.15 < 1 - real.mean() < 0.6
            # ... and the ID embeds the same (possibly impossible) date.
            embedded = fab["national_id"].str.slice(6, 8)
            assert (embedded == fab["birth_date"].str.replace_all("-", "")).all()


def test_noisy_damage(world):
    leak = build_leak(
        world,
        "noisy",
        2,
        org="vla",
        fraction=0.3,
        fields=["name", "phone", "national_id", "address"],
        masked=0.4,
    )
    text = leak.frame
    phone_col = [c for c in text.columns if text[c].cast(pl.String).str.contains(r"\*{4}").any()]
    assert phone_col, "masked phones expected"
    masked = text[phone_col[0]].str.contains(r"\*{4}").mean()
    assert 0.3 < masked < 0.5
    assert leak.provenance["typo"].any()
    assert any(text[c].str.contains(r"^\d{17}x$").any() for c in text.columns)


def test_mixture_components_option(world):
    comps = [("bank", "2025-03-31", 0.6), ("telecom", "2025-06-30", 0.4)]
    leak = build_leak(world, "mixture", 4, components=comps, rows=500)
    _check_leak(world, leak)
    got = {c["org"]: c["fraction"] for c in leak.truth["components"]}
    assert got == pytest.approx({"bank": 0.6, "telecom": 0.4}, abs=0.01)


def test_unknown_family(world):
    with pytest.raises(Exception, match="unknown leak family"):
        make_leak(world, "nope", 0)


# --------------------------------------------------------------------------- rendering


def _digits(s: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", s))


def test_render_keeps_semantics(world):
    snap = world.snapshot("insurer_a").head(200)
    for phone in (
        "plain",
        "dash",
        "space",
        "intl",
        "intl_compact",
        "intl_dash",
        "zero",
        "fullwidth",
        "mixed",
    ):
        for date in ("iso", "slash", "slash_pad", "compact", "cn", "dot"):
            out = render(
                snap,
                Style(
                    headers="zh",
                    phone=phone,
                    date=date,
                    fullwidth=0.3,
                    spaces=0.2,
                    plate="dot",
                    national_id="lower",
                    seed=1,
                ),
            )
            assert out.columns[:3] == ["客户姓名", "身份证号", "手机号码"]
            for got, want in zip(out["手机号码"], snap["phone"], strict=True):
                d = _digits(got)
                assert d[-11:] == want[2:] and d[:-11] in ("", "86", "0086")
            for got, want in zip(out["出生日期"], snap["birth_date"], strict=True):
                parts = re.findall(r"\d+", unicodedata.normalize("NFKC", got))
                if len(parts) == 1:
                    parts = [parts[0][:4], parts[0][4:6], parts[0][6:]]
                assert "-".join(f"{int(p):02d}" for p in parts) == want
            ids_out = out["身份证号"].map_elements(
                lambda s: unicodedata.normalize("NFKC", s).strip().upper(), return_dtype=pl.String
            )
            assert ids_out.equals(snap["national_id"].alias("身份证号"))
            plates = out["车牌号"].str.replace_all(r"[·\s]", "")
            assert plates.equals(snap["plate"].alias("车牌号"))


def test_render_headerless_and_masked(world):
    snap = world.snapshot("courier").head(50)
    out = render(snap, Style(headers="none", masked_phone=1.0))
    assert out.columns == ["col1", "col2", "col3"]
    assert out["col2"].str.contains(r"^1\d\d\*{4}\d{4}$").all()


def test_exports_differ_per_org(world):
    formats = {(e.fmt, e.encoding) for e in EXPORTS.values()}
    assert {
        ("csv", "gb18030"),
        ("csv", "utf-8"),
        ("xlsx", "utf-8"),
        ("parquet", "utf-8"),
        ("jsonl", "utf-8"),
    } <= formats
    frame = export_frame(world, "insurer_b", "2024-12-31")
    assert "手机号码" in frame.columns and "保单编号" in frame.columns
    assert frame["出生日期"].str.contains("年").all()


def test_write_table_formats(world, tmp_path):
    frame = render(world.snapshot("dealer").head(30), Style(headers="zh"))
    for fmt, enc in [
        ("csv", "gb18030"),
        ("csv", "utf-8-sig"),
        ("tsv", "utf-8"),
        ("jsonl", "utf-8"),
        ("parquet", "utf-8"),
        ("xlsx", "utf-8"),
    ]:
        p1 = write_table(frame, tmp_path / f"a_{enc}.{fmt}", fmt, enc, notes=frame.head(2))
        p2 = write_table(frame, tmp_path / f"b_{enc}.{fmt}", fmt, enc, notes=frame.head(2))
        assert p1.read_bytes() == p2.read_bytes(), fmt
    raw = (tmp_path / "a_gb18030.csv").read_bytes()
    back = pl.read_csv(raw.decode("gb18030").encode(), infer_schema=False)
    assert back.equals(frame)
    assert (tmp_path / "a_utf-8-sig.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    headerless = write_table(frame, tmp_path / "h.csv", header=False)
    assert pl.read_csv(headerless, has_header=False, infer_schema=False).height == 30


# --------------------------------------------------------------------------- samples


def test_write_samples(world, tmp_path):
    manifest_path = write_samples(world, tmp_path / "s", 7)
    m = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert m["schema"] == SCHEMA and m["seed"] == 7
    assert m["generator"] == "python -m attrib.synth samples --seed 7 --out samples"
    assert m["population"] == world.population.height
    assert {s["org"] for s in m["sources"]} <= {o.id for o in world.in_case_orgs()}
    assert set(m["absent_orgs"]) == {o.id for o in world.absent_orgs()}
    families = {leak["truth"]["family"] for leak in m["leaks"]}
    assert {"plain", "nested", "mixture", "padded", "time", "absent"} <= families
    total = 0
    for entry in m["sources"] + m["leaks"]:
        path = tmp_path / "s" / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        total += path.stat().st_size
    assert total < 3_200_000
    plain = next(e for e in m["leaks"] if e["truth"]["family"] == "plain")
    assert plain["encoding"] == "gb18030" and not plain["has_header"]
    time_leak = next(e for e in m["leaks"] if e["truth"]["family"] == "time")
    key = (time_leak["truth"]["org"], time_leak["truth"]["snapshot"])
    assert key in {(s["org"], s["snapshot"]) for s in m["sources"]}
    # Same seed, same bytes.
    again = write_samples(world, tmp_path / "t", 7)
    assert again.read_bytes() == manifest_path.read_bytes()


def test_bundled_samples_match_generator():
    """samples/manifest.json is what the generator writes (regenerate if this fails)."""
    root = Path(__file__).resolve().parents[1] / "samples"
    manifest = root / "manifest.json"
    if not manifest.exists():
        pytest.skip("samples/ not generated")
    m = json.loads(manifest.read_text(encoding="utf-8"))
    for entry in m["sources"] + m["leaks"]:
        data = (root / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
