"""An offline HTML explorer of the whole multiverse: filter, sort, and watch the curve.

One self-contained page (Bokeh with INLINE resources: no network, no server).  The
left column holds one checkbox group per choice dimension (controls collapsed into
classes: full / leave one out / block subset / none), a significance switch and a
reset button; the right column the specification curve of the rows that pass every
filter and a sortable table of those rows.

How it stays fast with ~60,000 rows:

* Rows are sent pre-sorted by the plotted estimate (NaN last, ties by model_id, term),
  so the filtered rows taken in index order are already the ascending curve: the one
  JS callback (``FILTER_JS`` in :mod:`.explorer_js`, run once per burst of widget
  changes) makes a single
  O(N) pass, with no sort, and fills a BooleanFilter (the table's CDSView) and one
  small ColumnDataSource per sign x significance category of the curve.
* Text columns travel as small integer codes into their sorted levels; the table
  shows the text through an HTMLTemplateFormatter holding the levels, and sorts on
  the codes (= alphabetically).  Floats travel as float32 (~7 significant digits):
  this page is for looking, the full-precision table stays the CSV/parquet.
* Above :data:`WHISKER_LIMIT` points the CI is drawn as a band of the median bounds in
  at most :data:`BAND_BINS` bins instead of one segment per model (thousands of
  whiskers hide the curve, and a polygon through every bound takes seconds to fill).
  What remains costly is Bokeh's own work, proportional to what is shown: the
  table re-sorts its visible rows, and the canvas paints one marker per model.

The header (title, provenance, simulated-data note) is plain HTML outside Bokeh, so
the red note shows even if JavaScript fails.
"""

from __future__ import annotations

import html
import json
import os
import textwrap

import numpy as np
import pandas as pd
from bokeh.document import Document
from bokeh.embed import file_html
from bokeh.events import DocumentReady
from bokeh.layouts import column, row
from bokeh.models import (BooleanFilter, Button, CDSView, CheckboxGroup, ColumnDataSource,
                          CustomJS, CustomJSHover, DataTable, Div, HoverTool, HTMLTemplateFormatter,
                          NumberFormatter, RadioButtonGroup, Range1d, Span, TableColumn, TapTool,
                          Title)
from bokeh.plotting import figure
from bokeh.resources import INLINE
from jinja2 import Template

from specverse.io import write_text

from .explorer_js import FILTER_JS, HOVER_JS, RESET_JS, TAP_JS

REQUIRED = (
    "model_id", "scenario", "baseline", "outcome", "treatment", "term", "controls", "sample",
    "estimator", "control_terms", "n", "estimate", "std_error", "ci_low", "ci_high",
    "p_two_tailed", "status",
)
COMMON = ("estimate_common", "ci_low_common", "ci_high_common")
#: Optional p-value and sensitivity columns shown in the table when present.
OPTIONAL_P = ("p_wild", "p_pairs", "p_perm", "p_classical", "p_HC0", "p_HC1", "p_HC2", "p_HC3",
              "p_huber", "p_romano_wolf")
OPTIONAL_STATS = ("rv_q1", "partial_r2")
#: Text columns sent as codes (shown in the table, in this order).
TEXT = ("scenario", "baseline", "outcome", "treatment", "term", "controls", "sample",
        "estimator", "status", "control_terms")
CONTROL_CLASSES = ["full", "leave one out", "block subset", "none"]
WHISKER_LIMIT = 2000
BAND_BINS = 400
# Sign x significance palette of the static curves (figures/_plot.py).
CATEGORIES = {
    "positive, significant": "#08519c",
    "positive, not significant": "#9ecae1",
    "negative, not significant": "#fdae6b",
    "negative, significant": "#d94801",
}
NOTE_COLOUR = "#b30000"


def control_class(option: str) -> str:
    """Filter class of a controls option (as in figures/_table.py)."""
    if option.startswith("drop_"):
        return "leave one out"
    if option.startswith("blocks_"):
        return "block subset"
    return option


