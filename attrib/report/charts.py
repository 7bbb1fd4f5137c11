"""Deterministic inline SVG charts: no JavaScript, no fonts or images fetched.

Every chart is hand-written SVG whose numbers are formatted with a fixed number of
decimals, so the same result document always gives the same bytes. Text inherits the
page's font stack (with CJK fallbacks) because the SVG is inlined in the HTML.
Colours are the Okabe-Ito palette, distinguishable with common colour blindness.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

_W, _ROW, _LEFT, _RIGHT = 640, 22, 230, 20
_SPAN = _W - _LEFT - _RIGHT
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
#: Colours of the data-quality statuses (valid, invalid, masked, missing).
STATUS_COLOURS = {"valid": "#009E73", "invalid": "#D55E00", "masked": "#E69F00",
                  "missing": "#BBBBBB"}
_UNEXPLAINED = "#BBBBBB"


def _frame(height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'viewBox="0 0 {_W} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _x(share: float) -> float:
    """Horizontal position of a share in [0, 1] on the plotting span."""
    return _LEFT + _SPAN * min(max(float(share), 0.0), 1.0)


def _text(x: float, y: float, label: str, *, anchor: str = "start", size: int = 12) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">'
            f"{escape(label)}</text>")


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str = "") -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.0):.1f}" height="{h:.1f}" '
            f'fill="{fill}">{tip}</rect>')


def _axis(y: int, top: int = 4) -> list[str]:
    """A 0-1 axis at ``y`` with light grid lines up to ``top``."""
    out = [f'<line x1="{_LEFT}" y1="{y}" x2="{_W - _RIGHT}" y2="{y}" stroke="#444"/>']
    for i in range(6):
        x = _LEFT + _SPAN * i / 5
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="#444"/>')
        out.append(_text(x, y + 16, f"{i / 5:.1f}", anchor="middle", size=11))
    return out


def _legend(y: int, items: list[tuple[str, str]]) -> tuple[list[str], int]:
    """Legend entries from ``y`` on, wrapped onto more lines when they would overflow.

    Returns:
        The SVG elements and the y of the last line.
    """
    out, x = [], float(_LEFT)
    for label, colour in items:
        width = 28 + 6.5 * len(label)
        if x > _LEFT and x + width > _W:
            x, y = float(_LEFT), y + 16
        out.append(f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" fill="{colour}" '
                   'stroke="#444" stroke-width="0.5"/>')
        out.append(_text(x + 16, y, label, size=11))
        x += width
    return out, y


def containment_svg(candidates: list[dict[str, Any]]) -> str:
    """Containment of the leak in each candidate, with its 95% interval as a whisker."""
    body: list[str] = []
    for i, c in enumerate(candidates):
        y = 10 + i * _ROW
        lo, hi = c["containment_ci"]
        body.append(_text(_LEFT - 8, y + 13, f"{c['org']} {c['snapshot']}", anchor="end"))
        body.append(_rect(_LEFT, y + 3, _x(c["containment"]) - _LEFT, 12, PALETTE[0],
                          f"containment {float(c['containment']):.3f} "
                          f"[{float(lo):.3f}, {float(hi):.3f}]"))
        body.append(f'<line x1="{_x(lo):.1f}" y1="{y + 9}" x2="{_x(hi):.1f}" y2="{y + 9}" '
                    'stroke="#111" stroke-width="2"/>')
        for end in (lo, hi):
            body.append(f'<line x1="{_x(end):.1f}" y1="{y + 4}" x2="{_x(end):.1f}" '
                        f'y2="{y + 14}" stroke="#111" stroke-width="1.5"/>')
    h = 10 + len(candidates) * _ROW
    return _frame(h + 24, _axis(h) + body, "containment of the list in each candidate, "
                  "with 95% interval")


def probability_svg(candidates: list[dict[str, Any]], outside: float) -> str:
    """Posterior probability of each candidate and of a source outside the case."""
    rows = [(f"{c['org']} {c['snapshot']}", c["probability"], PALETTE[5]) for c in candidates]
    rows.append(("outside the case", outside, _UNEXPLAINED))
    body: list[str] = []
    for i, (label, p, colour) in enumerate(rows):
        y = 10 + i * _ROW
        body.append(_text(_LEFT - 8, y + 13, label, anchor="end"))
        body.append(_rect(_LEFT, y + 3, _x(p) - _LEFT, 12, colour, f"{float(p):.4f}"))
        body.append(_text(_x(p) + 4, y + 13, f"{float(p):.3f}", size=11))
    h = 10 + len(rows) * _ROW
    return _frame(h + 24, _axis(h) + body, "posterior probability of each candidate")


def mixture_svg(components: list[dict[str, Any]], unexplained: float) -> str:
    """The list as one stacked bar: each component's share, then the unexplained rest."""
    parts = [(f"{c['org']} {c['snapshot']}", float(c["fraction"]), PALETTE[i % 6])
             for i, c in enumerate(components)]
    parts.append(("unexplained", max(float(unexplained), 0.0), _UNEXPLAINED))
    body = [_text(_LEFT - 8, 27, "the leaked list", anchor="end")]
    x = float(_LEFT)
    for label, share, colour in parts:
        w = _SPAN * share
        body.append(_rect(x, 14, w, 18, colour, f"{label}: {share:.1%}"))
        if w > 40:
            body.append(_text(x + w / 2, 27, f"{share:.0%}", anchor="middle", size=11))
        x += w
    body += _axis(40, top=10)
    legend, last = _legend(80, [(f"{label} ({share:.1%})", colour)
                                for label, share, colour in parts])
    return _frame(last + 12, body + legend, "decomposition of the list by source")


