#pragma once
// The analyst's web page (served by `hl-cloud analyst` on localhost; no CDN, no framework):
// pick a table and a grouping column, run, and see the averages as a bar chart with counts,
// the server's time, the bytes that crossed the wire, and what the server saw.
namespace hl::cloud {

inline constexpr const char* kAnalystPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hl-cloud: averages the server never saw</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2em; max-width: 60em; color: #222; }
  h1 { font-size: 1.4em; }
  .row { display: flex; gap: 1em; align-items: center; margin: 1em 0; }
  table { border-collapse: collapse; }
  td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
  td:first-child, th:first-child { text-align: left; }
  .bar { fill: #3b6ea5; }
  #chart text { font-size: 12px; }
  .panel { background: #f6f6f6; padding: 0.8em; font-family: monospace; font-size: 0.85em;
           white-space: pre-wrap; max-height: 20em; overflow: auto; }
  #status { color: #555; }
</style>
</head>
<body>
<h1>Average by group, computed on encrypted data</h1>
<p>The table was encrypted by its owner (BGV); the compute server added up ciphertexts it
cannot read; this page's process holds the key and decrypts only the sums and counts.</p>
<div class="row">
  <label>Table <select id="table"></select></label>
  <label>Group by <select id="column"></select></label>
  <button id="run">Run</button>
  <span id="status"></span>
</div>
<svg id="chart" width="720" height="260" role="img" aria-label="averages"></svg>
<table id="result"><thead><tr><th>group</th><th>rows</th><th>average</th><th>sum</th></tr></thead>
<tbody></tbody></table>
<p id="stats"></p>
<h2 style="font-size:1.1em">What the server saw</h2>
<div class="panel" id="seen">(run a query)</div>
<script>
const $ = (id) => document.getElementById(id);
let tables = [];
function fillColumns() {
  const t = tables.find((x) => x.name === $('table').value);
  $('column').innerHTML = '';
  (t ? t.columns : []).forEach((c) => { const o = document.createElement('option'); o.textContent = c; $('column').appendChild(o); });
}
async function load() {
  const r = await fetch('/api/tables');
  tables = await r.json();
  $('table').innerHTML = '';
  tables.forEach((t) => { const o = document.createElement('option'); o.textContent = t.name; $('table').appendChild(o); });
  fillColumns();
}
function draw(levels) {
  const svg = $('chart'); svg.innerHTML = '';
  const max = Math.max(...levels.map((l) => l.average), 1e-9);
  const w = 720 / Math.max(levels.length, 1);
  levels.forEach((l, i) => {
    const h = 200 * l.average / max;
    const ns = 'http://www.w3.org/2000/svg';
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('class', 'bar'); r.setAttribute('x', i * w + 8); r.setAttribute('y', 220 - h);
    r.setAttribute('width', w - 16); r.setAttribute('height', h);
    svg.appendChild(r);
    const v = document.createElementNS(ns, 'text');
    v.setAttribute('x', i * w + w / 2); v.setAttribute('y', 214 - h); v.setAttribute('text-anchor', 'middle');
    v.textContent = l.average.toFixed(2); svg.appendChild(v);
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', i * w + w / 2); t.setAttribute('y', 240); t.setAttribute('text-anchor', 'middle');
    t.textContent = l.name + ' (' + l.count + ')'; svg.appendChild(t);
  });
}
async function run() {
  $('status').textContent = 'running...';
  $('run').disabled = true;
  try {
    const q = new URLSearchParams({ table: $('table').value, group_by: $('column').value });
    const r = await fetch('/api/query?' + q, { method: 'POST' });
    const j = await r.json();
    if (!r.ok) throw new Error(j.error || r.statusText);
    draw(j.levels);
    const body = $('result').querySelector('tbody'); body.innerHTML = '';
    j.levels.forEach((l) => {
      const tr = document.createElement('tr');
      tr.innerHTML = '<td></td><td></td><td></td><td></td>';
      tr.children[0].textContent = l.name; tr.children[1].textContent = l.count;
      tr.children[2].textContent = l.average.toFixed(4); tr.children[3].textContent = l.sum;
      tr.setAttribute('data-group', l.name);
      body.appendChild(tr);
    });
    $('stats').textContent = 'server time ' + j.server_seconds.toFixed(3) + ' s; ' +
      'sent ' + j.bytes_sent + ' bytes, received ' + j.bytes_received + ' bytes; total ' +
      j.total_seconds.toFixed(3) + ' s';
    $('seen').textContent = JSON.stringify(j.seen, null, 2);
    $('status').textContent = 'done';
  } catch (e) {
    $('status').textContent = 'error: ' + e.message;
  } finally {
    $('run').disabled = false;
  }
}
$('table').addEventListener('change', fillColumns);
$('run').addEventListener('click', run);
load();
</script>
</body>
</html>
)HTML";

}  // namespace hl::cloud