def status_class(status: str) -> str:
    """'excluded: <reason>' -> 'excluded'; 'ok', 'not_converged' unchanged."""
    return status.split(":", 1)[0].strip()


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes into the sorted levels: the table sorts codes, i.e. alphabetically."""
    text = values.astype("string").fillna("n/a")
    levels = sorted(pd.unique(text))
    codes = pd.Categorical(text, categories=levels).codes
    return codes.astype(np.uint8 if len(levels) < 256 else np.uint16), levels


def _f32(values: pd.Series, name: str) -> np.ndarray:
    """float32 (~7 significant digits: plenty for display, half the bytes of float64)."""
    if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
            or values.isna().all()):
        raise ValueError(f"explorer: column {name!r} must be numeric, got dtype {values.dtype}")
    return values.astype("float64").to_numpy(dtype=np.float32, na_value=np.nan)


def check_models(models: pd.DataFrame, max_rows: int | None) -> None:
    missing = [c for c in REQUIRED if c not in models.columns]
    if missing:
        raise ValueError(f"explorer: the models table lacks required column(s) {missing}")
    partial = [c for c in COMMON if c in models.columns]
    if partial and len(partial) < len(COMMON):
        raise ValueError(f"explorer: common-scale columns come together; missing "
                         f"{[c for c in COMMON if c not in partial]}")
    if len(models) == 0:
        raise ValueError("explorer: the models table has no rows")
    if max_rows is not None and len(models) > max_rows:
        raise ValueError(
            f"explorer: {len(models):,} rows exceed max_rows={max_rows:,}. Filter the table "
            "first (e.g. one scenario, or status == 'ok') or raise max_rows; rows are never "
            "dropped silently.")


# --- formatting (the table shows people's numbers; the data stay numeric for sorting) --

def _text_formatter(levels: list[str]) -> HTMLTemplateFormatter:
    """Show code -> level text (escaped by underscore's <%- %>)."""
    lit = json.dumps(levels).replace("%", "\\u0025")  # keep '%>' out of the template
    return HTMLTemplateFormatter(template=f'<span title="<%- {lit}[value] %>"><%- {lit}[value] %></span>')


# Formatters are made per page: a Bokeh model belongs to one document only.
RIGHT = '<div style="text-align: right">{}</div>'


def _est_format() -> HTMLTemplateFormatter:
    """3 decimals; below 0.01 three significant digits, so small effects do not read 0.000."""
    return HTMLTemplateFormatter(template=RIGHT.format(
        '<%= isNaN(value) ? "" : (value !== 0 && Math.abs(value) < 0.01) '
        '? value.toPrecision(3) : value.toFixed(3) %>'))


def _p_format() -> HTMLTemplateFormatter:
    """p-values APA style: "< .001", ".034", "1.000"."""
    return HTMLTemplateFormatter(template=RIGHT.format(
        '<%= isNaN(value) ? "" : value < 0.001 ? "&lt; .001" : value.toFixed(3).replace(/^0/, "") %>'))


def _n_format() -> NumberFormatter:
    return NumberFormatter(format="0,0", nan_format="", text_align="right")


PAGE = Template("""{% extends base %}
{% block postamble %}<style>
 body { font-family: system-ui, sans-serif; margin: 0 14px; color: #222; }
 header h1 { font-size: 20px; margin: 10px 0 4px; }
 .sv-note { border: 3px solid {{ red }}; background: #fdecec; color: {{ red }}; font-weight: 700;
            padding: 8px 12px; margin: 6px 0; font-size: 15px;
            position: sticky; top: 0; z-index: 100; }  /* stays in view while scrolling */
 dl.sv-prov { display: flex; flex-wrap: wrap; gap: 2px 18px; font-size: 12px; margin: 4px 0;
              color: #444; }
 dl.sv-prov div { display: flex; gap: 6px; } dl.sv-prov dt { font-weight: 600; }
 dl.sv-prov dd { margin: 0; font-family: monospace; overflow-wrap: anywhere; }
 .sv-help { font-size: 12px; color: #444; margin: 2px 0 6px; }
</style>{% endblock %}
{% block contents %}<header><h1>{{ page_title }}</h1></header>
{% if note %}<div class="sv-note" role="alert">&#9888; {{ note }}</div>{% endif %}
<header>
<dl class="sv-prov">{% for k, v in provenance %}<div><dt>{{ k }}</dt><dd>{{ v }}</dd></div>{% endfor %}</dl>
<p class="sv-help">{{ help }}</p>
</header>
{{ super() }}{% endblock %}
""")


def build_explorer(models: pd.DataFrame, out_html, *, title: str, provenance: dict[str, str],
                   note: str = "", alpha: float = 0.05, headline: str = "p_headline",
                   max_rows: int | None = None, scale_label: str | None = None) -> None:
    """Write the explorer page for ``models`` (one row per model x reported term) to ``out_html``.

    Plots and sorts on ``estimate_common`` (with ``ci_*_common``; axis labelled
    ``scale_label``, else by the ``common_scale`` column) when present, else on ``estimate``.  Significance is
    ``p < alpha`` on the ``headline`` p column when present, else ``p_two_tailed``.
    ``provenance`` (data file and sha256, config, commit, time) is shown as a list
    under the title; a non-empty ``note`` (simulated data) as a red box above
    everything and inside the figure (so a saved PNG carries it too).  Raises
    ValueError for a missing or non-numeric column or more than ``max_rows`` rows.
    """
    check_models(models, max_rows)
    common = all(c in models.columns for c in COMMON)
    est, low, high = COMMON if common else ("estimate", "ci_low", "ci_high")
    pcol = headline if headline in models.columns else "p_two_tailed"
    scale = "estimate (each model's own outcome scale)"
    if common and scale_label:
        scale = scale_label
    elif common:
        names = pd.unique(models.get("common_scale", pd.Series(dtype=str)).dropna().astype(str))
        scale = "; ".join(names) or "estimate on the common scale"

    # Pre-sort by the plotted estimate (NaN last), ties by model and term: see FILTER_JS.
    m = models.assign(_e=_f32(models[est], est), _id=models["model_id"].astype(str),
                      _term=models["term"].astype(str))
    m = m.sort_values(["_e", "_id", "_term"], kind="mergesort", na_position="last")
    m = m.reset_index(drop=True)
    source, levels = _model_source(m, [est, low, high, pcol])
    filters, widgets, panel, significance = _filter_panel(source.data, levels, pcol, alpha)

    fig, points, whiskers, band, legend = _curve_figure(source, levels, scale, pcol, note)
    view_filter = BooleanFilter(name="view_filter")
    table = DataTable(source=source, view=CDSView(filter=view_filter), name="models_table",
                      columns=_columns(levels, est, low, high, pcol, source.data), height=380,
                      sizing_mode="stretch_width", index_position=None, autosize_mode="none",
                      sortable=True, reorderable=False)  # reordering needs jquery-ui: not shipped
    summary = Div(text="loading ...", name="summary", styles={"font-size": "14px"}, height=64,
                  sizing_mode="stretch_width")

    update = CustomJS(code=FILTER_JS, args=dict(
        source=source, filters=filters, widgets=widgets, significance=significance,
        view_filter=view_filter, summary=summary, points=points, whiskers=whiskers, band=band,
        legend=legend, xr=fig.x_range, yr=fig.y_range, est=est, low=low, high=high, pcol=pcol,
        alpha=alpha, labels=list(CATEGORIES), colours=list(CATEGORIES.values()),
        whisker_limit=WHISKER_LIMIT, band_bins=BAND_BINS, pool=["scenario", "treatment_term"],
        pool_names=["scenario", "treatment: term"]))
    for w in [*widgets.values(), significance]:
        w.js_on_change("active", update)
    reset = Button(label="Reset all filters", name="reset")
    reset.js_on_event("button_click", CustomJS(code=RESET_JS, args=dict(
        widgets=widgets, significance=significance)))

    doc = Document()
    doc.add_root(row(column(*panel, reset, width=320, name="filters"),
                     column(summary, fig, table, sizing_mode="stretch_width"),
                     sizing_mode="stretch_width"))
    doc.js_on_event(DocumentReady, update)  # first draw: the same callback, nothing filtered
    help_text = (f"{len(m):,} rows: one per model x reported term (SE types are inference choices: "
                 "each one's analytic p-value is a p_ column). Untick options on the left to filter; "
                 "click a column header to sort; hover a point for its model, click it to select "
                 "its row. Numbers are rounded for display (float32); the full-precision values "
                 "are in the CSV/parquet table.")
    if common:
        help_text += (f" The curve and 'estimate (common)' put every outcome on one scale ({scale}); "
                      "'estimate (raw)' is on the model's own outcome scale.")
    page = file_html(doc, resources=INLINE, title=title, template=PAGE, template_variables=dict(
        page_title=html.escape(title), note=html.escape(note), red=NOTE_COLOUR,
        provenance=[(html.escape(str(k)), html.escape(str(v))) for k, v in provenance.items()],
        help=html.escape(help_text)))
    write_text(page, os.fspath(out_html))


def _model_source(m: pd.DataFrame, plotted: list[str]) -> tuple[ColumnDataSource, dict]:
    """The one data source of table, filters and curve: text as codes, numbers as float32."""
    data, levels = {"model_id": m["_id"].to_numpy(dtype=object)}, {}
    for c in TEXT:
        data[c], levels[c] = _codes(m[c])
    tt = m["treatment"].astype(str) + ": " + m["term"].astype(str)
    data["treatment_term"], levels["treatment_term"] = _codes(tt)
    if "post_selection" in m.columns:
        yes_no = m["post_selection"].map({True: "yes", False: "no"})
        data["post_selection"], levels["post_selection"] = _codes(yes_no)
    numeric = [*plotted, "estimate", "std_error", "p_two_tailed",
               *[c for c in (*OPTIONAL_P, *OPTIONAL_STATS) if c in m.columns], "n"]
    for c in dict.fromkeys(numeric):
        data[c] = _f32(m[c], c)
    return ColumnDataSource(data, name="models"), levels


def _filter_panel(data: dict, levels: dict, pcol: str, alpha: float):
    """One CheckboxGroup per choice dimension (all ticked), labelled with row counts.

    ``filters[name]`` tells FILTER_JS which code column to read and how codes map to
    the widget's classes (identity, or collapsed: controls options -> classes).
    """
    def identity(field):
        return field, list(range(len(levels[field]))), levels[field]

    def collapsed(field, to_class, order):
        found = {to_class(v) for v in levels[field]}
        classes = [c for c in order if c in found] + sorted(found - set(order))
        return field, [classes.index(to_class(v)) for v in levels[field]], classes

    dims = [("scenario", identity("scenario")), ("baseline", identity("baseline")),
            ("outcome", identity("outcome")), ("treatment: term", identity("treatment_term")),
            ("controls (class)", collapsed("controls", control_class, CONTROL_CLASSES)),
            ("sample", identity("sample")), ("estimator", identity("estimator"))]
    if "post_selection" in levels:
        dims.append(("post-selection", identity("post_selection")))
    dims.append(("status", collapsed("status", status_class, ["ok"])))

    significance = RadioButtonGroup(labels=["all", f"p < {alpha:g}", f"p \u2265 {alpha:g}"],
                                    active=0, name="filter_significance")
    filters, widgets = {}, {}
    panel = [Div(text=f"<b>significance ({html.escape(pcol)})</b>"), significance]
    for label, (field, lookup, classes) in dims:
        counts = np.bincount(np.asarray(lookup)[data[field]], minlength=len(classes))
        name = f"filter_{field}"
        widgets[name] = CheckboxGroup(labels=[f"{c} ({k:,})" for c, k in zip(classes, counts)],
                                      active=list(range(len(classes))), name=name)
        filters[name] = {"field": field, "lookup": lookup, "n_classes": len(classes)}
        panel += [Div(text=f"<b>{html.escape(label)}</b>", margin=(8, 5, 0, 5)), widgets[name]]
    return filters, widgets, panel, significance


def _curve_figure(source, levels, scale: str, pcol: str, note: str):
    """The curve: one point source per sign x significance category (static colour and
    legend entry), whiskers for few models or a band for many; all filled by FILTER_JS."""
    empty = {k: [] for k in ("x", "y", "lo", "hi", "p", "row")}
    points = [ColumnDataSource(dict(empty), name=f"curve_{k}") for k in range(len(CATEGORIES))]
    whiskers = ColumnDataSource({"x": [], "lo": [], "hi": [], "colour": []}, name="whiskers")
    band = ColumnDataSource({"x": [], "lo": [], "hi": []}, name="band")
    fig = figure(height=400, sizing_mode="stretch_width", name="curve_figure",
                 x_range=Range1d(0, 1), y_range=Range1d(-1, 1),  # FILTER_JS fits them
                 tools="pan,box_zoom,wheel_zoom,reset,save", toolbar_location="right",
                 title="Specification curve of the models that pass the filters: estimates sorted, "
                       f"with their CIs (bars; a grey band above {WHISKER_LIMIT:,} models)",
                 x_axis_label="models, ranked by estimate", y_axis_label=scale)
    fig.varea(x="x", y1="lo", y2="hi", source=band, fill_color="#999999", fill_alpha=0.35)
    fig.segment(x0="x", y0="lo", x1="x", y1="hi", source=whiskers, line_color="colour", line_alpha=0.5)
    renderers = [fig.scatter(x="x", y="y", source=src, size=3.6, line_color=None, fill_color=colour,
                             legend_label=label)
                 for src, (label, colour) in zip(points, CATEGORIES.items())]
    fig.add_layout(Span(location=0, dimension="width", line_color="#555", line_width=1))
    legend = fig.legend[0]
    fig.add_layout(legend, "above")  # outside the plot: never hides points
    legend.orientation, legend.label_text_font_size, legend.margin = "horizontal", "12px", 2
    if note:  # inside the figure too, so the toolbar's saved PNG carries it
        fig.add_layout(Title(text=textwrap.fill(note, 130), text_color=NOTE_COLOUR,
                             text_font_style="bold", text_font_size="11px"), "below")

    shown = [c for c in ("scenario", "baseline", "outcome", "treatment", "term", "controls",
                         "sample", "estimator") if c in levels]
    label = CustomJSHover(code=HOVER_JS, name="model_label",
                          args=dict(source=source, dims=shown, levels=levels))
    fig.add_tools(HoverTool(renderers=renderers, formatters={"@row": label}, tooltips=[
        ("rank", "@x"), ("estimate", "@y{0.000}"), ("CI", "[@lo{0.000}, @hi{0.000}]"),
        (pcol, "@p{0.0000}"), ("model", "@row{custom}")]))
    fig.add_tools(TapTool(renderers=renderers))
    tap = CustomJS(code=TAP_JS, args=dict(source=source, points=points))
    for src in points:
        src.selected.js_on_change("indices", tap)
    return fig, points, whiskers, band, legend


def _columns(levels, est, low, high, pcol, data) -> list[TableColumn]:
    """Table columns: the model's choices, then its numbers, then status and control terms."""
    def text(field, title, width):
        return TableColumn(field=field, title=title, width=width, formatter=_text_formatter(levels[field]))

    def num(field, title, fmt=_p_format, width=70):
        return TableColumn(field=field, title=title, width=width, formatter=fmt())

    widths = {"controls": 220, "treatment": 160, "term": 135, "baseline": 100, "outcome": 95,
              "sample": 110, "estimator": 110}
    cols = [TableColumn(field="model_id", title="model_id", width=100)]
    cols += [text(c, c, widths.get(c, 85)) for c in TEXT[:8]]
    if "post_selection" in levels:
        cols.append(text("post_selection", "post-selection", 80))
    common = est != "estimate"
    cols += [num("n", "n", _n_format, 55),
             num(est, "estimate (common)" if common else "estimate", _est_format, 95),
             num(low, "CI low", _est_format), num(high, "CI high", _est_format)]
    if common:
        cols.append(num("estimate", "estimate (raw)", _est_format, 95))
    cols += [num("std_error", "SE (raw)" if common else "SE", _est_format), num(pcol, pcol, width=85)]
    cols += [num(c, c, width=85) for c in ("p_two_tailed", *OPTIONAL_P) if c in data and c != pcol]
    cols += [num(c, c, _est_format, 80) for c in OPTIONAL_STATS if c in data]
    cols += [text("status", "status", 160), text("control_terms", "control terms", 400)]
    return cols
