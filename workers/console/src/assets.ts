/**
 * The console's one script and one stylesheet, served by the worker itself (CSP `script-src
 * 'self'`, `style-src 'self'`: no inline code, no CDN). The pages work without the script: it
 * adds keyboard shortcuts and fills reason templates.
 */
export const CONSOLE_JS = `"use strict";
(function () {
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName));
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]"));
  var current = -1;
  function select(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) { r.classList.toggle("current", n === current); });
    var link = rows[current].querySelector("a");
    if (link) link.focus();
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(e)) return;
    if (e.key === "j") { select(current + 1); e.preventDefault(); }
    else if (e.key === "k") { select(current - 1); e.preventDefault(); }
    else if (e.key === "c") {
      var row = rows[current];
      var form = row && row.querySelector("form[data-claim]");
      if (form) { form.submit(); e.preventDefault(); }
    } else if (e.key === "d") {
      var decision = document.getElementById("decision-action");
      if (decision) { decision.focus(); e.preventDefault(); return; }
      var r = rows[current];
      var a = r && r.querySelector("a");
      if (a) { window.location.href = a.getAttribute("href") + "#decision"; e.preventDefault(); }
    } else if (e.key === "/") {
      var first = document.querySelector("[data-filters] select, [data-filters] input");
      if (first) { first.focus(); e.preventDefault(); }
    }
  });
  var template = document.getElementById("reason-template");
  var reason = document.getElementById("reason");
  if (template && reason) {
    var filled = "";
    template.addEventListener("change", function () {
      var text = template.options[template.selectedIndex].getAttribute("data-text") || "";
      if (reason.value === "" || reason.value === filled) { reason.value = text; filled = text; }
    });
  }
  if (window.location.hash === "#decision") {
    var d = document.getElementById("decision-action");
    if (d) d.focus();
  }
})();
`;

export const CONSOLE_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #4a5360; --line: #c9d1d9; --bg: #ffffff; --panel: #f4f6f8; --accent: #0b57b7; --bad: #a4161a; --ok: #1a6b2f; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid #f2a900; outline-offset: 1px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: center; padding: 10px 20px; background: #14213d; color: #fff; }
header.top a { color: #fff; }
header.top .brand { font-weight: 700; color: #fff; text-decoration: none; }
header.top nav ul { list-style: none; display: flex; gap: 16px; margin: 0; padding: 0; }
header.top nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
header.top .who { margin-left: auto; display: flex; gap: 12px; align-items: center; font-size: 13px; }
header.top button { background: #fff; color: #14213d; border: 0; border-radius: 4px; padding: 4px 10px; cursor: pointer; }
.langs { display: flex; gap: 8px; }
main { padding: 16px 20px 40px; max-width: 1200px; }
h1 { font-size: 22px; margin: 8px 0 16px; }
h2 { font-size: 18px; margin: 24px 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
tr.current { background: #fff5d6; }
.flash { padding: 8px 12px; border-radius: 4px; margin: 0 0 12px; border: 1px solid; }
.flash.ok { border-color: var(--ok); color: var(--ok); background: #eef8f0; }
.flash.bad { border-color: var(--bad); color: var(--bad); background: #fdf0f0; }
form.inline { display: inline; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin: 0 0 12px; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; }
.field { display: flex; flex-direction: column; gap: 4px; margin-bottom: 10px; }
.field.check { flex-direction: row; align-items: center; }
label { font-weight: 600; font-size: 14px; }
input, select, textarea { font: inherit; padding: 5px 7px; border: 1px solid #6b7480; border-radius: 4px; color: var(--fg); background: #fff; }
textarea { min-height: 80px; width: 100%; }
button, .button { font: inherit; padding: 6px 14px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
.muted { color: var(--muted); }
.grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 24px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
.panel { background: var(--panel); border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
.evidence { white-space: pre-wrap; background: #fff; border: 1px solid var(--line); padding: 12px; border-radius: 6px; font-size: 16px; }
mark.hl { color: #1b1f24; border-bottom: 2px solid #1b1f24; padding: 0 1px; }
mark.c0 { background: #ffd6d6; } mark.c1 { background: #ffe7b3; } mark.c2 { background: #fff3a3; } mark.c3 { background: #d4f5c9; }
mark.c4 { background: #c9ecf5; } mark.c5 { background: #d8dcff; } mark.c6 { background: #f3d4f5; } mark.c7 { background: #e3e3e3; }
.counts { display: flex; gap: 12px; flex-wrap: wrap; list-style: none; padding: 0; }
.counts li { background: var(--panel); border-radius: 6px; padding: 6px 12px; }
ol.timeline { padding-left: 20px; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; overflow-wrap: anywhere; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
svg.chart text { font-size: 11px; fill: #1b1f24; }
table.wrap td { overflow-wrap: anywhere; }
/* Tablets: the navigation wraps and table cells may break long ids, so no page scrolls sideways. */
header.top nav ul { flex-wrap: wrap; }
@media (max-width: 900px) {
  main { padding: 12px 12px 32px; }
  th, td { padding: 5px 6px; }
  td, th { overflow-wrap: anywhere; }
}
`;
