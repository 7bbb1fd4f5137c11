"""The report's sentences: findings, the first-page summary, method and limitations.

Every sentence is built from the result document alone, so each renderer (HTML,
Markdown, JSON-LD) states exactly the same thing.
"""

from __future__ import annotations

from typing import Any

#: Plain-language names of the data-quality signals counted by ``attrib.fields``.
SIGNAL_LABELS = {
    "bad_check_digits": "national ID numbers with an invalid check digit",
    "id_impossible_birth_dates": "national ID numbers encoding an impossible birth date",
    "id_bad_regions": "national ID numbers with an invalid region code",
    "unknown_id_regions": "valid national ID numbers with an unknown province code",
    "impossible_dates": "impossible birth dates",
    "ambiguous_dates": "ambiguous birth dates (day and month could be swapped)",
    "id_birth_date_mismatches": "records whose birth date differs from their ID number's",
}
#: Signals that real customer data almost never shows and fabricated lists often do.
FABRICATION_SIGNALS = ("bad_check_digits", "id_impossible_birth_dates", "id_bad_regions",
                       "impossible_dates", "id_birth_date_mismatches")

METHOD = (
    "attrib reads the list and each candidate's customer snapshot, brings every "
    "identifier (phone number, national ID, e-mail, plate, name with birth date) to one "
    "canonical form, and turns it into a keyed 64-bit token (AES-128-CMAC under the "
    "case's secret key), so that no one without the key can read the tokens back. It "
    "then counts, record by record, how much of the list each snapshot contains "
    "(containment, with a 95% interval), and weighs the candidates with a likelihood "
    "model in which the list was drawn from one source plus a share of outside records; "
    "a smaller source that explains the list as well is preferred (the size principle). "
    "Where the list and a candidate both hold a person's address, phone, e-mail or "
    "plate, it checks whether the list carries that candidate's own copy of the value; "
    "this is what separates the true source from an organisation that merely holds "
    "the same people. Merged lists are decomposed greedily and refined by EM; the "
    "period is the range of snapshots whose likelihood is close to the best one's."
)

ASSUMPTIONS = (
    "Each candidate's snapshot is a faithful copy of its customer data on the stated date.",
    "Outside records (padding, other sources) are drawn from a population of the stated "
    "size, independently of the candidates.",
    "Identifiers are normalised the same way on every side (same attrib hash spec and "
    "case key).",
    "Prior: every organisation in the case is equally likely, then every snapshot of it; "
    "a fixed prior probability is kept for a source outside the case.",
)


