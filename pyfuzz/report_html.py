"""One self-contained HTML page for one finding, rendered from its crash record.

`render_html` turns the dict form of a `crash.json` (see docs/crash-format.md) into a single
page a kernel developer can open from disk, offline: a header (title, kind, scenario, stats,
how to replay), the interleaving as swimlanes (one column per thread, one row per step, with
context switches, preemptions, blocking points, locks held and the fatal step marked), the
objects the run touched with their allocation and free steps, and the report text with its
stack frames linked to the matching steps. Everything is inline (no network, no external
scripts, stylesheets or fonts) and every piece of text from the record is HTML-escaped. The
small inline script only adds interactivity (object highlighting, a compact view, scrolling to
the fatal step); the page reads completely without it. The fatal row carries `id="fatal"`
(its `step-N` anchor is an empty element inside it); every other row is `id="step-N"`.
"""

from __future__ import annotations

import html
import re
from typing import Any

_CSS = """
:root{--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
--sans:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
body{margin:0;font:14px/1.45 var(--sans);color:#1f2328;background:#f6f8fa}
header{padding:14px 20px 12px;background:#fff;border-bottom:1px solid #d0d7de}
h1{font:600 17px/1.3 var(--mono);margin:0 0 8px;color:#a40e26}h2{font-size:15px;margin:0 0 8px}
code,pre,.mono{font-family:var(--mono)}
.meta{display:flex;flex-wrap:wrap;gap:4px 22px;color:#57606a;font-size:13px}
.meta b{color:#1f2328;font-weight:600}.kind{background:#ffebe9;color:#a40e26;
border:1px solid #ffcecb;border-radius:10px;padding:0 8px;font:12px var(--mono)}
.tools{margin-top:8px;display:flex;gap:18px;align-items:center;font-size:13px}
.tools code{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:1px 6px}
a{color:#0550ae}section{padding:14px 20px}.quiet{color:#57606a;font-style:italic}
.lanes{max-height:calc(100vh - 200px);min-height:320px;overflow:auto;border:1px solid #d0d7de;
background:#fff}@media print{.lanes{max-height:none;overflow:visible}}
table.tl{border-collapse:separate;border-spacing:0;font:11.5px/1.3 var(--mono);background:#fff;
width:100%;min-width:900px;table-layout:fixed}.tl col.n{width:48px}.tl col.lk{width:19%}
.tl th{position:sticky;top:0;z-index:2;background:#eaeef2;border-bottom:2px solid #afb8c1;
padding:5px 8px;text-align:left;font-weight:600;white-space:nowrap}
.tl th .tid{color:#6e7781;font-weight:400}.tl th.culprit{color:#a40e26}
.tl td{padding:2px 8px;border-left:1px solid #eaeef2;vertical-align:top;overflow-wrap:anywhere}
.tl td.n,.tl th.n{text-align:right;color:#6e7781;border-left:0}
.tl td.n a{color:inherit;text-decoration:none}.tl td.lk{color:#6e7781}.lock{display:inline-block;
background:#eef1ff;color:#3b4bb0;border-radius:3px;padding:0 4px;margin:1px 2px 1px 0;
max-width:100%}.l0{background:#eef5ff}.l1{background:#effaf1}.l2{background:#fff6e8}
.l3{background:#f6efff}.l4{background:#eaf8fa}.l5{background:#fdf0f5}
.fn{color:#1f2328;font-weight:600}.op{color:#57606a}.op-alloc{color:#1a7f37;font-weight:600}
.op-free{color:#cf222e;font-weight:600}.op-lock{color:#3b4bb0}
.obj{color:#8250df;cursor:pointer;border-bottom:1px dotted #c8b3f5}
.wait{background:repeating-linear-gradient(135deg,#fff 0 5px,#f1f1f1 5px 10px)}
tr.sw>td{border-top:2px solid #8c959f}td.pre{box-shadow:inset 4px 0 #e16f24}
.badge{display:inline-block;border-radius:3px;padding:0 4px;font-size:11px;margin-left:4px}
.b-pre{background:#fff1e5;color:#bc4c00;border:1px solid #ffc680}
.b-blk{background:#fff8c5;color:#7d4e00;border:1px solid #eac54f}
.b-fatal{background:#cf222e;color:#fff}
.b-free{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
.b-alloc{background:#dafbe1;color:#116329;border:1px solid #4ac26b}tr#fatal>td{background:#ffd8d3}
tr#fatal>td.ev{box-shadow:inset 4px 0 #cf222e}tr.hl-root>td.ev{background:#fff8c5}
tr.hl>td.ev{background:#ffe48a}.obj.on{background:#ffe48a}
body.compact tr.step:not(.keep){display:none}
table.objs{border-collapse:collapse;font:12px/1.4 var(--mono);background:#fff}
.objs th,.objs td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
.objs th{background:#eaeef2}.objs td.touch{max-width:620px}.objs tr.fatal-obj>td{background:#ffebe9}
.objs .sub{padding-left:22px}.via{color:#6e7781}pre.report{background:#fff;border:1px solid #d0d7de;
padding:10px 14px;font-size:12px;overflow-x:auto}
pre.report a{text-decoration:none;border-bottom:1px dotted #0550ae}
"""