def _days(date: str) -> int:
    return dt.date.fromisoformat(date).toordinal()


def timeline_svg(window: list[dict[str, Any]], span: list[str] | None, org: str) -> str:
    """The leading organisation's snapshots on a time axis, the leak window shaded.

    Args:
        window: ``result["window"]``: each snapshot with its log-likelihood ratio to the
            best snapshot and whether it is consistent with the list.
        span: ``verdict.snapshot_window`` (first and last consistent snapshot) or None.
        org: the organisation whose snapshots these are.
    """
    dates = sorted(_days(w["snapshot"]) for w in window)
    lo, hi = dates[0] - 30, dates[-1] + 30  # a month's margin so end points stay visible

    def xpos(day: int) -> float:
        return _LEFT + _SPAN * (day - lo) / (hi - lo)

    body = [_text(_LEFT - 8, 44, f"{org} snapshots", anchor="end")]
    if span:
        a, b = xpos(_days(span[0])) - 6, xpos(_days(span[1])) + 6
        body.append(_rect(a, 14, b - a, 46, "#CFE3F3", "leak window"))
        body.append(_text((a + b) / 2, 10, f"leak window {span[0]} – {span[1]}",
                          anchor="middle", size=11))
    body.append(f'<line x1="{_LEFT}" y1="40" x2="{_W - _RIGHT}" y2="40" stroke="#444"/>')
    for w in sorted(window, key=lambda w: w["snapshot"]):
        x = xpos(_days(w["snapshot"]))
        fill = PALETTE[0] if w["consistent"] else "#FFFFFF"
        state = "consistent" if w["consistent"] else "not consistent"
        body.append(f'<circle cx="{x:.1f}" cy="40" r="6" fill="{fill}" stroke="{PALETTE[0]}" '
                    f'stroke-width="2"><title>{escape(w["snapshot"])}: {state}, '
                    f'log-likelihood ratio {float(w["loglik_ratio"]):.2f}</title></circle>')
        body.append(_text(x, 76, w["snapshot"], anchor="middle", size=10))
        body.append(_text(x, 88, f"{float(w['loglik_ratio']):.1f}", anchor="middle", size=10))
    legend, last = _legend(108, [("consistent with the list", PALETTE[0]),
                                 ("not consistent", "#FFFFFF"), ("leak window", "#CFE3F3")])
    return _frame(last + 8, body + legend, "snapshot timeline with the leak window")


def quality_svg(kinds: dict[str, dict[str, int]]) -> str:
    """Per column kind, the shares of valid, invalid, masked and missing values."""
    body: list[str] = []
    names = list(kinds)
    for i, kind in enumerate(names):
        y = 10 + i * _ROW
        counts = kinds[kind]
        total = sum(int(counts.get(s, 0)) for s in STATUS_COLOURS) or 1
        body.append(_text(_LEFT - 8, y + 13, kind, anchor="end"))
        x = float(_LEFT)
        for status, colour in STATUS_COLOURS.items():
            n = int(counts.get(status, 0))
            w = _SPAN * n / total
            body.append(_rect(x, y + 3, w, 12, colour, f"{kind} {status}: {n}"))
            x += w
    h = 10 + len(names) * _ROW
    body += _axis(h)
    legend, last = _legend(h + 40, list(STATUS_COLOURS.items()))
    return _frame(last + 8, body + legend, "data quality of the leak by column kind")
