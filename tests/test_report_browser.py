"""The HTML report: built by Snakemake's reporting from the test configuration in a
temporary copy of the repository, every figure and table registered with a caption,
and -- in headless Chromium -- every figure actually rendered by the report's own
viewer, the answer on screen before any click, and every HTML table within the report's
content pane at laptop width.  Screenshots of the landing page and of a specification
curve are saved."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _workflow_sandbox import TEST_RUN

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workflow")]

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
]
MY_FIGURES = re.compile(r"results/[^/]+/figures/((curve|pvalues|joint|influence|variance|nulls|table2)_.*|calibration)\.png$")

# Appended to a copy of the report: shows every image and HTML result through the report
# app's own content view (app.setView, as its buttons do), records whether the <img>
# decoded, then leaves a specification curve on screen for the screenshot.
HARNESS = """
<script>
function liveApp() {
  // The mounted App component, found through React's root fiber (the report keeps no
  // handle that is guaranteed to be the mounted instance).
  const root = document.querySelector('#app');
  const key = Object.keys(root).find(k => k.startsWith('__reactContainer'));
  const host = key && root[key];
  const stack = host && host.stateNode && host.stateNode.current ? [host.stateNode.current] : [];
  while (stack.length) {
    const f = stack.pop();
    if (f.stateNode && f.stateNode.setView && f.stateNode.showCategory) return f.stateNode;
    if (f.child) stack.push(f.child);
    if (f.sibling) stack.push(f.sibling);
  }
  return null;
}
window.addEventListener('load', async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const out = [];
  let app = null;
  for (let i = 0; i < 600 && !(app = liveApp()); i++) await sleep(50);
  if (!app) { out.push({path: '(report app)', kind: 'app', ok: false, width: 0, height: 0}); }
  for (const [path, r] of (app ? Object.entries(results) : [])) {
    if (r.mime_type && r.mime_type.startsWith('image/')) {
      app.setView({content: 'img', contentPath: r.data_uri});
      let img = null;
      for (let i = 0; i < 200; i++) {
        await sleep(50);
        img = Array.from(document.querySelectorAll('#app img')).find(x => x.getAttribute('src') === r.data_uri);
        if (img && img.complete && img.naturalWidth > 0) break;
      }
      out.push({path: path, kind: 'img', ok: !!(img && img.complete && img.naturalWidth > 0),
                width: img ? img.naturalWidth : 0, height: img ? img.naturalHeight : 0});
    } else if (r.mime_type === 'text/html') {
      app.setView({content: 'html', contentPath: r.data_uri});
      await sleep(200);
      const frame = Array.from(document.querySelectorAll('#app iframe')).find(x => x.getAttribute('src') === r.data_uri);
      const text = atob(r.data_uri.split('base64,')[1]);
      out.push({path: path, kind: 'html', ok: !!frame && text.includes('<table'), width: 0, height: 0});
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'figure-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
  const show = new URLSearchParams(location.search).get('show');
  if (show && results[show]) {
    app.showCategory('2 Specification curves');
    await sleep(100);
    app.setView({content: 'img', contentPath: results[show].data_uri});
  }
});
</script>
"""


@pytest.fixture(scope="module")
def built_report(test_config_run):
    return test_config_run


def _results(report: Path) -> dict:
    text = report.read_text(encoding="utf-8")
    m = re.search(r'<script id="results">\s*var results = (\{.*?\});?\s*</script>', text, re.S)
    assert m, "report has no embedded results table"
    return json.loads(m.group(1))


REPORT_TABLES = ("front_page", "joint_tests", "table1", "table2", "model_uncertainty", "summary",
                 "audit_null_summary", "audit_discrimination")


def test_report_registers_every_figure_with_a_caption(built_report):
    report = built_report / TEST_RUN / "report.html"
    assert report.stat().st_size > 0
    text = report.read_text(encoding="utf-8")
    assert "Read this first" in text, "workflow description missing"
    assert "specverse-answer" in text, "the front page is not inlined in the report's description"
    results = _results(report)
    produced = {
        str(p.relative_to(built_report)) for p in (built_report / TEST_RUN / "figures").glob("*.png")
        if MY_FIGURES.search(str(p.relative_to(built_report)))
    }
    assert produced, "the workflow produced none of the figures"
    assert produced <= set(results), f"figures missing from the report: {sorted(produced - set(results))}"
    for table in (*(f"{TEST_RUN}/report/{name}.html" for name in REPORT_TABLES),
                  f"{TEST_RUN}/multiverse/joint_tests.csv"):
        assert table in results, f"{table} not registered in the report"
    for path, r in results.items():
        if MY_FIGURES.search(path) or path.startswith(f"{TEST_RUN}/report/"):
            cap = r.get("caption") or ""
            assert len(cap) > 200, f"{path}: caption missing or too short"
            assert "{{" not in cap, f"{path}: caption template not rendered"
    # Every embedded PNG decodes to a >= 200 dpi raster of sensible size.
    for path in produced:
        raw = base64.b64decode(results[path]["data_uri"].split("base64,", 1)[1])
        assert raw[:8] == b"\x89PNG\r\n\x1a\n", path
        assert int.from_bytes(raw[16:20], "big") >= 1500, f"{path}: narrower than 1500 px"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    script = REPO / ".ci" / "install-chromium.sh"
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=900)
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip(f"Chromium unavailable and could not be installed (needs root and apt): {proc.stderr.strip()[-300:]}")
    return found


def test_every_figure_renders_in_headless_chromium(built_report, tmp_path):
    chromium = _chromium()
    report = built_report / TEST_RUN / "report.html"
    results = _results(report)
    harness = built_report / TEST_RUN / "report_check.html"
    # The report's scripts contain "</body>" in strings: inject before the last one.
    head, tag, tail = report.read_text(encoding="utf-8").rpartition("</body>")
    harness.write_text(head + HARNESS + tag + tail, encoding="utf-8")
    show = sorted(p for p in results if p.startswith(f"{TEST_RUN}/figures/curve_"))[0]
    url = harness.as_uri() + "?show=" + show
    base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=600000"]
    dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=600)
    m = re.search(r'<pre id="figure-check">(.*?)</pre>', dom.stdout, re.S)
    assert m, f"the report did not finish the figure check; chromium said:\n{dom.stderr[-2000:]}"
    checks = json.loads(m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    by_path = {c["path"]: c for c in checks}
    images = [p for p, r in results.items() if r.get("mime_type", "").startswith("image/")]
    assert images and set(images) <= set(by_path)
    failed = [c for c in checks if not c["ok"]]
    assert not failed, f"not rendered in the report: {failed}"
    for p in images:
        assert by_path[p]["width"] >= 1000 and by_path[p]["height"] >= 500, by_path[p]

    shot_dir = Path(os.environ.get("SPECVERSE_SCREENSHOT_DIR", built_report / TEST_RUN))
    shot_dir.mkdir(parents=True, exist_ok=True)
    shot = shot_dir / "report_screenshot.png"
    subprocess.run([*base, "--window-size=1600,1100", f"--screenshot={shot}", url],
                   capture_output=True, text=True, timeout=600)
    assert shot.exists() and shot.stat().st_size > 10_000, "no screenshot written"
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.std() > 0.05, "the screenshot is blank"
    print(f"report screenshot: {shot}")


# Appended to a copy of the report: with no click at all, where is the verdict's first
# sentence, what does the front page hold, and does every HTML table of the report fit the
# width of the content pane it is shown in (rendered at that width in a same-origin frame)?
NEWCOMER = """
<script>
window.addEventListener('load', async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const out = {};
  let page = null;
  for (let i = 0; i < 600 && !(page = document.getElementById('specverse-answer')); i++) await sleep(50);
  out.front_page = !!page;
  if (page) {
    const walker = document.createTreeWalker(document.getElementById('app'), NodeFilter.SHOW_TEXT);
    let node = null, at = -1;
    while (walker.nextNode()) {
      at = walker.currentNode.data.indexOf(FIRST);
      if (at >= 0) { node = walker.currentNode; break; }
    }
    if (node) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + FIRST.length);
      const r = range.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + 2, r.top + 2);
      out.sentence = {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                      width: innerWidth, height: innerHeight, on_top: !!hit && node.parentElement.contains(hit)};
    }
    out.tables = page.querySelectorAll('table').length;
    out.explorer = Array.from(page.querySelectorAll('a')).map(a => a.getAttribute('href'));
    out.text = page.innerText;
  }
  const pane = document.querySelector('#app div.grow.h-screen.overflow-auto');
  const width = pane ? pane.clientWidth : 0;
  out.pane_width = width;
  out.fits = [];
  for (const [path, r] of Object.entries(results)) {
    if (r.mime_type !== 'text/html') continue;
    const bytes = Uint8Array.from(atob(r.data_uri.split('base64,')[1]), c => c.charCodeAt(0));
    const frame = document.createElement('iframe');
    frame.style.cssText = `position:absolute;left:-20000px;top:0;width:${width}px;height:900px;border:0`;
    const loaded = new Promise(res => frame.onload = res);
    frame.srcdoc = new TextDecoder('utf-8').decode(bytes);
    document.body.appendChild(frame);
    await loaded;
    const doc = frame.contentDocument;
    const rights = doc ? Array.from(doc.querySelectorAll('table')).map(t => t.getBoundingClientRect().right) : [];
    out.fits.push({path: path, readable: !!doc, width: doc ? doc.documentElement.clientWidth : 0,
                   widest: Math.max(0, ...rights)});
    frame.remove();
  }
  const pre = document.createElement('pre');
  pre.id = 'newcomer-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.?!])\s+", " ".join(text.split()), maxsplit=1)[0]


