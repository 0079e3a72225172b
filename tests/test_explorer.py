"""The multiverse explorer page (figures/explorer.py).

Unit tests read the written HTML (offline, provenance, note, the data sent to the
browser and its order); the browser test loads the page in headless Chromium over the
DevTools protocol, filters through Bokeh's own document API, and checks the curve,
the summary line and the table against the same numbers computed here with pandas.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import itertools
import json
import os
import re
import select
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from specverse.figures.explorer import BAND_BINS, REQUIRED, WHISKER_LIMIT, build_explorer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]
PROVENANCE = {
    "data file": "results/data/laa_analysis.csv",
    "sha256": "3f2a9c0d1e4b5a6978877665544332211ffeeddccbbaa99887766554433221100",
    "config": "config/default.yaml",
    "git commit": "fb81eef0c0ffee",
    "built": "2025-06-01T12:00:00+00:00",
}
NOTE = ("SIMULATED DATA - scenario 'causal' (targets raise cohesion by the paper's Model 3 "
        "slope). Simulated columns: ni1_2008. These results describe the simulation, not real areas.")
SCALE = "% change in NI1 relative to the 2006 baseline"
ALPHA = 0.05


def synthetic_models(seed: int = 7) -> pd.DataFrame:
    """3,456 rows with the real option names, an additive effect structure, a few
    excluded rows (NaN estimate) and the optional columns."""
    rng = np.random.default_rng(seed)
    tt = [("target_on", "target_on"), ("stretch_2006", "target_stretch"),
          ("target_on_and_stretch", "target_on"), ("target_on_and_stretch", "target_stretch")]
    controls = ["full", "none", "drop_deprivation", "drop_nrf_area", "blocks_size", "blocks_funding_structure"]
    grid = list(itertools.product(
        ["causal", "mechanical"], ["published", "lsp_preferred"],
        ["pct_change", "point_change", "log_ratio", "ancova"], tt, controls,
        ["all", "no_london", "common_131"], ["ols", "wls_population", "huber"]))
    df = pd.DataFrame([(s, b, o, t, term, c, sa, e) for s, b, o, (t, term), c, sa, e in grid],
                      columns=["scenario", "baseline", "outcome", "treatment", "term", "controls",
                               "sample", "estimator"])
    S = len(df)
    # One model_id per model: the two terms of target_on_and_stretch share it, as in the real table.
    model = df.drop(columns="term").astype(str).agg("|".join, axis=1)
    df["model_id"] = [hashlib.sha256(k.encode()).hexdigest()[:12] for k in model]
    df["control_terms"] = df["controls"].map(lambda c: "" if c == "none" else f"terms_of_{c}")
    effect = np.where(df["scenario"] == "causal", 0.6, 0.05) + np.where(df["controls"] == "none", 0.3, 0)
    df["estimate"] = effect + rng.normal(0, 0.25, S)
    df["std_error"] = rng.uniform(0.08, 0.4, S)
    df["ci_low"] = df["estimate"] - 1.97 * df["std_error"]
    df["ci_high"] = df["estimate"] + 1.97 * df["std_error"]
    df["p_two_tailed"] = 2 * stats.norm.sf(np.abs(df["estimate"] / df["std_error"]))
    df["n"] = np.where(df["sample"] == "common_131", 131, np.where(df["sample"] == "all", 150, 118))
    df["status"] = "ok"
    bad = rng.random(S) < 0.03
    df.loc[bad, ["estimate", "std_error", "ci_low", "ci_high", "p_two_tailed"]] = np.nan
    df.loc[bad, "status"] = "excluded: the dropped control is constant in this sample"
    scale = df["outcome"].map({"pct_change": 1.0, "point_change": 2.5, "log_ratio": 100.0, "ancova": 2.5})
    for a, b in [("estimate", "estimate_common"), ("ci_low", "ci_low_common"), ("ci_high", "ci_high_common")]:
        df[b] = df[a] * scale
    df["common_scale"] = SCALE
    df["p_wild"] = np.clip(df["p_two_tailed"] * rng.uniform(0.8, 1.3, S), 0, 1)
    df["p_headline"] = df["p_wild"]
    df["p_HC3"] = np.clip(df["p_two_tailed"] * 1.1, 0, 1)
    df["rv_q1"] = rng.uniform(0, 0.3, S)
    df["post_selection"] = rng.random(S) < 0.2
    return df


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    return synthetic_models()


@pytest.fixture(scope="module")
def page(models, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explorer") / "explorer.html"
    build_explorer(models, out, title="Multiverse explorer (test)", provenance=PROVENANCE,
                   note=NOTE, alpha=ALPHA)
    return out


def _docs_json(html_text: str) -> dict:
    m = re.search(r'<script type="application/json" id="[^"]+">\s*(\{.*?\})\s*</script>', html_text, re.S)
    assert m, "no Bokeh document in the page"
    return next(iter(json.loads(m.group(1)).values()))


def _source_columns(doc: dict, name: str) -> dict:
    """Decoded columns of the ColumnDataSource called ``name`` in a Bokeh document."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("name") == "ColumnDataSource" and node.get("attributes", {}).get("name") == name:
                found.append(node["attributes"]["data"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert found, f"no ColumnDataSource named {name!r}"
    out = {}
    for k, v in found[0]["entries"]:
        if isinstance(v, dict) and v.get("type") == "ndarray" and isinstance(v["array"], dict):
            raw = base64.b64decode(v["array"]["data"])
            raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw  # Bokeh gzips large buffers
            out[k] = np.frombuffer(raw, dtype=v["dtype"])
        elif isinstance(v, dict) and v.get("type") == "ndarray":  # object arrays travel as lists
            out[k] = np.asarray(v["array"])
        else:
            out[k] = np.asarray(v)
    return out


def test_page_is_offline_and_shows_provenance_and_note(page):
    text = page.read_text(encoding="utf-8")
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text, re.I)
    remote = [t for t in tags if re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", t, re.I)]
    assert not remote, f"page loads remote resources: {remote}"
    assert "Bokeh.embed" in text or "embed_items" in text, "Bokeh's JavaScript is not inlined"
    for value in PROVENANCE.values():
        assert value in text, f"provenance value {value!r} missing"
    # The whole note, HTML-escaped, in the red box outside Bokeh (shown even without JS).
    assert f'<div class="sv-note" role="alert">&#9888; {html.escape(NOTE)}</div>' in text
    # Plotted on the common scale (axis named by common_scale), significance on the headline p.
    assert f'"axis_label":"{SCALE}"' in text
    assert text.count('["pcol","p_headline"]') == 1
    size = page.stat().st_size
    assert 1_000_000 < size < 4_000_000, f"page size {size:,} bytes"


def test_no_note_box_for_real_data(models, tmp_path):
    out = tmp_path / "real.html"
    build_explorer(models.head(200), out, title="t", provenance={"data file": "x.csv"})
    assert 'class="sv-note"' not in out.read_text(encoding="utf-8")


def test_rows_are_sent_sorted_by_the_plotted_estimate(models, page):
    """The filter callback relies on it: kept rows in index order are the sorted curve."""
    cols = _source_columns(_docs_json(page.read_text(encoding="utf-8")), "models")
    est = cols["estimate_common"]
    assert est.dtype == np.float32 and len(est) == len(models)
    finite = np.isfinite(est)
    k = int(finite.sum())
    assert finite[:k].all() and not finite[k:].any(), "NaN estimates must come last"
    assert np.all(np.diff(est[:k]) >= 0)
    # Every row made it, with its own numbers rounded to float32, matched by model_id and term.
    terms = np.array(sorted(models["term"].unique()))[cols["term"]]  # codes into sorted levels
    sent = pd.DataFrame({"model_id": cols["model_id"], "term": terms, "e": est, "p": cols["p_headline"]})
    sent = sent.set_index(["model_id", "term"])
    assert sent.index.is_unique and len(sent) == len(models)
    ref = models.set_index(["model_id", "term"]).loc[sent.index]
    np.testing.assert_array_equal(sent["e"], ref["estimate_common"].astype(np.float32))
    np.testing.assert_array_equal(sent["p"], ref["p_headline"].astype(np.float32))


def test_required_columns_alone_suffice(models, tmp_path):
    """Without the optional columns: plotted and sorted on the raw estimate, p_two_tailed
    decides significance, and nothing optional is sent."""
    out = tmp_path / "plain.html"
    build_explorer(models[list(REQUIRED)], out, title="t", provenance={})
    text = out.read_text(encoding="utf-8")
    cols = _source_columns(_docs_json(text), "models")
    assert not {"estimate_common", "p_headline", "p_wild", "rv_q1", "post_selection"} & set(cols)
    est = cols["estimate"][np.isfinite(cols["estimate"])]
    assert len(est) == models["estimate"].notna().sum() and np.all(np.diff(est) >= 0)
    assert '"axis_label":"estimate (each model\'s own outcome scale)"' in text
    assert text.count('["pcol","p_two_tailed"]') == 1  # the filter callback's p column


def test_non_numeric_column_is_named(models, tmp_path):
    bad = models.assign(std_error=models["std_error"].astype(str))
    with pytest.raises(ValueError, match="'std_error' must be numeric"):
        build_explorer(bad, tmp_path / "x.html", title="t", provenance={})


@pytest.mark.parametrize("column", ["n", "p_two_tailed", "control_terms"])
def test_missing_required_column_is_named(models, tmp_path, column):
    assert column in REQUIRED
    with pytest.raises(ValueError, match=f"'{column}'"):
        build_explorer(models.drop(columns=column), tmp_path / "x.html", title="t", provenance={})
    assert not (tmp_path / "x.html").exists()


def test_partial_common_scale_is_refused(models, tmp_path):
    with pytest.raises(ValueError, match="ci_high_common"):
        build_explorer(models.drop(columns="ci_high_common"), tmp_path / "x.html", title="t", provenance={})


def test_max_rows_is_enforced_not_truncated(models, tmp_path):
    with pytest.raises(ValueError, match=r"max_rows=1,000.*[Ff]ilter"):
        build_explorer(models, tmp_path / "x.html", title="t", provenance={}, max_rows=1000)
    assert not (tmp_path / "x.html").exists()
    build_explorer(models, tmp_path / "ok.html", title="t", provenance={}, max_rows=len(models))
    assert (tmp_path / "ok.html").exists()


# --- the page in headless Chromium -----------------------------------------------------


class DevTools:
    """A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe``
    (Chromium reads commands on fd 3 and writes replies on fd 4, NUL-separated JSON):
    no port, no websocket library, and every wait has a deadline."""

    def __init__(self, profile: Path, timeout: float = 120.0):
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()

        def child_fds():  # runs in the child before exec; pass_fds keeps 3 and 4 open
            hi_r, hi_w = os.dup(to_r), os.dup(from_w)
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "--window-size=1400,900", "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.timeout, self._buf, self._id, self.events = timeout, b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Page", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=1400, height=900,
                  deviceScaleFactor=1, mobile=False)

    def call(self, method: str, session: bool = False, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._from_r], [], [], left)[0]:
                    raise TimeoutError(f"Chromium did not answer {method} within {self.timeout} s")
                chunk = os.read(self._from_r, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium exited during {method}")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") != self._id:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            return reply.get("result", {})

    def js(self, expression: str):
        """Evaluate in the page (awaiting a promise); raise on a JavaScript exception."""
        r = self.call("Runtime.evaluate", session=True, expression=expression, awaitPromise=True,
                      returnByValue=True)
        if "exceptionDetails" in r:
            raise AssertionError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and browser log errors so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p["type"] in ("error", "warning", "assert"):
                out.append(f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description")))
                                                            for a in p["args"]))
            elif m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p["exceptionDetails"])[:500])
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append("log: " + p["entry"]["text"])
        return out

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def close(self):
        try:
            self.call("Browser.close")
        except (TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_w)
        os.close(self._from_r)


