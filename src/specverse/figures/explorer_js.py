"""The explorer page's JavaScript (figures/explorer.py): Bokeh CustomJS bodies.

Bokeh has no widget that filters a table and redraws a derived curve, so these few
callbacks do what a library does not: one O(N) filter pass over rows pre-sorted in
Python, a hover label spelled out from the table's codes, and tap -> table selection.
"""

FILTER_JS = """
// Run once per burst of changes (Reset ticks every box at once), after this event.
if (view_filter._pending) return;
view_filter._pending = true;
setTimeout(() => { view_filter._pending = false; apply(); }, 0);

function apply() {
  // Which rows pass every filter?  One pass over the rows, which Python sorted by the
  // plotted estimate (NaN last): the rows kept, in index order, ARE the sorted curve.
  const d = source.data, E = d[est], L = d[low], H = d[high], P = d[pcol], N = E.length;
  const tests = Object.entries(filters).map(([name, f]) => {
    const on = new Uint8Array(f.n_classes);          // ticked classes of this dimension
    for (const k of widgets[name].active) on[k] = 1;
    return [d[f.field], f.lookup.map(c => on[c])];   // row code -> 1 if its class is ticked
  });
  const mode = significance.active;                  // 0 all, 1 p < alpha, 2 p >= alpha
  const keep = new Array(N), x = [], y = [], lo = [], hi = [], cat = [];
  const parts = labels.map(() => ({x: [], y: [], lo: [], hi: [], p: [], row: []}));
  const pooled = pool.map(() => new Set());          // curves mixed in the plotted set
  let n_table = 0, n_nop = 0;
  for (let i = 0; i < N; i++) {
    let ok = true;
    for (let t = 0; ok && t < tests.length; t++) ok = tests[t][1][tests[t][0][i]] === 1;
    const sig = P[i] < alpha;                        // a missing p is not significant ...
    if (ok && mode > 0) ok = mode === 1 ? sig : P[i] >= alpha;  // ... nor "p >= alpha"
    keep[i] = ok;
    if (!ok) continue;
    n_table++;
    const e = E[i];
    if (!isFinite(e)) continue;                      // no usable estimate: table only
    if (isNaN(P[i])) n_nop++;
    pool.forEach((f, k) => pooled[k].add(d[f][i]));
    const k = e >= 0 ? (sig ? 0 : 1) : (sig ? 3 : 2);  // sign x significance, as `labels`
    const part = parts[k];
    x.push(x.length + 1); y.push(e); lo.push(L[i]); hi.push(H[i]); cat.push(k);
    part.x.push(x.length); part.y.push(e); part.lo.push(L[i]); part.hi.push(H[i]);
    part.p.push(P[i]); part.row.push(i);
  }
  // The table's CDSView follows (left alone when its rows did not change: first draw).
  const prev = view_filter.booleans ?? new Array(N).fill(true);
  if (keep.some((b, i) => b !== prev[i])) view_filter.booleans = keep;
  // One source per category (static colour and legend entry); the CI as coloured
  // whiskers for a few models, as a grey band for many (empty source otherwise).
  parts.forEach((part, k) => { points[k].data = part; });
  const n = y.length, many = n > whisker_limit;
  whiskers.data = many ? {x: [], lo: [], hi: [], colour: []}
                       : {x, lo, hi, colour: cat.map(k => colours[k])};
  band.data = many ? binned(x, lo, hi) : {x: [], lo: [], hi: []};
  legend.items.forEach((item, k) => {
    item.label = {value: `${labels[k]} (${parts[k].x.length.toLocaleString("en")})`};
  });
  // Fit the axes to the filtered set; a few huge CIs must not flatten the curve, so the
  // y range covers every estimate but only the 0.5%..99.5% quantiles of the CI bounds.
  const sorted = a => Float64Array.from(a.filter(isFinite)).sort();
  const q = (s, f) => s.length ? s[Math.floor(f * (s.length - 1))] : NaN;
  if (n > 0) {
    const ylo = Math.min(y[0], q(sorted(lo), 0.005)), yhi = Math.max(y[n - 1], q(sorted(hi), 0.995));
    const pad = 0.05 * (yhi - ylo || 1);
    xr.setv({start: 0, end: n + 1, reset_start: 0, reset_end: n + 1});
    yr.setv({start: ylo - pad, end: yhi + pad, reset_start: ylo - pad, reset_end: yhi + pad});
  }
  const med = n === 0 ? NaN : (n % 2 ? y[(n - 1) / 2] : (y[n / 2 - 1] + y[n / 2]) / 2);
  const n_sig = parts[0].x.length + parts[3].x.length;
  const fmt = v => isNaN(v) ? "n/a" : v.toFixed(3);
  const mixed = pool.map((f, k) => pooled[k].size > 1 ? `${pooled[k].size} ${pool_names[k]}s` : "")
                    .filter(s => s);
  summary.text = `<b>${n.toLocaleString("en")} models shown</b>, median estimate ` +
    `<b>${fmt(med)}</b>, share significant (${pcol} &lt; ${alpha}) ` +
    `<b>${n ? (100 * n_sig / n).toFixed(1) + "%" : "n/a"}</b>` +
    (n_nop ? ` (${n_nop.toLocaleString("en")} without ${pcol} count as not significant)` : "") +
    (mixed.length ? `<br><span style="color:#b30000">This curve pools ${mixed.join(" and ")}: ` +
                     `tick one of each to read one specification curve.</span>` : "") +
    `<br><span style="color:#555">` +
    `table: ${n_table.toLocaleString("en")} of ${N.toLocaleString("en")} rows ` +
    `(${(n_table - n).toLocaleString("en")} without a usable estimate, so not in the curve)</span>`;
}

function binned(x, lo, hi) {
  // The CI of many models as the median bounds within at most `band_bins` bins of
  // neighbouring ranks (as the static curves): a polygon through every model's bounds
  // takes the canvas seconds to fill and shows only noise.
  const n = x.length, size = Math.ceil(n / band_bins), out = {x: [], lo: [], hi: []};
  const median = a => { const s = Float64Array.from(a.filter(isFinite)).sort(), m = s.length;
                        return m ? (m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2) : NaN; };
  for (let s = 0; s < n; s += size) {
    const e = Math.min(n, s + size);
    out.x.push((x[s] + x[e - 1]) / 2); out.lo.push(median(lo.slice(s, e))); out.hi.push(median(hi.slice(s, e)));
  }
  return out;
}
"""

RESET_JS = """
// Tick every option again (the filter callback runs once for the whole burst).
for (const w of Object.values(widgets)) w.active = [...Array(w.labels.length).keys()];
significance.active = 0;
"""

HOVER_JS = """
// The hovered point's model, spelled out from the table's codes.
const d = source.data, i = value;
return d.model_id[i] + ": " + dims.map(c => levels[c][d[c][i]]).join(" | ");
"""

TAP_JS = """
// Clicking curve points selects their rows in the table (which scrolls to them).
source.selected.indices = points.flatMap(s => s.selected.indices.map(k => s.data.row[k]));
"""
