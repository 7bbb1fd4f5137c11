"""Plain-language findings and tables derived from a result document, for every renderer."""

from __future__ import annotations

from typing import Any

from attrib.report import charts


def findings(doc: dict[str, Any]) -> list[str]:
    """The findings in sentences a non-specialist can read."""
    v = doc["verdict"]
    out = []
    cands = doc["candidates"]
    if v["status"] == "attributed":
        lo, hi = v["snapshot_window"]
        when = f"as held on {lo}" if lo == hi else f"as held between {lo} and {hi}"
        top = next(c for c in cands if c["org"] == v["org"])
        out.append(
            f"The list is most consistent with {v['org']}'s customer data {when}; "
            f"probability {v['confidence']:.3f}."
        )
        out.append(
            f"{top['matched_records']} of the list's {doc['leak']['records']} records appear in "
            f"{v['org']}'s data; {top['exclusive_records']} of them appear in {v['org']}'s data "
            "and in no other candidate's."
        )
        if top["field_checks"]:
            out.append(
                f"Where the list and {v['org']} both hold a person's address, phone, e-mail or "
                f"plate, they agree in {top['field_agreements']} of {top['field_checks']} "
                "checks: the list carries this organisation's copy of the records."
            )
    elif v["status"] == "mixture":
        parts = "; ".join(f"{c['org']} ({c['fraction']:.0%} of the list)"
                          for c in doc["components"])
        out.append(f"The list appears to be merged from several sources: {parts}.")
    else:
        out.append(
            "No institution can be named: the evidence does not support attributing this list "
            f"to any candidate ({v['reason']})."
        )
    if doc["unexplained_fraction"] > 0.05 and v["status"] != "inconclusive":
        out.append(
            f"About {doc['unexplained_fraction']:.0%} of the list is not explained by the "
            "named source(s): padding, other sources, or records changed since."
        )
    q = doc["leak"]["quality"]
    bad = q.get("bad_check_digits", 0) or 0
    imp = q.get("impossible_dates", 0) or 0
    if bad or imp:
        out.append(
            f"The list contains {bad} national ID numbers with invalid check digits and "
            f"{imp} impossible dates: signs of fabricated records."
        )
    return out


def limitations(doc: dict[str, Any]) -> list[str]:
    out = [
        "The true source may not be among the candidates compared; attrib then answers "
        "'inconclusive' when the list does not carry any candidate's copy of the records, "
        "but an unseen organisation holding identical copies cannot be excluded.",
        "Padding (records added from elsewhere) lowers containment; lists padded beyond half "
        "are not attributed as a whole.",
    ]
    if doc["tier"] == "sampled":
        out.append(
            f"Figures come from a uniform sample of {doc['observed_records']} records "
            "(FracMinHash); intervals state the sampling uncertainty."
        )
    if doc["leak"]["records"] < 300:
        out.append("The list is small; every figure rests on few records.")
    return out


def report_context(doc: dict[str, Any], *, examiner: str | None, generated: str) -> dict[str, Any]:
    meta = {
        "case_id": doc["case"]["case_id"],
        "examiner": examiner or doc["case"].get("examiner") or "(not named)",
        "generated": generated,
        "result_started": doc["started"],
        "result_finished": doc["finished"],
        "tool_version": doc["tool"]["version"],
    }
    return {
        "doc": doc,
        "meta": meta,
        "findings": findings(doc),
        "limitations": limitations(doc),
        "charts": {
            "containment": charts.containment_svg(doc["candidates"]),
            "probability": charts.probability_svg(doc["candidates"], doc["outside_probability"]),
        },
    }