# Page-side helpers: wait for a redraw, read the state, set a filter, find rendered elements.
PAGE_JS = r"""
window.sv = {
  model: name => Bokeh.documents[0].get_model_by_name(name),
  async settle(previous) {    // until the filter callback ran (summary changed, or 1 s quiet)
    const t0 = performance.now(), sleep = ms => new Promise(r => setTimeout(r, ms));
    while (performance.now() - t0 < 60000) {
      await sleep(25);
      const t = sv.model("summary").text;
      if (!sv.model("view_filter")._pending && t.includes("models shown") &&
          (t !== previous || performance.now() - t0 > 1000)) break;
    }
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));  // painted
  },
  state() {
    const src = sv.model("models").data, parts = [0, 1, 2, 3].map(k => sv.model("curve_" + k).data);
    const key = i => src.model_id[i] + "|" + src.term[i];   // a row: model x term (code)
    const pts = parts.flatMap(d => Array.from(d.x, (x, i) => [x, d.y[i], key(d.row[i])]))
                     .sort((a, b) => a[0] - b[0]);
    return {x: pts.map(p => p[0]), y: pts.map(p => p[1]), curve_ids: pts.map(p => p[2]),
            counts: parts.map(d => d.x.length), summary: sv.model("summary").text,
            band: Object.fromEntries(["x", "lo", "hi"].map(k => [k, Array.from(sv.model("band").data[k])])),
            n_whiskers: sv.model("whiskers").data.x.length,
            table_ids: [...sv.model("models_table").view.indices].map(key)};
  },
  async set(name, active) {   // as a click would: the widget's value, then its callback
    const before = sv.model("summary").text;
    sv.model(name).active = active;
    await sv.settle(before);
    return sv.state();
  },
  tick: (name, options) => sv.set(name, sv.model(name).labels.flatMap(
    (label, k) => options.some(o => label.startsWith(o + " (")) ? [k] : [])),
  elements(test) {            // rendered elements, searched inside shadow roots too
    const out = [], walk = root => root.querySelectorAll("*").forEach(el => {
      if (test(el)) out.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    });
    walk(document);
    return out;
  },
  cells: () => sv.elements(el => el.classList.contains("slick-cell")).map(el => el.textContent.trim()),
  click: text => sv.elements(el => el.tagName === "BUTTON" && el.textContent.trim() === text)[0].click(),
};
"""