_JS = """
window.onerror = function (msg, where, line) {
  var b = document.body;
  b.dataset.errors = (b.dataset.errors ? b.dataset.errors + "\\n" : "") + msg + " @" + line;
  return false;
};
(function () {
  var rootOf = function (o) { var i = o.indexOf("."); return i < 0 ? o : o.slice(0, i); };
  var byObj = {}, byRoot = {}, names = {};
  var add = function (m, k, v) { (m[k] = m[k] || []).push(v); };
  document.querySelectorAll("tr.step").forEach(function (r) {
    var o = r.dataset.o;
    if (o) { add(byObj, o, r); add(byRoot, rootOf(o), r); }
  });
  document.querySelectorAll("[data-obj]").forEach(function (e) { add(names, e.dataset.obj, e); });
  var lit = [], pinned = null;
  var clear = function () {
    lit.forEach(function (e) { e.classList.remove("hl", "hl-root", "on"); });
    lit = [];
  };
  var mark = function (list, cls) {
    (list || []).forEach(function (e) { e.classList.add(cls); lit.push(e); });
  };
  var show = function (o) {
    clear();
    mark(byRoot[rootOf(o)], "hl-root"); mark(byObj[o], "hl"); mark(names[o], "on");
  };
  document.addEventListener("mouseover", function (ev) {
    var t = ev.target.closest("[data-obj]");
    if (t && pinned === null) { show(t.dataset.obj); }
  });
  document.addEventListener("mouseout", function (ev) {
    if (pinned === null && ev.target.closest("[data-obj]")) { clear(); }
  });
  document.addEventListener("click", function (ev) {
    var t = ev.target.closest("[data-obj]");
    if (!t) { return; }
    var o = t.dataset.obj;
    if (pinned === o) { pinned = null; clear(); } else { pinned = o; show(o); }
  });
  var cb = document.getElementById("compact");
  cb.addEventListener("change", function () {
    document.body.classList.toggle("compact", cb.checked);
  });
  window.addEventListener("hashchange", function () {
    var t = document.getElementById(location.hash.slice(1));
    if (t && t.offsetParent === null) {
      cb.checked = false; document.body.classList.remove("compact"); t.scrollIntoView();
    }
  });
  // Centre the fatal row inside the lanes box without scrolling the window (a scrolled window
  // also defeats headless screenshots), then let scrollIntoView do the rest if still needed.
  var fatal = document.getElementById("fatal"), box = document.querySelector(".lanes");
  if (fatal && box && (!location.hash || location.hash === "#fatal")) {
    var off = fatal.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += off - (box.clientHeight - fatal.offsetHeight) / 2;
    fatal.scrollIntoView({block: "nearest"});
  }
  document.body.dataset.ready = "1";
})();
"""

