"""Evidence reports: every renderer's structure, determinism, reveal, CASE/UCO, browser."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from attrib import api
from attrib.report import charts, render
from attrib.report.browser import find_browser

GENERATED = "2030-01-02T03:04:05Z"


@pytest.fixture(scope="module")
def built(tmp_path_factory, mini_world):
    """A case with two snapshots of org_a and one of org_b, and a leak with a Chinese name."""
    d = tmp_path_factory.mktemp("report")
    case = d / "case"
    api.create_case(case, population=3000, examiner="王 Examiner")
    api.add_source(case, mini_world / "org_a.csv", org="org_a", snapshot="2024-06-30")
    api.add_source(case, mini_world / "org_a.csv", org="org_a", snapshot="2023-12-31")
    api.add_source(case, mini_world / "org_b.csv", org="org_b", snapshot="2024-06-30")
    leak = d / "泄露名单.csv"
    shutil.copy(mini_world / "leak.csv", leak)
    doc = api.attribute_leak(case, leak)
    return {"case": case, "leak": leak, "doc": doc,
            "result": case / "results" / f"{doc['leak']['id']}.json"}


@pytest.fixture
def case(built, tmp_path):
    """A private copy of the built case (reports append to its audit log)."""
    c = tmp_path / "case"
    shutil.copytree(built["case"], c)
    return c


def variant(doc, status):
    """The built result turned into a mixture or inconclusive result (renderer input only)."""
    d = copy.deepcopy(doc)
    if status == "mixture":
        d["verdict"] = {"status": "mixture", "org": None, "snapshot_window": None,
                        "confidence": 0.7, "reason": "two sources explain the list"}
        d["components"] = [
            {"org": "org_a", "snapshot": "2024-06-30", "fraction": 0.55, "records": 165,
             "field_agreement": 1.0, "source_in_case": 1.0},
            {"org": "org_b", "snapshot": "2024-06-30", "fraction": 0.3, "records": 90,
             "field_agreement": 1.0, "source_in_case": 1.0}]
        d["unexplained_fraction"] = 0.15
    else:
        d["verdict"] = {"status": "inconclusive", "org": None, "snapshot_window": None,
                        "confidence": 0.0, "reason": "no candidate carries the list's values"}
        d["components"], d["window"], d["evidence"] = [], [], []
        d["outside_probability"] = 0.97
    d["leak"]["quality"]["signals"]["bad_check_digits"] = 12
    return d


def rendered(doc, fmt, **extra):
    return render(doc, fmt, examiner=None, generated=GENERATED, extra=extra or None).decode()


# -- structure ---------------------------------------------------------------------------

HTML_SECTIONS = ["Summary", "Findings", "Candidates", "Decomposition", "Period",
                 "Exclusive evidence (personal data redacted)", "Data quality of the leak",
                 "Inputs", "Method and assumptions", "Parameters", "Measured error rates",
                 "Limitations", "Reproduce", "Integrity"]


def test_html_structure(built):
    doc = built["doc"]
    html = rendered(doc, "html")
    assert re.findall(r"<h2>(.*?)</h2>", html) == HTML_SECTIONS
    assert "<script" not in html.lower() and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")
    assert "Noto Sans CJK SC" in html
    # first page: what, found, how sure, why, how to reproduce, personal data
    summary = html.split("<h2>Findings</h2>")[0]
    for q in ("What was compared", "What was found", "How sure", "Why", "How to reproduce",
              "Personal data"):
        assert f"<dt>{q}</dt>" in summary
    assert "泄露名单.csv" in summary and "org_a" in summary
    assert "contains no personal data" in summary
    # one inline SVG chart for each view
    for label in ("containment of the list", "posterior probability",
                  "decomposition of the list", "snapshot timeline", "data quality of the leak"):
        assert f'aria-label="{label}' in html
    # every input with hash, every parameter, tool versions
    assert doc["leak"]["sha256"] in html
    for s in doc["sources"]:
        assert s["input"]["sha256"] in html and s["sketch_sha256"] in html
    for key, value in doc["parameters"]["attribution"].items():
        names = [f"{key}.{sub}" for sub in value] if isinstance(value, dict) else [key]
        for name in names:
            assert f"<th>attribution.{name}</th>" in html
    assert f"numpy {doc['tool']['dependencies']['numpy']}" in html
    assert doc["reproduce"] in html
    rows = ", ".join(str(e["record"]) for e in doc["evidence"])
    assert rows in html


MEASURED = {
    "measured": True, "command": "python benchmarks/attribution.py", "date": "2030-01-01",
    "families": [{"family": "clean", "runs": 40, "correct_rate": 0.975,
                  "false_attribution_rate": 0.0, "median_seconds": 1.5}],
    "calibration": {"bins": 10, "expected_calibration_error": 0.031},
}


@pytest.mark.parametrize("status", ["attributed", "mixture", "inconclusive"])
def test_markdown_structure(built, status):
    doc = built["doc"] if status == "attributed" else variant(built["doc"], status)
    doc = {**doc, "error_rates": MEASURED}
    revealed = [{"record": 3, "org": "org_a", "values": {"姓名": "张|伟", "手机号": None}}]
    md = rendered(doc, "md", revealed=revealed, revealed_columns=["姓名", "手机号"])
    heads = re.findall(r"^## (.*)$", md, flags=re.M)
    assert heads == [h if h != "Exclusive evidence (personal data redacted)"
                     else "Exclusive evidence" for h in HTML_SECTIONS]
    assert "| 1 | org_a |" in md
    assert "| | outside the case |" in md
    assert built["doc"]["leak"]["sha256"] in md
    assert "| 3 | org_a | 张\\|伟 |  |" in md
    # tables are well formed: every table row has as many cells as its header
    for block in re.findall(r"((?:^\|.*\|\n)+)", md, flags=re.M):
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in block.splitlines()}
        assert len(widths) == 1, block


def test_json_report(built):
    payload = json.loads(rendered(built["doc"], "json"))
    assert payload["schema"] == "attrib.report/1"
    assert payload["result"] == built["doc"]
    meta = payload["report"]
    assert {"case_id", "examiner", "generated", "result_started", "result_finished",
            "tool_version", "personal_data"} <= set(meta)
    assert meta["generated"] == GENERATED and meta["examiner"] == "王 Examiner"
    assert meta["personal_data"] is False
    # the same sentences as the HTML and Markdown reports
    assert [s["question"] for s in meta["summary"]][:2] == ["What was compared",
                                                             "What was found"]
    assert meta["findings"][0].startswith("The list is most consistent with org_a's")
    assert meta["limitations"] and meta["method"] and meta["assumptions"]


@pytest.mark.parametrize("status", ["mixture", "inconclusive"])
def test_other_verdicts(built, status):
    doc = variant(built["doc"], status)
    html = rendered(doc, "html")
    md = rendered(doc, "md")
    assert f"Verdict: {status.upper()}" in html and f"Verdict: {status.upper()}" in md
    assert "12 national ID numbers with an invalid check digit" in html
    if status == "mixture":
        assert "merged from several sources: org_a (55% of the list); org_b (30%" in html
        assert 'aria-label="decomposition of the list' in html
        assert "unexplained (15.0%)" in html
    else:
        assert "No institution can be named" in html
        assert "No period can be given" in html and "snapshot timeline" not in html
        assert "<p>None listed.</p>" in html


def test_error_rates_rendered_generically(built):
    doc = copy.deepcopy(built["doc"])
    doc["error_rates"] = MEASURED
    html, md = rendered(doc, "html"), rendered(doc, "md")
    for text in (html, md):
        assert "median_seconds" in text and "97.5%" in text
        assert "calibration" in text and "expected_calibration_error" in text
    assert "In 40 benchmark runs" in html
    doc["error_rates"] = {"measured": False, "note": "not run yet"}
    assert "Not measured: not run yet" in rendered(doc, "html")


def test_charts_are_deterministic_svg(built):
    doc = built["doc"]
    a = charts.containment_svg(doc["candidates"])
    assert a == charts.containment_svg(copy.deepcopy(doc["candidates"]))
    assert a.startswith("<svg") and a.endswith("</svg>")
    tl = charts.timeline_svg(doc["window"], doc["verdict"]["snapshot_window"], "org_a")
    assert "leak window 2023-12-31 – 2024-06-30" in tl
    q = charts.quality_svg({"phone": {"valid": 3, "invalid": 1, "masked": 0, "missing": 0}})
    assert 'width="292.5"' in q  # 3 of 4 valid = 3/4 of the 390-pixel span
    # label text is escaped, never markup
    bad = [{**doc["candidates"][0], "org": "<b>x&y</b>"}]
    assert "&lt;b&gt;x&amp;y&lt;/b&gt;" in charts.containment_svg(bad)


# -- the command ---------------------------------------------------------------------------

def _strip_time(fmt: str, data: bytes) -> bytes:
    if fmt == "json":
        payload = json.loads(data)
        payload["report"].pop("generated")
        return json.dumps(payload, sort_keys=True).encode()
    return b"\n".join(line for line in data.split(b"\n") if b"Report generated" not in line)


def test_report_is_deterministic(case, built, run, tmp_path, monkeypatch):
    """Same case and inputs: the same bytes, the generation time aside."""
    result = case / "results" / built["result"].name
    first, second = {}, {}
    for fmt, out in (("html", first), ("md", first), ("json", first), ("case", first)):
        assert run("report", case, result, "--format", fmt, "-o", tmp_path / f"a.{fmt}").code == 0
        out[fmt] = (tmp_path / f"a.{fmt}").read_bytes()
    monkeypatch.setattr(api, "utc_now", lambda: GENERATED)
    for fmt in first:
        assert run("report", case, result, "--format", fmt, "-o", tmp_path / f"b.{fmt}").code == 0
        second[fmt] = (tmp_path / f"b.{fmt}").read_bytes()
    assert GENERATED.encode() in second["html"] and GENERATED.encode() not in first["html"]
    for fmt in first:
        assert _strip_time(fmt, first[fmt]) == _strip_time(fmt, second[fmt]), fmt
    assert first["case"] == second["case"]


def test_report_records_audit_and_reproduce(case, built, run, tmp_path):
    result = case / "results" / built["result"].name
    r = run("report", case, result, "--format", "json", "-o", tmp_path / "r.json",
            "--examiner", "李 Examiner")
    assert r.code == 0, r.err
    assert r.err == f"wrote {tmp_path / 'r.json'}\n"
    meta = json.loads((tmp_path / "r.json").read_text())["report"]
    assert meta["examiner"] == "李 Examiner"
    assert meta["audit"]["intact"] is True
    assert meta["audit"]["attribution"]["seq"] == 5  # init, 3 sources, attribute
    assert meta["rebuild"] == [
        f"attrib case init {case} --population 3000 --examiner '王 Examiner'",
        f"attrib source add {case} org_a.csv --org org_a --snapshot 2024-06-30",
        f"attrib source add {case} org_a.csv --org org_a --snapshot 2023-12-31",
        f"attrib source add {case} org_b.csv --org org_b --snapshot 2024-06-30",
    ]
    last = (case / "audit.jsonl").read_text().splitlines()[-1]
    entry = json.loads(last)
    assert entry["command"] == "report"
    assert entry["params"]["format"] == "json" and entry["params"]["reveal"] is False
    assert entry["outputs"]["file"] == "r.json"


def test_reveal_shows_values_and_says_so(case, built, run, tmp_path):
    result = case / "results" / built["result"].name
    out = tmp_path / "r.html"
    r = run("report", case, result, "-o", out, "--reveal", "--leak", built["leak"])
    assert r.code == 0, r.err
    assert "warning: the report contains personal data (--reveal)" in r.err
    html = out.read_text()
    first_page = html.split("<h2>Findings</h2>")[0]
    assert "This report contains personal data" in first_page
    first = built["doc"]["evidence"][0]["record"]
    import polars as pl

    row = pl.read_csv(built["leak"], infer_schema=False).row(first - 1, named=True)
    assert f"<td>{row['手机号']}</td>" in html and f"<td>{row['姓名']}</td>" in html
    md_out = tmp_path / "r.md"
    assert run("report", case, result, "--format", "md", "-o", md_out, "--reveal", "--leak",
               built["leak"]).code == 0
    assert f"| {first} | org_a | {row['姓名']} |" in md_out.read_text()
    # redacted by default: no value of that row anywhere
    plain = tmp_path / "p.html"
    assert run("report", case, result, "-o", plain).code == 0
    assert row["手机号"] not in plain.read_text()


def test_reveal_errors(case, built, run, tmp_path, mini_world):
    result = case / "results" / built["result"].name
    r = run("report", case, result, "-o", tmp_path / "x.html", "--reveal")
    assert r.code == 2
    assert r.err == ("attrib: error: --reveal needs --leak LEAK_FILE: the leaked file to read "
                     "the evidence rows from\n")
    r = run("report", case, result, "-o", tmp_path / "x.html", "--leak", built["leak"])
    assert (r.code, r.err) == (2, "attrib: error: --leak is only used with --reveal\n")
    other = mini_world / "org_b.csv"
    r = run("report", case, result, "-o", tmp_path / "x.html", "--reveal", "--leak", other)
    assert r.code == 5
    assert r.err.startswith(f"attrib: error: {other}: not the attributed list (SHA-256 ")
    assert r.err.endswith("give the file that was attributed\n") and r.err.count("\n") == 1
    assert not (tmp_path / "x.html").exists()


def test_report_errors(case, built, run, tmp_path):
    result = case / "results" / built["result"].name
    r = run("report", case, result, "--format", "docx", "-o", tmp_path / "x")
    assert (r.code, r.err) == (2, "attrib: error: invalid --format 'docx': expected html, md, "
                                  "json, case, pdf\n")
    r = run("report", case, result)
    assert (r.code, r.err) == (2, "attrib: error: nothing to write: give -o FILE and/or "
                                  "--bundle DIR\n")
    r = run("report", case, tmp_path / "none.json", "-o", tmp_path / "x.html")
    assert (r.code, r.err) == (2, f"attrib: error: {tmp_path / 'none.json'}: no such file\n")
    other = tmp_path / "other"
    api.create_case(other)
    r = run("report", other, result, "-o", tmp_path / "x.html")
    assert (r.code, r.err) == (2, f"attrib: error: {result}: result belongs to another case\n")


# -- CASE/UCO ----------------------------------------------------------------------------

def _validate(path: Path):
    from case_utils.case_validate import validate

    return validate(str(path), case_version="case-1.5.0")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_case_uco_validates(case, built, run, tmp_path):
    """The JSON-LD conforms to CASE 1.5.0 (ontology bundled with case-utils: offline)."""
    result = case / "results" / built["result"].name
    out = tmp_path / "report.jsonld"
    assert run("report", case, result, "--format", "case", "-o", out).code == 0
    graph = json.loads(out.read_text())
    nodes = graph["@graph"]
    types = [n["@type"] for n in nodes]
    assert ["case-investigation:InvestigativeAction", "uco-analysis:Analysis"] in types
    files = [n for n in nodes if n["@type"] == "uco-observable:File"]
    hashes = {f["uco-core:hasFacet"][1]["uco-observable:hash"][0]["uco-types:hashValue"]["@value"]
              for f in files if len(f["uco-core:hasFacet"]) > 1}
    doc = built["doc"]
    assert doc["leak"]["sha256"].upper() in hashes
    assert {s["input"]["sha256"].upper() for s in doc["sources"]} <= hashes
    tool = next(n for n in nodes if n["@type"] == "uco-tool:ConfiguredTool")
    names = {e["uco-configuration:itemName"]
             for e in tool["uco-configuration:usesConfiguration"][
                 "uco-configuration:configurationEntry"]}
    for key, value in doc["parameters"]["attribution"].items():
        subs = [f"attribution.{key}.{sub}" for sub in value] if isinstance(value, dict) else [
            f"attribution.{key}"]
        assert set(subs) <= names
    outcome = _validate(out)
    assert outcome.conforms, outcome.text


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_case_validate_catches_a_broken_graph(built, tmp_path):
    """The validator really checks: a hash without a value does not conform."""
    graph = json.loads(rendered(built["doc"], "case"))
    for node in graph["@graph"]:
        for facet in node.get("uco-core:hasFacet", []):
            for h in facet.get("uco-observable:hash", []):
                h.pop("uco-types:hashValue")
    bad = tmp_path / "bad.jsonld"
    bad.write_text(json.dumps(graph))
    assert not _validate(bad).conforms


# -- browser: screenshot and PDF -----------------------------------------------------------

needs_browser = pytest.mark.skipif(find_browser() is None,
                                   reason="no Chromium (apt-get install -y chromium "
                                          "fonts-noto-cjk)")


def _cjk_font_installed() -> bool:
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    out = subprocess.run([fc, ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


@needs_browser
def test_screenshot_has_ink(case, built, run, tmp_path):
    """Headless Chromium renders the report (Chinese included) to a non-blank page."""
    from PIL import Image

    from attrib.report.browser import screenshot

    assert _cjk_font_installed(), "install fonts-noto-cjk for Chinese glyphs"
    result = case / "results" / built["result"].name
    out = tmp_path / "r.html"
    assert run("report", case, result, "-o", out, "--reveal", "--leak", built["leak"]).code == 0
    png = screenshot(out.read_bytes(), 1200, 3000)
    (tmp_path / "r.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == (1200, 3000)
    histogram = image.histogram()
    ink = sum(histogram[:128]) / sum(histogram)
    assert 0.005 < ink < 0.5, ink  # text and charts, but not a black page
    top = image.crop((0, 0, 1200, 300))
    assert top.getextrema()[0] < 64  # the title is drawn


@needs_browser
def test_pdf_embeds_cjk_font(case, built, run, tmp_path):
    assert _cjk_font_installed(), "install fonts-noto-cjk for Chinese glyphs"
    result = case / "results" / built["result"].name
    out = tmp_path / "r.pdf"
    r = run("report", case, result, "--format", "pdf", "-o", out)
    assert r.code == 0, r.err
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"NotoSansCJK" in data or b"NotoSerifCJK" in data


def test_pdf_without_browser(case, built, run, tmp_path, monkeypatch):
    import attrib.report.browser as browser

    monkeypatch.setattr(browser, "find_browser", lambda: None)
    result = case / "results" / built["result"].name
    r = run("report", case, result, "--format", "pdf", "-o", tmp_path / "r.pdf")
    assert r.code == 2
    assert r.err == ("attrib: error: PDF output needs a local Chromium (Debian: apt-get install "
                     "-y chromium fonts-noto-cjk); otherwise write --format html and print it "
                     "to PDF from a browser (see docs/report.md)\n")