def _expected(models: pd.DataFrame, mask: pd.Series) -> dict:
    """What the page must show for the rows in ``mask``, computed here with pandas on the
    float32 values the page receives."""
    rows = models[mask]
    term_code = {t: k for k, t in enumerate(sorted(models["term"].unique()))}
    key = rows["model_id"] + "|" + rows["term"].map(term_code).astype(str)
    f32 = rows[["estimate_common", "ci_low_common", "ci_high_common", "p_headline"]].astype(np.float32)
    use = np.isfinite(f32["estimate_common"])
    curve = f32[use].assign(model_id=rows["model_id"], term=rows["term"]).sort_values(
        ["estimate_common", "model_id", "term"], kind="mergesort")
    e, p = curve["estimate_common"].to_numpy(), curve["p_headline"].to_numpy()
    sig = p < ALPHA
    counts = [int(((e >= 0) & sig).sum()), int(((e >= 0) & ~sig).sum()),
              int(((e < 0) & ~sig).sum()), int(((e < 0) & sig).sum())]
    # Above WHISKER_LIMIT models the CI is a band: median bounds in bins of neighbouring ranks.
    size = -(-len(e) // BAND_BINS)
    bins = [curve.iloc[s:s + size] for s in range(0, len(e), size)] if len(e) > WHISKER_LIMIT else []
    band = {"x": [(s + 1 + min(len(e), s + size)) / 2 for s in range(0, len(e), size)] if bins else [],
            "lo": [b["ci_low_common"].median() for b in bins], "hi": [b["ci_high_common"].median() for b in bins]}
    return {"table_ids": set(key), "curve_ids": set(key[use]), "band": band,
            "y": e, "median": float(np.median(e)), "share": 100 * sig.mean(), "counts": counts,
            "scenarios": rows.loc[use, "scenario"].nunique(),
            "curves": rows.loc[use, ["treatment", "term"]].drop_duplicates().shape[0]}


def _check(state: dict, want: dict, label: str) -> None:
    assert set(state["table_ids"]) == want["table_ids"], f"{label}: table rows differ"
    assert len(state["table_ids"]) == len(want["table_ids"])
    assert set(state["curve_ids"]) == want["curve_ids"], f"{label}: curve models differ"
    n = len(want["y"])
    assert state["x"] == list(range(1, n + 1)), f"{label}: ranks are not 1..{n}"
    np.testing.assert_allclose(state["y"], want["y"], rtol=1e-6, err_msg=f"{label}: curve not sorted estimates")
    assert state["counts"] == want["counts"], f"{label}: sign x significance counts"
    if want["band"]["x"]:
        assert state["n_whiskers"] == 0 and len(state["band"]["x"]) <= BAND_BINS
        for k in ("x", "lo", "hi"):
            np.testing.assert_allclose(state["band"][k], want["band"][k], rtol=1e-6, err_msg=f"{label}: band {k}")
    else:
        assert state["n_whiskers"] == n and state["band"]["x"] == [], f"{label}: one whisker per model"
    # Pooling curves (scenarios, treatment terms) is said, in red; one curve is not warned about.
    pooled = re.search(r"This curve pools (.*?): tick", state["summary"])
    said = {m.group(2): int(m.group(1)) for m in re.finditer(r"(\d+) (scenario|treatment: term)s",
                                                           pooled.group(1))} if pooled else {}
    assert said == {k: v for k, v in (("scenario", want["scenarios"]), ("treatment: term", want["curves"]))
                    if v > 1}, (label, state["summary"])
    m = re.search(r"<b>([\d,]+) models shown</b>, median estimate <b>(-?[\d.]+)</b>.*?<b>([\d.]+)%</b>",
                  state["summary"])
    assert m, f"{label}: summary line {state['summary']!r}"
    assert int(m.group(1).replace(",", "")) == n
    assert abs(float(m.group(2)) - want["median"]) <= 0.0005 + 1e-9, (label, m.group(2), want["median"])
    assert abs(float(m.group(3)) - want["share"]) <= 0.05 + 1e-9, (label, m.group(3), want["share"])


def open_page(page: Path, profile: Path) -> DevTools:
    """Chromium with ``page`` loaded, drawn once, and the page-side helpers installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"headless Chromium not installed at {CHROMIUM}: the browser check needs it")
    tools = DevTools(profile)
    t0 = time.monotonic()
    tools.call("Page.navigate", session=True, url=page.as_uri())
    tools.js("new Promise(r => { const go = () => window.Bokeh && Bokeh.documents.length ? r() : "
             "setTimeout(go, 25); go(); })")
    tools.js(PAGE_JS)
    tools.js('sv.settle("")')
    tools.load_seconds = time.monotonic() - t0
    return tools


@pytest.fixture(scope="module")
def browser(page, tmp_path_factory):
    tools = open_page(page, tmp_path_factory.mktemp("chromium-profile"))
    yield tools
    tools.close()


def test_filters_redraw_curve_and_table_in_chromium(browser, models, tmp_path):
    print(f"explorer with {len(models):,} rows ready in {browser.load_seconds:.2f} s")
    everything = pd.Series(True, index=models.index)
    assert not browser.problems(), browser.problems()
    start = browser.js("sv.state()")
    _check(start, _expected(models, everything), "no filter")

    causal = models["scenario"] == "causal"
    after = browser.js('sv.tick("filter_scenario", ["causal"])')
    assert len(after["y"]) < len(start["y"]) and after["summary"] != start["summary"]
    _check(after, _expected(models, causal), "scenario = causal")

    # Controls filter on classes: 'leave one out' = every drop_* option, 'full' itself.
    classes = models["controls"].str.startswith("drop_") | (models["controls"] == "full")
    after = browser.js('sv.tick("filter_controls", ["full", "leave one out"])')
    _check(after, _expected(models, causal & classes), "causal, full + leave one out")

    post = models["post_selection"]
    after = browser.js('sv.tick("filter_post_selection", ["no"])')
    _check(after, _expected(models, causal & classes & ~post), "... and not post-selection")

    sig = models["p_headline"].astype(np.float32) < ALPHA
    after = browser.js('sv.set("filter_significance", 1)')
    _check(after, _expected(models, causal & classes & ~post & sig), "... and significant")
    assert after["counts"][1] == after["counts"][2] == 0

    # The table shows people's numbers: p as "< .001"/".034", n with separators, 3 decimals.
    cells = browser.js("sv.cells()")
    assert any(re.fullmatch(r"\.\d{3}|< \.001", c) for c in cells), cells[:40]
    assert any(re.fullmatch(r"-?\d+\.\d{3}", c) for c in cells), cells[:40]
    assert "causal" in cells and "mechanical" not in cells
    fmt = browser.js("""(() => {
      const cols = sv.model("models_table").columns;
      const f = (t, v) => cols.find(c => c.title === t).formatter.doFormat(0, 0, v, null, {})
                              .replace(/<[^>]*>/g, "");  // drop the alignment <div>
      return [f("p_headline", 0.0004), f("p_headline", 0.0341), f("n", 12345),
              f("estimate (common)", -0.12345), f("estimate (common)", 0.001234)]; })()""")
    assert fmt == ["&lt; .001", ".034", "12,345", "-0.123", "0.00123"], fmt

    # Hover names the model; clicking a point selects its row in the table.
    row, label, selected = browser.js("""(async () => {
      const d = sv.model("curve_0").data, i = d.row[0], table = sv.model("models").selected;
      sv.model("curve_0").selected.indices = [0];       // what a tap on the point does
      for (let k = 0; k < 200 && table.indices.length === 0; k++) await new Promise(r => setTimeout(r, 10));
      return [i, sv.model("model_label").format(i, "custom", {}), [...table.indices]];
    })()""")
    model_id, term = browser.js(f'(d => [d.model_id[{row}], d.term[{row}]])(sv.model("models").data)')
    [r] = [r for _, r in models.iterrows()
           if r["model_id"] == model_id and r["term"] == sorted(models["term"].unique())[term]]
    assert label == f"{model_id}: " + " | ".join(str(r[c]) for c in (
        "scenario", "baseline", "outcome", "treatment", "term", "controls", "sample", "estimator"))
    assert selected == [row]

    # Reset ticks everything again: back to the unfiltered page.
    before = browser.js('sv.model("summary").text')
    browser.js('sv.click("Reset all filters")')
    browser.js(f"sv.settle({json.dumps(before)})")
    _check(browser.js("sv.state()"), _expected(models, everything), "after reset")

    # One scenario and one treatment term: a single curve, so no pooling warning.
    browser.js('sv.tick("filter_scenario", ["causal"])')
    after = browser.js('sv.tick("filter_treatment_term", ["stretch_2006: target_stretch"])')
    one = causal & (models["treatment"] == "stretch_2006")
    _check(after, _expected(models, one), "one curve")
    assert "pools" not in after["summary"]

    # Leave a filtered page for the screenshot (1400 x 900), then look at it.
    browser.js('sv.tick("filter_controls", ["full", "leave one out", "none"])')
    shot = Path(os.environ.get("SPECVERSE_SCREENSHOT_DIR", tmp_path)) / "explorer_screenshot.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.write_bytes(base64.b64decode(browser.call("Page.captureScreenshot", session=True, format="png")["data"]))
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[:2] == (900, 1400) and pixels.std() > 0.05, "blank or mis-sized screenshot"
    print(f"explorer screenshot: {shot}")

    assert not browser.problems(), browser.problems()
    offsite = [u for u in browser.requested_urls() if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert not offsite, f"the page requested {offsite}"


# --- the page the workflow builds (config/test.yaml, shared slow run) -------------------


@pytest.mark.slow
@pytest.mark.xdist_group("workflow")
def test_the_workflow_built_page_in_chromium(test_config_run, tmp_path):
    """results/<run>/explorer.html of a real run: its provenance and note, no console error,
    every model of models.parquet on the curve, and a filter that redraws it."""
    from _workflow_sandbox import TEST_RUN

    run = test_config_run / TEST_RUN
    page = run / "explorer.html"
    models = pd.read_parquet(run / "multiverse" / "models.parquet")
    prov = json.loads((run / "provenance.json").read_text())
    text = page.read_text(encoding="utf-8")
    for value in (prov["data_file"], prov["data_sha256"], prov["created_utc"], *(c["path"] for c in prov["config_files"])):
        assert html.escape(value) in text, f"provenance {value!r} not on the page"
    assert 'class="sv-note"' in text and "SIMULATED DATA" in text  # the embedded data is partly simulated
    tools = open_page(page, tmp_path / "profile")
    try:
        print(f"workflow explorer with {len(models):,} rows ready in {tools.load_seconds:.2f} s")
        assert not tools.problems(), tools.problems()
        everything = pd.Series(True, index=models.index)
        start = tools.js("sv.state()")
        _check(start, _expected(models, everything), "workflow page, no filter")
        scenario, (treatment, term) = models["scenario"].iloc[0], models[["treatment", "term"]].iloc[0]
        tools.js(f'sv.tick("filter_scenario", [{json.dumps(scenario)}])')
        after = tools.js(f'sv.tick("filter_treatment_term", [{json.dumps(f"{treatment}: {term}")}])')
        one = (models["scenario"] == scenario) & (models["treatment"] == treatment) & (models["term"] == term)
        assert after["y"] != start["y"]
        _check(after, _expected(models, one), "workflow page, one curve")
        assert not tools.problems(), tools.problems()
        offsite = [u for u in tools.requested_urls() if not u.startswith(("file:", "data:", "blob:", "about:"))]
        assert not offsite, f"the page requested {offsite}"
    finally:
        tools.close()
