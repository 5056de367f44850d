"""``--format html``: one self-contained HTML page (no scripts, no external assets).

Made from the report's JSON (``report.to_json()``) only, so every command's report
renders: a heading with the result, the count per level, the command's summary
figures and the items worst first, each with its fixes. A ``check`` report adds its
decision (large, at the top), the size today and on Alpine as an inline SVG bar
chart with what each number is based on, the blockers with their fixes, the changes
(pins, packages to add, packages to replace), the translated Dockerfile as a
coloured unified diff, and the musl behaviour differences that apply.

Safe to open whatever the inputs said: every text is HTML-escaped (a package named
``<script>`` shows as text), terminal controls are escaped too, and a
Content-Security-Policy meta tag forbids scripts, frames and any fetch
(``default-src 'none'``; inline styles and ``data:`` images only).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..guard import printable
from ..report.base import Report
from .base import RenderOptions

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
#: Item rows shown at most (the rest are counted)
MAX_ITEMS = 500
_LEVELS = ("error", "warning", "info", "style", "ok")
_DECISION_WORDS = {
    "fits": "Fits Alpine",
    "fits-with-changes": "Fits Alpine with changes",
    "not-recommended": "Alpine not recommended",
}
_STYLE = """
:root{--ok:#1a7f37;--warn:#9a6700;--err:#cf222e;--info:#0969da;--fg:#1f2328;--mut:#59636e;
--bg:#fff;--line:#d1d9e0}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid
var(--line);padding-bottom:4px}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:#f6f8fa;padding:1px 4px;border-radius:4px}
.muted{color:var(--mut)}
.decision{border-radius:10px;padding:18px 22px;margin:16px 0;color:#fff}
.decision .word{font-size:34px;font-weight:700;letter-spacing:.3px}
.decision ul{margin:6px 0 0 18px;padding:0}
.d-fits{background:var(--ok)}.d-fits-with-changes{background:#bf8700}
.d-not-recommended{background:var(--err)}
.badge{display:inline-block;border-radius:12px;padding:1px 10px;font-size:13px;font-weight:600;
color:#fff;background:var(--mut)}
.l-error{background:var(--err)}.l-warning{background:var(--warn)}.l-info{background:var(--info)}
.l-ok{background:var(--ok)}.r-pass{background:var(--ok)}.r-fail{background:var(--err)}
.levels span{margin-right:12px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-top:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.card{border:1px solid var(--line);border-left:6px solid var(--mut);border-radius:6px;
padding:10px 14px;margin:10px 0}
.card.l-error{border-left-color:var(--err);background:#fff}
.card.l-warning{border-left-color:var(--warn);background:#fff}
.card h3{margin:0 0 4px;font-size:15px}
.fix{margin:4px 0}.fix code{background:#dafbe1}
pre.diff{border:1px solid var(--line);border-radius:6px;padding:8px 0;overflow-x:auto;
background:#f6f8fa}
pre.diff span{display:block;padding:0 12px;white-space:pre}
pre.diff .add{background:#dafbe1;color:#116329}pre.diff .del{background:#ffebe9;color:#82071e}
pre.diff .hunk{color:#8250df}pre.diff .head{color:var(--mut);font-weight:600}
svg text{font:13px system-ui,sans-serif}
"""


def esc(value: object) -> str:
    """Any value as text safe between tags and in attribute values."""
    return html.escape(printable(str(value)), quote=True)


def _mib(n: int) -> str:
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n >= 1 << 30:
        return f"{sign}{n / (1 << 30):.2f} GiB"
    if n >= 1 << 20:
        return f"{sign}{n / (1 << 20):.1f} MiB"
    if n >= 1 << 10:
        return f"{sign}{n / (1 << 10):.1f} KiB"
    return f"{sign}{n} B"


def size_text(n: int) -> str:
    """``148.0 MiB`` (the bytes exact in the title of the element that shows it)."""
    return _mib(n)


def _num(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _head(data: Mapping[str, Any]) -> list[str]:
    command, target, result = data.get("command", "?"), data.get("target", ""), data.get("result")
    out = [
        f'<header><h1>alpine-ready {esc(command)}: <code id="target">{esc(target)}</code></h1>',
        f'<p><span class="badge r-{esc(result)}" id="result">{esc(result)}</span> '
        f'<span class="muted">fails at <b>{esc(data.get("fail_on_level", "?"))}</b> and above'
        f" · alpine-ready {esc(data.get('tool_version', ''))}</span></p>",
    ]
    levels = data.get("levels")
    if isinstance(levels, Mapping):
        chips = [
            f'<span><span class="badge l-{esc(k)}">{esc(levels[k])}</span> {esc(k)}</span>'
            for k in _LEVELS
            if _num(levels.get(k))
        ]
        if chips:
            out.append(f'<p class="levels" id="levels">{"".join(chips)}</p>')
    out.append("</header>")
    return out


def _decision(data: Mapping[str, Any]) -> list[str]:
    word = data.get("decision")
    if not isinstance(word, str):
        return []
    shown = _DECISION_WORDS.get(word, word)
    reasons = data.get("decision_reasons") or []
    out = [
        f'<section class="decision d-{esc(word)}" id="decision" data-decision="{esc(word)}">',
        f'<div class="word">{esc(shown)}</div><div><code style="background:none;color:#fff">'
        f"{esc(word)}</code> · Alpine {esc(data.get('alpine', ''))}</div>",
    ]
    if reasons:
        out.append("<ul>" + "".join(f"<li>{esc(r)}</li>" for r in reasons) + "</ul>")
    out.append("</section>")
    return out


@dataclass(frozen=True)
class _Bar:
    """One bar of a chart: its label, value, colour, tooltip and shown figure."""

    label: str
    value: int
    fill: str
    title: str
    shown: str
    cls: str | None = None  # a class attribute on the bar (the size chart's)


def _svg_bars(
    svg_id: str,
    aria: str,
    bars: Sequence[_Bar],
    *,
    label_w: int,
    bar_h: int,
    gap: int,
    room: int,
    whole: int | None = None,
) -> str:
    """A horizontal bar chart (inline SVG).

    Bars are scaled to ``whole`` (default: the largest bar); ``room`` is the width kept
    right of the longest bar for its figure.
    """
    width = 900
    biggest = (whole if whole is not None else max((b.value for b in bars), default=0)) or 1
    height = len(bars) * (bar_h + gap) + gap
    parts = [
        f'<svg id="{svg_id}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{aria}">'
    ]
    for i, bar in enumerate(bars):
        y = gap + i * (bar_h + gap)
        w = max(2, round((width - label_w - room) * bar.value / biggest))
        cls = f'class="bar-{esc(bar.cls)}" ' if bar.cls is not None else ""
        parts.append(
            f'<text x="0" y="{y + bar_h / 2 + 5}">{esc(bar.label)}</text>'
            f'<rect {cls}x="{label_w}" y="{y}" width="{w}" height="{bar_h}" '
            f'rx="4" fill="{bar.fill}"><title>{bar.title}</title></rect>'
            f'<text x="{label_w + w + 8}" y="{y + bar_h / 2 + 5}" font-weight="600">'
            f"{esc(bar.shown)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _bar_chart(rows: Sequence[tuple[str, int, str]]) -> str:
    """The size chart: (label, bytes, class) rows, today grey and Alpine blue."""
    colours = {"today": "#8c959f", "alpine": "#0969da"}
    bars = [
        _Bar(label, n, colours.get(cls, "#8c959f"), f"{n:,} bytes", size_text(n), cls)
        for label, n, cls in rows
    ]
    return _svg_bars(
        "size-chart",
        "image size today and on Alpine",
        bars,
        label_w=150,
        bar_h=34,
        gap=14,
        room=170,
    )


def _size(data: Mapping[str, Any]) -> list[str]:
    size = data.get("size")
    if not isinstance(size, Mapping):
        return []
    today = size.get("today") or {}
    alpine = size.get("alpine") or {}
    saving = size.get("saving") or {}
    rows: list[tuple[str, int, str]] = []
    t, a = _num(today.get("bytes")), _num(alpine.get("bytes"))
    if t is not None:
        rows.append(("Today", t, "today"))
    if a is not None:
        rows.append((f"Alpine {data.get('alpine', '')}".strip(), a, "alpine"))
    out = ['<section id="size"><h2>Size</h2>']
    if rows:
        out.append(_bar_chart(rows))
    figures = []
    if t is not None:
        figures.append(
            f'<li>Today: <b id="size-today" title="{t:,} bytes">{esc(size_text(t))}</b> '
            f'<span class="muted">({t:,} bytes; {esc(today.get("basis") or "basis unknown")})'
            "</span></li>"
        )
    if a is not None:
        figures.append(
            f'<li>On Alpine: <b id="size-alpine" title="{a:,} bytes">{esc(size_text(a))}</b> '
            f'<span class="muted">({a:,} bytes; {esc(alpine.get("basis") or "basis unknown")})'
            "</span></li>"
        )
    s, ratio = _num(saving.get("bytes")), saving.get("ratio")
    if s is not None:
        pct = f" ({ratio:.0%})" if isinstance(ratio, float | int) else ""
        figures.append(f'<li>Saving: <b id="size-saving">{esc(size_text(s))}{esc(pct)}</b></li>')
    if figures:
        out.append("<ul>" + "".join(figures) + "</ul>")
    parts = size.get("parts") or []
    if parts:
        out.append(
            "<table><tr><th>part of the Alpine image</th><th>size</th><th>based on</th></tr>"
        )
        for p in parts:
            n = _num(p.get("bytes"))
            pk = p.get("packages") or []
            shown_pk = (
                f'<br><span class="muted">{esc(", ".join(map(str, pk)))}</span>' if pk else ""
            )
            out.append(
                f"<tr><td>{esc(p.get('name', ''))}</td>"
                f'<td class="num">{esc(size_text(n)) if n is not None else "?"}</td>'
                f"<td>{esc(p.get('basis', ''))}{shown_pk}</td></tr>"
            )
        out.append("</table>")
    out.append("</section>")
    return out


def _where(item: Mapping[str, Any]) -> str:
    loc = item.get("location")
    if isinstance(loc, Mapping) and loc.get("path"):
        line = loc.get("line")
        return f"{loc['path']}:{line}" if line else str(loc["path"])
    subject = item.get("subject")
    return str(subject.get("name", "")) if isinstance(subject, Mapping) else ""


def _subject(item: Mapping[str, Any]) -> str:
    subject = item.get("subject")
    if not isinstance(subject, Mapping):
        return ""
    name = str(subject.get("name", ""))
    version = subject.get("version")
    return f"{name} {version}" if version else name


def _fixes(item: Mapping[str, Any]) -> str:
    out = []
    for fix in item.get("fixes") or []:
        text, desc = fix.get("text") or "", fix.get("description") or ""
        shown = f"<code>{esc(text)}</code> " if text else ""
        out.append(f'<div class="fix">Fix: {shown}<span class="muted">{esc(desc)}</span></div>')
    return "".join(out)


def _card(item: Mapping[str, Any]) -> str:
    level = str(item.get("level", ""))
    ident = item.get("id")
    head = f"{esc(ident)} · " if ident else ""
    evidence = item.get("evidence") or []
    ev = ""
    if evidence:
        ev = (
            '<div class="muted">Found by: '
            + "; ".join(
                f"{esc(e.get('part', ''))} <code>{esc(e.get('code', ''))}</code> "
                f"{esc(e.get('message', ''))}"
                for e in evidence
            )
            + "</div>"
        )
    reasons = item.get("reasons") or []
    rs = "<ul>" + "".join(f"<li>{esc(r)}</li>" for r in reasons) + "</ul>" if reasons else ""
    return (
        f'<div class="card l-{esc(level)}" data-code="{esc(item.get("code", ""))}">'
        f'<h3>{head}<code class="code">{esc(item.get("code", ""))}</code> '
        f"{esc(item.get('name', ''))} "
        f'<span class="badge l-{esc(level)}">{esc(level)}</span></h3>'
        f'<div><b>{esc(_subject(item))}</b> <span class="muted">{esc(_where(item))}</span></div>'
        f"<div>{esc(item.get('message', ''))}</div>{rs}{_fixes(item)}{ev}</div>"
    )


def _blockers(data: Mapping[str, Any]) -> list[str]:
    if "blockers" not in data:
        return []
    blockers = data.get("blockers") or []
    out = [f'<section id="blockers"><h2>Blockers ({len(blockers)})</h2>']
    if not blockers:
        out.append("<p>None: nothing stops the move but the base image.</p>")
    out += [_card(b) for b in blockers]
    out.append("</section>")
    return out


def _diff(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith(("+++", "---")):
            cls = "head"
        elif line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "del"
        else:
            cls = "ctx"
        lines.append(f'<span class="{cls}">{esc(line) or " "}</span>')
    return '<pre class="diff" id="dockerfile-diff">' + "".join(lines) + "</pre>"


def _changes(data: Mapping[str, Any]) -> list[str]:
    changes = data.get("changes")
    if not isinstance(changes, Mapping):
        return []
    out = ['<section id="changes"><h2>Changes</h2>']
    pins = changes.get("pins") or []
    if pins:
        out.append(
            "<h3>Dependency pins</h3><table><tr><th>package</th><th>from</th><th>to</th>"
            "<th>finding</th></tr>"
        )
        out += [
            f'<tr><td>{esc(p.get("package", ""))} <span class="muted">'
            f"{esc(p.get('ecosystem', ''))}</span></td><td>{esc(p.get('from', ''))}</td>"
            f"<td><b>{esc(p.get('to', ''))}</b></td><td>{esc(p.get('finding', ''))}</td></tr>"
            for p in pins
        ]
        out.append("</table>")
    apk = changes.get("apk_add") or []
    if apk:
        out.append(
            "<h3>Alpine packages to add</h3><table><tr><th>package</th><th>finding</th></tr>"
        )
        out += [
            f"<tr><td><code>{esc(p.get('package', ''))}</code></td>"
            f"<td>{esc(p.get('finding', ''))}</td></tr>"
            for p in apk
        ]
        out.append("</table>")
    replace = changes.get("replace") or []
    if replace:
        out.append(
            "<h3>Packages to replace</h3><table><tr><th>package</th><th>with</th>"
            "<th>finding</th></tr>"
        )
        out += [
            f"<tr><td>{esc(p.get('package', ''))}</td><td><b>{esc(p.get('with', ''))}</b></td>"
            f"<td>{esc(p.get('finding', ''))}</td></tr>"
            for p in replace
        ]
        out.append("</table>")
    diff = changes.get("dockerfile_diff")
    if isinstance(diff, str) and diff:
        out += ["<h3>Dockerfile</h3>", _diff(diff)]
    if len(out) == 1:
        out.append("<p>No change besides the base image.</p>")
    out.append("</section>")
    return out


def _behaviour(data: Mapping[str, Any]) -> list[str]:
    entries = data.get("behaviour") or []
    if not entries:
        return []
    out = [
        f'<section id="behaviour"><h2>musl behaviour differences that apply ({len(entries)})</h2>'
    ]
    for b in entries:
        src = str(b.get("source", ""))
        out.append(
            f'<div class="card l-{esc(b.get("level", "warning"))}" '
            f'data-behaviour="{esc(b.get("id", ""))}">'
            f"<h3>{esc(b.get('title', ''))} <code>{esc(b.get('id', ''))}</code></h3>"
            f"<div>{esc(b.get('differs', ''))}</div>"
            f"<div>Why it applies: {esc(b.get('why', ''))}</div>"
            f'<div class="fix">Mitigation: {esc(b.get("mitigation", ""))}</div>'
            f'<div class="muted">Source: {esc(src)}</div></div>'
        )
    out.append("</section>")
    return out


def _warnings(data: Mapping[str, Any]) -> list[str]:
    warnings = [w for w in data.get("warnings") or [] if isinstance(w, str)]
    if not warnings:
        return []
    rows = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return [f'<section id="warnings"><h2>Caveats</h2><ul>{rows}</ul></section>']


def _parts(data: Mapping[str, Any]) -> list[str]:
    parts = data.get("parts")
    if not isinstance(parts, Mapping) or not parts:
        return []
    out = [
        '<section id="parts"><h2>Parts</h2><table><tr><th>part</th><th>result</th>'
        "<th>items</th><th>inputs</th><th>note</th></tr>"
    ]
    for name, part in parts.items():
        if not isinstance(part, Mapping):
            continue
        result = str(part.get("result", ""))
        targets = ", ".join(str(t) for t in part.get("targets") or [])
        out.append(
            f'<tr><td>{esc(name)}</td><td><span class="badge r-{esc(result)}">{esc(result)}'
            f'</span></td><td class="num">{esc(part.get("items", ""))}</td>'
            f"<td>{esc(targets)}</td><td>{esc(part.get('note') or '')}</td></tr>"
        )
    out.append("</table></section>")
    return out


def _summary(summary: Mapping[str, Any] | None) -> list[str]:
    if not summary:
        return []
    rows = []
    for key, value in summary.items():
        if isinstance(value, Mapping):
            value = ", ".join(f"{k} {v}" for k, v in value.items() if v)
        elif isinstance(value, list):
            continue
        if value not in (None, ""):
            rows.append(f"<tr><th>{esc(key)}</th><td>{esc(value)}</td></tr>")
    if not rows:
        return []
    return ['<section id="summary"><h2>Summary</h2><table>', *rows, "</table></section>"]


def _items(data: Mapping[str, Any]) -> list[str]:
    items = [i for i in data.get("items") or [] if isinstance(i, Mapping)]
    rank = {level: n for n, level in enumerate(_LEVELS)}
    items.sort(key=lambda i: rank.get(str(i.get("level")), len(_LEVELS)))
    out = [f'<section id="items"><h2>Findings ({len(items)})</h2>']
    if not items:
        out.append("<p>Nothing to report.</p>")
    else:
        out.append(
            "<table><tr><th>level</th><th>code</th><th>where</th><th>message</th><th>fix</th></tr>"
        )
        for item in items[:MAX_ITEMS]:
            level = str(item.get("level", ""))
            fixes = item.get("fixes") or []
            fix = (fixes[0].get("text") or fixes[0].get("description") or "") if fixes else ""
            out.append(
                f'<tr><td><span class="badge l-{esc(level)}">{esc(level)}</span></td>'
                f'<td><code class="code">{esc(item.get("code", ""))}</code> '
                f"{esc(item.get('name', ''))}</td><td><code>{esc(_where(item))}</code></td>"
                f"<td>{esc(item.get('message', ''))}</td>"
                f"<td>{f'<code>{esc(fix)}</code>' if fix else ''}</td></tr>"
            )
        out.append("</table>")
        if len(items) > MAX_ITEMS:
            out.append(f"<p>… and {len(items) - MAX_ITEMS} more (see --format json).</p>")
    out.append("</section>")
    return out


_READINESS = (
    ("ready", "ready", "#1a7f37"),
    ("ready_with_changes", "ready with changes", "#9a6700"),
    ("not_recommended", "not recommended", "#cf222e"),
    ("failed", "not judged", "#8c959f"),
)
MAX_IMAGES = 500  # rows of the fleet's image table (the JSON and CSV have them all)


def _fleet(data: Mapping[str, Any]) -> list[str]:
    """The fleet's figures: readiness and sizes as charts, blockers ranked, the images."""
    if data.get("command") != "fleet" or not isinstance(data.get("summary"), Mapping):
        return []
    summary: Mapping[str, Any] = data["summary"]
    counts = [(label, _num(summary.get(key)) or 0, colour) for key, label, colour in _READINESS]
    readiness = _svg_bars(
        "readiness-chart",
        "images by readiness",
        [_Bar(label, n, colour, f"{n} images", str(n)) for label, n, colour in counts],
        label_w=190,
        bar_h=30,
        gap=12,
        room=120,
        whole=sum(n for _, n, _ in counts),  # a bar is its share of the fleet
    )
    today = _num(summary.get("size_today")) or 0
    saved = _num(summary.get("bytes_saved")) or 0
    out = [
        '<section id="fleet"><h2>Images by readiness</h2>',
        readiness,
        f'<p id="fleet-figures"><b>{esc(_num(summary.get("images")) or 0)}</b> images · '
        f"size today <b>{esc(size_text(today))}</b> · estimated saving "
        f"<b>{esc(size_text(saved))}</b> (images ready, with or without changes)</p>",
    ]
    if today:
        out.append(_bar_chart([("Today", today, "today"), ("On Alpine", today - saved, "alpine")]))
    blockers = [b for b in data.get("blockers") or [] if isinstance(b, Mapping)]
    if blockers:
        out.append('<h2>Blockers, by images blocked</h2><table id="fleet-blockers">')
        out.append("<tr><th>images</th><th>code</th><th>what</th><th>fix</th></tr>")
        for b in blockers[:MAX_ITEMS]:
            out.append(
                f"<tr><td><b>{esc(b.get('images', ''))}</b></td>"
                f'<td><code class="code">{esc(b.get("code", ""))}</code> '
                f"{esc(b.get('name', ''))}</td><td>{esc(b.get('message', ''))}</td>"
                f"<td>{esc(b.get('fix', ''))}</td></tr>"
            )
        out.append("</table>")
    images = [i for i in data.get("images") or [] if isinstance(i, Mapping)]
    if images:
        out.append('<h2>Images</h2><table id="fleet-images">')
        out.append(
            "<tr><th>image</th><th>readiness</th><th>size today</th><th>saving</th>"
            "<th>top blocker</th></tr>"
        )
        for im in images[:MAX_IMAGES]:
            top = im.get("top_blocker") or im.get("error") or ""
            out.append(
                f"<tr><td><code>{esc(im.get('ref', ''))}</code></td>"
                f"<td>{esc(im.get('readiness', ''))}</td>"
                f"<td>{esc(size_text(_num(im.get('uncompressed')) or 0))}</td>"
                f"<td>{esc(size_text(_num(im.get('saving')) or 0))}</td>"
                f"<td>{esc(top)}</td></tr>"
            )
        out.append("</table>")
        if len(images) > MAX_IMAGES:
            out.append(f"<p>… and {len(images) - MAX_IMAGES} more (see --format csv).</p>")
    out.append("</section>")
    return out


def render_json(data: Mapping[str, Any], summary: Mapping[str, Any] | None = None) -> str:
    """The page of a report's JSON (any command's; ``check``'s sections when present)."""
    title = f"alpine-ready {data.get('command', '')}: {data.get('target', '')}"
    body = [
        *_head(data),
        *_fleet(data),
        *_decision(data),
        *_size(data),
        *_blockers(data),
        *_changes(data),
        *_behaviour(data),
        *_warnings(data),
        *_parts(data),
        *_summary(summary),
        *_items(data),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render(report: Report, options: RenderOptions) -> str:
    """The HTML page of ``report``."""
    del options
    return render_json(report.to_json(), report.core().summary)
