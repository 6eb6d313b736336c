"""Tiny HTML helpers for the report: one self-contained page, inline CSS, no scripts, no network."""

from __future__ import annotations

import base64
from html import escape

__all__ = ["escape", "data_uri", "figure", "table", "section", "p", "page", "swatches"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 1180px; margin: 2em auto; padding: 0 1.2em; line-height: 1.5; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
p.lead { color: #555; margin-top: 0; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.7em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: bold; }
code, td.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.92em; }
span.sw { display: inline-block; width: 1.1em; height: 1.1em; margin-right: 2px;
          border: 1px solid #555; vertical-align: middle; }
span.sw.sm { width: 0.8em; height: 0.8em; margin-right: 1px; border-color: #888; }
footer { margin-top: 3em; color: #777; font-size: 0.85em; }
"""


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure(png: bytes, alt: str, caption: str | None = None) -> str:
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{data_uri(png)}" alt="{escape(alt)}">{cap}</figure>'


def table(headers, rows, numeric=(), raw=()) -> str:
    """A table; ``numeric`` columns are right-aligned, ``raw`` columns hold trusted HTML."""
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>" for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = str(cell) if i in raw else escape(str(cell))
            cells.append(f'<td class="num">{text}</td>' if i in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def swatches(rgb_rows, small: bool = False) -> str:
    """Inline colour swatches from ``(r, g, b)`` rows of 0..255 values (``small``: compact ones,
    for palettes of up to 256 colours)."""
    cls = "sw sm" if small else "sw"
    out = []
    for r, g, b in rgb_rows:
        hexa = f"#{round(float(r)):02x}{round(float(g)):02x}{round(float(b)):02x}"
        out.append(f'<span class="{cls}" style="background:{hexa}" title="{hexa}"></span>')
    return "".join(out)


def section(title: str, *parts: str) -> str:
    """A section: a heading then trusted HTML parts (paragraphs made with :func:`p`)."""
    return f"<section><h2>{escape(title)}</h2>{''.join(parts)}</section>"


def p(text: str) -> str:
    """A paragraph of plain text (escaped)."""
    return f"<p>{escape(text)}</p>"


def page(title: str, lead: str, body: str, footer: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="lead">{escape(lead)}</p>{body}'
        f"<footer>{escape(footer)}</footer></body></html>\n"
    )