_ALLOC_PREFIXES = ("kzalloc", "kmalloc", "kcalloc", "devm_kzalloc")
_FREE_PREFIXES = ("kfree", "kvfree")
_FRAME = re.compile(r"^\s*([\w.$]+)\+0x[0-9a-f]+/0x[0-9a-f]+\s+\S+:(\d+)\s*$")
_LANE_CLASSES = 6


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _root(obj: str) -> str:
    return obj.split(".", 1)[0]


def _verb(op: str) -> str:
    return op.split(" ", 1)[0] if op else ""


def _is_alloc(op: str) -> bool:
    """Whether an op allocates (judged on its first word, e.g. `kzalloc switchtec_dev`)."""
    verb = _verb(op)
    return verb.startswith(_ALLOC_PREFIXES) or "alloc" in verb


def _is_free(op: str) -> bool:
    """Whether an op frees (judged on its first word: `kfree`, `kvfree`, `*free*`)."""
    verb = _verb(op)
    return verb.startswith(_FREE_PREFIXES) or "free" in verb


def _op_class(op: str) -> str:
    if _is_alloc(op):
        return "op op-alloc"
    if _is_free(op):
        return "op op-free"
    return "op op-lock" if "lock" in _verb(op) else "op"


def _lanes(steps: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(tid, label) per thread in tid order; names shared by several tids get the tid added."""
    names: dict[int, str] = {}
    for s in steps:
        names.setdefault(s["tid"], str(s.get("thread", "")))
    shared = {n for n in names.values() if list(names.values()).count(n) > 1}
    return [(t, f"{n} (tid {t})" if n in shared else n) for t, n in sorted(names.items())]


def _allocations(steps: list[dict[str, Any]]) -> dict[str, int]:
    """Root object -> step that allocated it. An allocation without an object (the core names
    only the type, `kzalloc file`) is attributed to the first later object of that type
    (`file#49`) that no step touched before."""
    seen: set[str] = set()
    pending: dict[str, list[int]] = {}
    allocated: dict[str, int] = {}
    for s in steps:
        obj, op = s.get("object") or "", s.get("op") or ""
        root = _root(obj) if obj else ""
        if root and root not in seen:
            kind = root.split("#", 1)[0]
            if root not in allocated and pending.get(kind):
                allocated[root] = pending[kind].pop(0)
            seen.add(root)
        if _is_alloc(op):
            if root:
                allocated.setdefault(root, s["step"])
            elif " " in op:
                pending.setdefault(op.split(" ", 1)[1].strip(), []).append(s["step"])
    return allocated


def _link(step: int) -> str:
    return f'<a href="#step-{step}">{step}</a>'


def _header(crash: dict[str, Any], fatal: int | None, source_name: str | None) -> str:
    f, sc = crash.get("finding") or {}, crash.get("scenario") or {}
    st, origin = crash.get("stats") or {}, crash.get("origin") or {}
    steps = crash.get("steps") or []
    n_steps = st.get("steps", len(steps))
    minimal = st.get("minimal_preemptions")
    where = (
        '<a href="#fatal">jump to the fatal step</a> (step ' + _e(fatal) + ")"
        if fatal is not None
        else '<span class="quiet">found at quiescence: nothing could run any more</span>'
    )
    how = " ".join(_e(x) for x in (origin.get("command"), origin.get("strategy")) if x)
    meta = [
        ("scenario", f"{sc.get('name', '?')}:{sc.get('variant', '?')}"),
        ("thread", f"{f.get('thread', '?')} (tid {f.get('tid', '?')})"),
        ("steps", n_steps),
        ("context switches", st.get("context_switches", "?")),
        ("preemptions", st.get("preemptions", "?")),
        ("minimal preemptions", "not searched" if minimal is None else minimal),
        ("signature", f.get("signature", "")),
    ]
    items = "".join(f"<span>{k}: <b>{_e(v)}</b></span>" for k, v in meta)
    if how:
        items += f"<span>found by: <b>{how}</b></span>"
    return (
        f'<header><h1>{_e(f.get("title", "(no title)"))}</h1><div class="meta">'
        f'<span class="kind">{_e(f.get("kind", "?"))}</span>{items}</div>'
        f'<div class="tools"><span>reproduce: <code>pyfuzz replay '
        f"{_e(source_name or 'crash.json')}</code></span><span>{where}</span>"
        '<label><input type="checkbox" id="compact"> compact view (switches, preemptions, '
        "blocking, fatal)</label></div></header>"
    )


def _cell(s: dict[str, Any], lane: int, badges: list[tuple[str, str]]) -> str:
    """The lane cell of the thread that ran step `s`: `function:line`, badges, op and object."""
    op, obj, line = s.get("op") or "", s.get("object") or "", _e(s.get("line", ""))
    tags = "".join(f'<span class="badge {c}">{_e(t)}</span>' for c, t in badges)
    body = f'<span class="{_op_class(op)}">{_e(op)}</span>'
    if obj:
        body += f' <span class="obj" data-obj="{_e(obj)}">{_e(obj)}</span>'
    if s.get("blocked"):
        body += '<span class="badge b-blk">[blocks]</span>'
    cls = f"ev l{lane % _LANE_CLASSES}" + (" pre" if s.get("preemption") else "")
    return (
        f'<td class="{cls}"><span class="fn" title="{_e(s.get("file", ""))}:{line}">'
        f"{_e(s.get('function', ''))}:{line}</span>{tags}<br>{body}</td>"
    )


def _timeline(steps: list[dict[str, Any]], fatal: int | None, culprit: object) -> str:
    lanes = _lanes(steps)
    col = {tid: i for i, (tid, _) in enumerate(lanes)}
    head = "".join(
        f'<th class="{"culprit" if tid == culprit else ""}" title="tid {_e(tid)}">{_e(label)}'
        + ("" if label.endswith(f"(tid {tid})") else f' <span class="tid">tid {_e(tid)}</span>')
        + "</th>"
        for tid, label in lanes
    )
    rows = [
        '<div class="lanes"><table class="tl"><colgroup><col class="n">'
        + "<col>" * len(lanes)
        + '<col class="lk"></colgroup><thead><tr><th class="n">step</th>'
        f'{head}<th class="lk">locks held</th></tr></thead><tbody>'
    ]
    # the allocation and the frees of the object the fatal step touched get a badge
    victim = _root(next((s.get("object") or "" for s in steps if s["step"] == fatal), ""))
    alloc_at = _allocations(steps).get(victim) if victim else None
    waiting: set[int] = set()
    for s in steps:
        n, tid, obj = s["step"], s["tid"], s.get("object") or ""
        is_fatal = n == fatal
        about_victim, op = bool(victim) and _root(obj) == victim, s.get("op") or ""
        waiting.discard(tid)
        classes = ["step"]
        if s.get("switch"):
            classes.append("sw")
        if s.get("preemption") or s.get("switch") or s.get("blocked") or is_fatal:
            classes.append("keep")
        rid = "fatal" if is_fatal else f"step-{n}"
        anchor = f'<span id="step-{n}"></span>' if is_fatal else ""
        choice = s.get("choice")
        title = f' title="choice #{_e(choice)}"' if choice is not None else ""
        cells = [f'<td class="n"{title}>{anchor}<a href="#step-{n}">{n}</a></td>']
        for lane_tid, _ in lanes:
            if lane_tid != tid:
                cells.append('<td class="wait"></td>' if lane_tid in waiting else "<td></td>")
                continue
            badges = [
                ("b-pre", "⚡ preempted", bool(s.get("preemption"))),
                ("b-fatal", "fatal", is_fatal),
                ("b-free", f"frees {victim}", about_victim and _is_free(op)),
                ("b-alloc", f"allocates {victim}", n == alloc_at),
            ]
            cells.append(_cell(s, col[tid], [(c, t) for c, t, on in badges if on]))
        locks = "".join(
            f'<span class="lock" data-obj="{_e(lk)}">{_e(lk)}</span>' for lk in s.get("locks") or []
        )
        cells.append(f'<td class="lk">{locks}</td>')
        rows.append(
            f'<tr id="{rid}" class="{" ".join(classes)}" data-step="{n}" data-o="{_e(obj)}">'
            + "".join(cells)
            + "</tr>"
        )
        if s.get("blocked"):
            waiting.add(tid)
    rows.append("</tbody></table></div>")
    return "\n".join(rows)


def _objects(steps: list[dict[str, Any]], fatal: int | None) -> str:
    touched: dict[str, list[int]] = {}
    freed: dict[str, list[int]] = {}
    for s in steps:
        obj = s.get("object") or ""
        if obj:
            touched.setdefault(obj, []).append(s["step"])
            if _is_free(s.get("op") or ""):
                freed.setdefault(_root(obj), []).append(s["step"])
    if not touched:
        return '<p class="quiet">no step touched an object</p>'
    allocated = _allocations(steps)
    fatal_obj = next((s.get("object") or "" for s in steps if s["step"] == fatal), "")
    first = {o: t[0] for o, t in touched.items()}
    root_first: dict[str, int] = {}
    for obj, n in first.items():
        root_first[_root(obj)] = min(n, root_first.get(_root(obj), n))
    roots = sorted(root_first, key=lambda r: (r != _root(fatal_obj), root_first[r]))
    rows = [
        '<table class="objs"><thead><tr><th>object</th><th>allocated</th><th>freed</th>'
        "<th>touched at steps</th></tr></thead><tbody>"
    ]
    for root in roots:
        group = sorted(
            (o for o in touched if _root(o) == root),
            key=lambda o: (o != fatal_obj, o != root, first[o]),
        )
        for obj in group:
            via = f' <span class="via">({_e(root)})</span>' if obj != root else ""
            alloc = (
                f"allocated at step {_link(allocated[root])}{via}"
                if root in allocated
                else '<span class="via">before the trace</span>'
            )
            free = (
                "<br>".join(f"freed at step {_link(m)}{via}" for m in freed[root])
                if root in freed
                else '<span class="via">not freed</span>'
            )
            mark = ' <span class="badge b-fatal">fatal step</span>' if obj == fatal_obj else ""
            cls = ' class="fatal-obj"' if obj == fatal_obj else ""
            sub = ' class="sub"' if obj != root and root in touched else ""
            rows.append(
                f'<tr{cls}><td{sub}><span class="obj" data-obj="{_e(obj)}">{_e(obj)}</span>'
                f'{mark}</td><td>{alloc}</td><td>{free}</td><td class="touch">'
                + " ".join(_link(n) for n in touched[obj])
                + "</td></tr>"
            )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _report(text: str, steps: list[dict[str, Any]], fatal: int | None) -> str:
    """The report, escaped; a frame line `fn+0x../0x.. file:line` links to the last step at
    or before the fatal one that ran that function at that line."""
    at: dict[tuple[str, int], int] = {}
    for s in steps:
        if fatal is None or s["step"] <= fatal:
            at[(str(s.get("function", "")), int(s.get("line") or 0))] = s["step"]
    out = []
    for line in text.splitlines():
        m = _FRAME.match(line)
        step = at.get((m.group(1), int(m.group(2)))) if m else None
        if step is None:
            out.append(_e(line))
        else:
            out.append(f'<a href="#step-{step}" title="step {step}">{_e(line)}</a>')
    return '<pre class="report">' + "\n".join(out) + "</pre>"


def render_html(crash: dict[str, Any], *, source_name: str | None = None) -> str:
    """The HTML page for one crash record; `source_name` is the file named in the replay hint."""
    finding = crash.get("finding") or {}
    steps = crash.get("steps") or []
    fatal = finding.get("step")
    title = _e(finding.get("title", "pyfuzz finding"))
    lanes = (
        _timeline(steps, fatal, finding.get("tid"))
        if steps
        else '<p class="quiet">no steps were recorded</p>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>\n"
        + _header(crash, fatal, source_name)
        + f"\n<section><h2>Interleaving</h2>{lanes}</section>\n"
        + f"<section><h2>Objects</h2>{_objects(steps, fatal)}</section>\n"
        + f"<section><h2>Report</h2>{_report(crash.get('report') or '', steps, fatal)}"
        + f"</section>\n<script>{_JS}</script>\n</body></html>\n"
    )
