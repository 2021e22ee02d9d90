"""HTML building blocks of the report: the page, sections, tables, figures.

Everything is inline (styles, images as data URIs, MathML), so the page is a
single file that makes no network request and prints cleanly.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from .figures import data_uri

STYLE = """
:root { --ink: #1d2330; --muted: #5b6474; --rule: #d9dde5; --accent: #2b5fad;
        --warn: #b3261e; --paper: #ffffff; --tint: #f5f7fa; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; color: var(--ink); background: var(--paper);
       font-family: "DejaVu Serif", "Liberation Serif", Georgia, serif;
       line-height: 1.55; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.5rem 4rem; }
h1, h2, h3, nav, table, figcaption, .summary, .note {
       font-family: "DejaVu Sans", "Liberation Sans", Helvetica, Arial, sans-serif; }
h1 { font-size: 1.9rem; margin: 0.5rem 0 0.3rem; line-height: 1.2; }
h2 { font-size: 1.45rem; margin: 2.6rem 0 0.8rem; padding-bottom: 0.25rem;
     border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.12rem; margin: 1.8rem 0 0.5rem; }
p, li { max-width: 46rem; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
nav { background: var(--tint); border: 1px solid var(--rule); border-radius: 6px;
      padding: 0.6rem 1rem; font-size: 0.92rem; }
nav ol { margin: 0.2rem 0; padding-left: 1.3rem; columns: 2; }
nav a { color: var(--accent); text-decoration: none; }
.summary { background: var(--tint); border-left: 4px solid var(--accent);
           padding: 0.7rem 1rem; margin: 1rem 0; font-size: 0.95rem; }
.summary ul { margin: 0.2rem 0; padding-left: 1.2rem; }
.note { color: var(--muted); font-size: 0.88rem; }
.warn { color: var(--warn); }
math { font-family: "DejaVu Math TeX Gyre", "STIX Two Math", "Latin Modern Math",
       math; font-size: 1.05em; }
.equation { overflow-x: auto; overflow-y: hidden; margin: 0.9rem 0;
            padding: 0.1rem 0; }
.derivation { border: 1px solid var(--rule); border-radius: 6px;
              padding: 0.2rem 1.2rem 1rem; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.88em;
       background: var(--tint); padding: 0 0.2em; border-radius: 3px; }
figure { margin: 1.2rem 0; text-align: center; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule);
             border-radius: 4px; }
figcaption { color: var(--muted); font-size: 0.86rem; margin-top: 0.3rem;
             text-align: left; max-width: 46rem; margin-left: auto;
             margin-right: auto; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(24rem, 1fr));
        gap: 0.8rem; }
.pair figure { margin: 0.6rem 0; }
.table-wrap { overflow-x: auto; margin: 0.8rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { padding: 0.22rem 0.6rem; border-bottom: 1px solid var(--rule);
         text-align: right; white-space: nowrap; }
th { background: var(--tint); font-weight: 600; white-space: normal;
     vertical-align: bottom; }
td.text, th.text { text-align: left; }
tr.best td { font-weight: 700; background: #eaf1fb; }
tr.group-start td { border-top: 2px solid var(--rule); }
td .chosen { font-weight: 700; background: #d5e3f6; padding: 0 0.25em;
             border-radius: 3px; }
td .degenerate { color: var(--muted); }
.swatch { display: inline-block; width: 0.75em; height: 0.75em;
          border-radius: 50%; margin-right: 0.35em; vertical-align: -0.05em; }
iframe.explorer { width: 100%; height: 760px; border: 1px solid var(--rule);
                  border-radius: 6px; }
.print-only { display: none; }
@media print {
  html { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-before: page; }
  h2, h3 { break-after: avoid; }
  figure, table, .equation, .summary { break-inside: avoid; }
  figure img { max-height: 22cm; }
  .pair { display: block; }
  iframe.explorer { display: none; }
  .print-only { display: block; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


@dataclass(frozen=True)
class Section:
    """One numbered part of the report.

    Attributes
    ----------
    anchor : str
        ``id`` of the section (for the table of contents).
    title : str
    body : str
        HTML.
    """

    anchor: str
    title: str
    body: str


def escape(text: object) -> str:
    """HTML-escape any value's ``str``."""
    return html.escape(str(text), quote=True)


def paragraph(text: str, cls: str | None = None) -> str:
    """A ``<p>`` of plain text (escaped)."""
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{escape(text)}</p>"


def bullets(items: Sequence[str]) -> str:
    """A ``<ul>`` of plain-text items (escaped)."""
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def swatch(color: str) -> str:
    """A small coloured dot (component colour in tables)."""
    return f'<span class="swatch" style="background:{color}"></span>'


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    text_columns: Sequence[int] = (0,),
    row_classes: Sequence[str] | None = None,
    raw_columns: Sequence[int] = (),
) -> str:
    """An HTML table; cells are escaped except in ``raw_columns``.

    Parameters
    ----------
    header : sequence of str
    rows : sequence of sequences
    text_columns : sequence of int
        Left-aligned columns (others are numbers, right-aligned).
    row_classes : sequence of str, optional
        A CSS class per row ("best", "group-start" or "").
    raw_columns : sequence of int
        Columns holding HTML (e.g. a colour swatch).

    Returns
    -------
    html : str
    """

    def cell(tag: str, j: int, value: object) -> str:
        cls = ' class="text"' if j in text_columns else ""
        content = str(value) if j in raw_columns else escape(value)
        return f"<{tag}{cls}>{content}</{tag}>"

    head = "".join(cell("th", j, h) for j, h in enumerate(header))
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        attr = f' class="{cls}"' if cls else ""
        cells = "".join(cell("td", j, v) for j, v in enumerate(row))
        body.append(f"<tr{attr}>{cells}</tr>")
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def figure(png: bytes, alt: str, caption: str) -> str:
    """An inline PNG with a caption (plain text, escaped)."""
    return (
        f'<figure><img src="{data_uri(png)}" alt="{escape(alt)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def pair(*figures: str) -> str:
    """Figures side by side on a wide screen, stacked on a narrow one or in print."""
    return f'<div class="pair">{"".join(figures)}</div>'


def page(title: str, subtitle: str, summary: str, sections: Sequence[Section]) -> str:
    """The whole HTML document.

    Parameters
    ----------
    title : str
    subtitle : str
        Plain text under the title.
    summary : str
        HTML of the at-a-glance box.
    sections : sequence of Section

    Returns
    -------
    html : str
    """
    toc = "".join(
        f'<li><a href="#{s.anchor}">{escape(s.title)}</a></li>' for s in sections
    )
    body = "".join(
        f'<section id="{s.anchor}"><h2>{i}. {escape(s.title)}</h2>{s.body}</section>'
        for i, s in enumerate(sections, start=1)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>"
        f'<p class="subtitle">{escape(subtitle)}</p>'
        f'<div class="summary">{summary}</div>'
        f"<nav><strong>Contents</strong><ol>{toc}</ol></nav>"
        f"{body}</main></body></html>\n"
    )