def test_a_newcomer_reads_the_answer_first(built_report, tmp_path):
    """Opened at laptop size, the report shows the verdict's first sentence without a click
    (inside the window, not covered), then one table per treatment and the run's provenance
    with a link to the explorer; and no HTML table of the report is wider than the pane."""
    chromium = _chromium()
    run = built_report / TEST_RUN
    report = run / "report.html"
    first = _first_sentence((run / "verdict" / "verdict.md").read_text(encoding="utf-8"))
    provenance = json.loads((run / "provenance.json").read_text())
    curves = json.loads((run / "multiverse" / "summary.json").read_text())["curves"]
    head, tag, tail = report.read_text(encoding="utf-8").rpartition("</body>")
    probe = run / "report_newcomer.html"
    script = NEWCOMER.replace("<script>", f"<script>const FIRST = {json.dumps(first)};", 1)
    probe.write_text(head + script + tag + tail, encoding="utf-8")
    base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,900",
            "--virtual-time-budget=120000"]
    dom = subprocess.run([*base, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=600)
    m = re.search(r'<pre id="newcomer-check">(.*?)</pre>', dom.stdout, re.S)
    assert m, f"the report did not finish the newcomer check; chromium said:\n{dom.stderr[-2000:]}"
    seen = json.loads(html.unescape(m.group(1)))
    assert seen["front_page"], "the report's landing page does not show the front page"
    s = seen.get("sentence")
    assert s, f"the verdict's first sentence is not in the landing page: {first!r}"
    assert 0 <= s["top"] and s["bottom"] <= s["height"] and 0 <= s["left"] and s["right"] <= s["width"], \
        f"the verdict's first sentence is not on screen without scrolling: {s}"
    assert s["on_top"], "something covers the verdict's first sentence"
    n_curves = len({(c["treatment"], c["term"]) for c in curves})
    assert seen["tables"] == n_curves + 1, "one table per treatment curve, then the provenance"
    assert "explorer.html" in seen["explorer"]
    assert provenance["data_sha256"] in seen["text"] and provenance["data_file"] in seen["text"]
    for config in provenance["config_files"]:
        assert config["path"] in seen["text"]
    assert "does not mean not mechanical" in seen["text"] or "rule out a mechanical origin" in seen["text"]
    assert "times as strong as the strongest observed control" in seen["text"]

    assert seen["pane_width"] > 800, seen["pane_width"]
    html_results = [p for p, r in _results(report).items() if r.get("mime_type") == "text/html"]
    assert {f["path"] for f in seen["fits"]} == set(html_results)
    unreadable = [f["path"] for f in seen["fits"] if not f["readable"]]
    assert not unreadable, f"could not measure: {unreadable}"
    too_wide = [f for f in seen["fits"] if f["widest"] > f["width"] + 1]
    assert not too_wide, f"tables wider than the report's content pane ({seen['pane_width']} px): {too_wide}"

    shot_dir = Path(os.environ.get("SPECVERSE_SCREENSHOT_DIR", run))
    shot_dir.mkdir(parents=True, exist_ok=True)
    shot = shot_dir / "report_front_page.png"
    subprocess.run([*base, f"--screenshot={shot}", report.as_uri()], capture_output=True, text=True, timeout=600)
    assert shot.exists() and shot.stat().st_size > 10_000, "no screenshot of the landing page written"
    print(f"landing page screenshot: {shot}")