def _pct(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def _when(window: list[str] | None) -> str:
    if not window:
        return ""
    lo, hi = window
    return f" as held on {lo}" if lo == hi else f" as held between {lo} and {hi}"


def _leader(doc: dict[str, Any]) -> dict[str, Any] | None:
    org = doc["verdict"].get("org")
    return next((c for c in doc["candidates"] if c["org"] == org), None)


def headline(doc: dict[str, Any]) -> str:
    """One sentence: what was found."""
    v = doc["verdict"]
    if v["status"] == "attributed":
        return (f"The list is most consistent with {v['org']}'s customer data"
                f"{_when(v.get('snapshot_window'))}; probability {float(v['confidence']):.3f}.")
    if v["status"] == "mixture":
        parts = "; ".join(f"{c['org']} ({float(c['fraction']):.0%} of the list)"
                          for c in doc["components"])
        return f"The list appears to be merged from several sources: {parts}."
    return ("No institution can be named: the evidence does not support attributing this "
            f"list to any candidate ({v['reason']}).")


def findings(doc: dict[str, Any]) -> list[str]:
    """The findings in sentences a non-specialist can read."""
    out = [headline(doc)]
    top = _leader(doc)
    if doc["verdict"]["status"] == "attributed" and top is not None:
        org = top["org"]
        out.append(
            f"{top['matched_records']} of the list's {doc['leak']['records']} records appear in "
            f"{org}'s data; {top['exclusive_records']} of them appear in {org}'s data and in "
            "no other candidate's."
        )
        if top["field_checks"]:
            out.append(
                f"Where the list and {org} both hold a person's address, phone, e-mail or "
                f"plate, they agree in {top['field_agreements']} of {top['field_checks']} "
                "checks: the list carries this organisation's copy of the records."
            )
    out.append(
        f"The probability that the list came from an organisation not compared in this case "
        f"is {float(doc['outside_probability']):.3f}."
    )
    if doc["unexplained_fraction"] > 0.05 and doc["verdict"]["status"] != "inconclusive":
        out.append(
            f"About {float(doc['unexplained_fraction']):.0%} of the list is not explained by "
            "the named source(s): padding, other sources, or records changed since."
        )
    fabricated = fabrication_sentence(doc["leak"]["quality"])
    if fabricated:
        out.append(fabricated)
    return out


def fabrication_sentence(quality: dict[str, Any]) -> str | None:
    """A sentence naming the fabrication signals found in the list, or None."""
    signals = quality.get("signals", {}) or {}
    found = [f"{signals[k]} {SIGNAL_LABELS[k]}" for k in FABRICATION_SIGNALS
             if signals.get(k)]
    if not found:
        return None
    return ("The list contains " + "; ".join(found) + ": values that real customer records "
            "rarely hold, a sign of fabricated or corrupted records.")


def compared(doc: dict[str, Any]) -> str:
    """What was compared with what."""
    by_org: dict[str, list[str]] = {}
    for s in doc["sources"]:
        by_org.setdefault(s["org"], []).append(s["snapshot"])
    orgs = "; ".join(f"{org} ({', '.join(sorted(snaps))})" for org, snaps in sorted(by_org.items()))
    leak = doc["leak"]
    return (f"The leaked list {leak['file']} ({leak['records']} records, SHA-256 "
            f"{leak['sha256'][:16]}…) was compared with {len(doc['sources'])} customer "
            f"snapshot(s) of {len(by_org)} organisation(s): {orgs}.")


def how_sure(doc: dict[str, Any]) -> str:
    """How sure the tool is, with the method's measured error rates when there are some."""
    v = doc["verdict"]
    if v["status"] == "attributed":
        sure = (f"The tool gives a probability of {float(v['confidence']):.3f} that the list "
                f"came from {v['org']}'s data")
    elif v["status"] == "mixture":
        sure = "The tool finds no single source but a mixture of the sources named above"
    else:
        sure = "The tool does not name a source, because none explains the list well enough"
    sure += (f", and of {float(doc['outside_probability']):.3f} that it came from an "
             "organisation not compared.")
    return sure + " " + error_rate_sentence(doc.get("error_rates") or {})


def error_rate_sentence(rates: dict[str, Any]) -> str:
    """One sentence on the method's measured error rates."""
    if not rates.get("measured"):
        note = str(rates.get("note", "")).rstrip(".")
        return f"The method's error rates have not been measured: {note}."
    fams = rates.get("families") or []
    runs = sum(int(f.get("runs", 0)) for f in fams)
    worst = max((float(f.get("false_attribution_rate", 0.0)) for f in fams), default=0.0)
    return (f"In {runs} benchmark runs ({rates.get('command', '')}, {rates.get('date', '')}) "
            f"the highest rate of naming a wrong institution in any scenario was {_pct(worst)}.")


def why(doc: dict[str, Any]) -> str:
    """The reason behind the verdict, in one or two sentences."""
    top = _leader(doc)
    reason = f"Reason given by the model: {doc['verdict']['reason']}."
    if top is None or doc["verdict"]["status"] != "attributed":
        return reason
    agree = (f"; the list carries {top['org']}'s own copy of the values in "
             f"{top['field_agreements']} of {top['field_checks']} checks"
             if top["field_checks"] else "")
    return (f"{_pct(top['containment'])} of the list's checkable records are in "
            f"{top['org']}'s data, {top['exclusive_records']} records are found there and "
            f"nowhere else{agree}. {reason}")


def limitations(doc: dict[str, Any]) -> list[str]:
    """What the figures cannot show."""
    out = [
        "The true source may not be among the candidates compared; attrib then answers "
        "'inconclusive' when the list does not carry any candidate's copy of the records, "
        "but an unseen organisation holding identical copies cannot be excluded.",
        "Padding (records added from elsewhere) lowers containment; lists padded beyond half "
        "are not attributed as a whole.",
        "Snapshots are compared as the organisations provided them; records that changed "
        "between snapshots narrow the period only to the snapshot dates available.",
    ]
    if doc["tier"] == "sampled":
        out.append(
            f"Figures come from a uniform sample of {doc['observed_records']} records "
            "(FracMinHash); intervals state the sampling uncertainty."
        )
    if doc["leak"]["records"] < 300:
        out.append("The list is small; every figure rests on few records.")
    if any(s.get("origin") == "imported" for s in doc["sources"]):
        out.append("Imported sketches were computed by the organisations themselves; their "
                   "input files' hashes, sizes and row counts are as the organisations stated "
                   "them and were not checked by the examiner.")
    return out


def provenance(source: dict[str, Any]) -> str:
    """Where a source snapshot came from, as the case records it."""
    if source.get("origin") == "imported":
        text = ("sketch computed by the organisation with the case kit and imported; "
                "file facts as stated by the organisation")
    else:
        text = "file provided by the organisation and sketched by the examiner"
    stated = source.get("provenance") or (source.get("input") or {}).get("provenance")
    return f"{text}; {stated}" if stated else text
