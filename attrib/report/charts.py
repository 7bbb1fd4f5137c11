"""Deterministic inline SVG charts (no JavaScript, no fonts downloaded)."""

from __future__ import annotations

from html import escape
from typing import Any

_W, _ROW, _LEFT, _RIGHT = 640, 22, 230, 20


def _frame(height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'viewBox="0 0 {_W} {height}" role="img" aria-label="{escape(title)}">'
        + "".join(body) + "</svg>"
    )


def _axis(y: int) -> list[str]:
    span = _W - _LEFT - _RIGHT
    out = [f'<line x1="{_LEFT}" y1="{y}" x2="{_W - _RIGHT}" y2="{y}" stroke="#444"/>']
    for i in range(6):
        x = _LEFT + span * i / 5
        out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="#444"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 16}" font-size="11" text-anchor="middle">'
                   f'{i / 5:.1f}</text>')
    return out


def containment_svg(candidates: list[dict[str, Any]]) -> str:
    """Containment of the leak in each candidate, with its 95% interval."""
    span = _W - _LEFT - _RIGHT
    body = []
    for i, c in enumerate(candidates):
        y = 10 + i * _ROW
        label = escape(f"{c['org']} {c['snapshot']}")
        lo, hi = c["containment_ci"]
        body.append(f'<text x="{_LEFT - 8}" y="{y + 13}" font-size="12" text-anchor="end">'
                    f'{label}</text>')
        body.append(f'<rect x="{_LEFT}" y="{y + 3}" width="{span * c["containment"]:.1f}" '
                    f'height="12" fill="#4a78b5"/>')
        body.append(f'<line x1="{_LEFT + span * lo:.1f}" y1="{y + 9}" '
                    f'x2="{_LEFT + span * hi:.1f}" y2="{y + 9}" stroke="#111" '
                    f'stroke-width="2"/>')
    h = 10 + len(candidates) * _ROW
    return _frame(h + 24, body + _axis(h), "containment by candidate")


def probability_svg(candidates: list[dict[str, Any]], outside: float) -> str:
    """Posterior probability of each candidate and of a source outside the case."""
    rows = [(f"{c['org']} {c['snapshot']}", c["probability"]) for c in candidates]
    rows.append(("outside the case", outside))
    span = _W - _LEFT - _RIGHT
    body = []
    for i, (label, p) in enumerate(rows):
        y = 10 + i * _ROW
        body.append(f'<text x="{_LEFT - 8}" y="{y + 13}" font-size="12" text-anchor="end">'
                    f'{escape(label)}</text>')
        body.append(f'<rect x="{_LEFT}" y="{y + 3}" width="{span * p:.1f}" height="12" '
                    f'fill="#b5644a"/>')
    h = 10 + len(rows) * _ROW
    return _frame(h + 24, body + _axis(h), "posterior probability")
