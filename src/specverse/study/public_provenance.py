"""Where each column of data/areas.csv comes from, and the data/SOURCES.md built from it."""

from __future__ import annotations

import pandas as pd

TABLE1_COLUMNS = (
    "ni1_2008",
    "deprivation",
    "population",
    "population_density",
    "population_growth",
    "nrf_area",
)
PROVENANCES = ("observed", "approximate", "proxy", "imputed")

_OGL = "Open Government Licence v3"
# The found files used, as recorded in ../shared/data/found/SOURCES.md.
FILES = {
    "place_survey": dict(
        publisher="Communities and Local Government (CLG), Place Survey 2008",
        original="Place Survey 2008 results by authority (data.gov.uk), column Get_On_Well = NI 1",
        location="github.com/owenwienczkowski/UKContentmentPredictor@c03da28ee28bca533d7d59286fd1b4764cafb2d4:UKContentment.csv",
        licence=f"Crown copyright, {_OGL} (repository has no licence file)",
    ),
    "lookup": dict(
        publisher="librarian-derived from humaniverse/IMD and mySociety (see found/SOURCES.md)",
        original="upper_tier_2008_lookup.csv: 2007 district -> Place Survey unit and GSS code",
        location="found/upper_tier_2008_lookup.csv, built from github.com/humaniverse/IMD@"
        "94779886746e0feea2f77654cc4eabd20cdeaf03:data-raw/imd2007_lsoa01_england.csv and "
        "github.com/mysociety/uk_local_authority_names_and_codes@67ef8b118938678401a452f4f19f669a7221cc73:"
        "data/packages/uk_la_future/uk_local_authorities_future.csv",
        licence="inherits OGL v3 (IMD) and CC-BY-4.0 (mySociety registry)",
    ),
    "imd": dict(
        publisher="CLG, English Indices of Deprivation 2007",
        original='workbook "IMD 2007 for DCLG 4 dec.xls", sheet "IMD 2007" (LSOA scores)',
        location="github.com/humaniverse/IMD@94779886746e0feea2f77654cc4eabd20cdeaf03:data-raw/imd2007_lsoa01_england.csv",
        licence=f"package MIT; bundled government data {_OGL}",
    ),
    "myeb3": dict(
        publisher="Office for National Statistics (ONS), mid-year population estimates",
        original='MYEB3 "summary components of change series, UK", mid-2018 release, 2018 LA geography',
        location="github.com/psychty/Population-pyramids@f41bfcd51d713cc3786038a4d655f07da720648f:MYEB3_summary_components_of_change_series_UK_(2018).csv",
        licence=f"repository MIT; ONS data {_OGL}",
    ),
    "mye5": dict(
        publisher="ONS, mid-2018 population estimates",
        original='MYE5 "Population density for the local authorities in the UK, mid-2001 to mid-2018" (area, whole km²)',
        location="github.com/psychty/Population-pyramids@215be05739b7fc3a6021340cc2e0c2c2a684e23f:pop_density.csv",
        licence=f"repository MIT; ONS data {_OGL}",
    ),
    "nrf": dict(
        publisher="ODPM / DETR via Hansard (written answers)",
        original="NRF allocations 2003-06 (Lords, 8 Apr 2003) and 2001-04 (Commons, 24 Jan 2001); partial transcriptions",
        location="http://www.publications.parliament.uk/pa/ld200203/ldhansrd/vo030408/text/30408w04.htm ; "
        "https://api.parliament.uk/historic-hansard/written-answers/2001/jan/24/neighbourhood-renewal-fund",
        licence="Open Parliament Licence",
    ),
}
# Outside found/: the two district areas that split MYE5's 2019 Dorset units back.
AREA_IMPUTATION_SOURCES = (
    "Bournemouth 4,617 ha (Bournemouth Borough Council, 'Boundaries in Bournemouth', "
    "https://www.bournemouth.gov.uk/councildemocratic/bournemouth-borough-council-historical-information/"
    "Statistics/Themes/Geographies.aspx); Christchurch 50.38 km² (Wikipedia 'Christchurch, Dorset' "
    "infobox, 2008 copy at http://the-uncensored-wiki.com:20082/articles/c/h/r/Christchurch%2C_Dorset_9dbc.html, "
    "CC BY-SA)"
)

_PLURAL = {
    "London borough": "London boroughs",
    "Metropolitan borough": "metropolitan boroughs",
    "County council": "county councils",
    "Unitary authority": "unitary authorities",
}
_PS = ("place_survey",)
COLUMNS = [
    dict(column="area_code", unit="GSS code", provenance="observed", files=("lookup",),
         definition="GSS code of the unit (the registry's current or last code, not necessarily the 2008 one)",
         derivation="place_survey_2008_unit_gss_code of the lookup"),
    dict(column="area_name", unit="text", provenance="observed", files=_PS,
         definition="Unit name without the LB/MD/UA/CC suffix",
         derivation="Place Survey name, suffix stripped; fixes: Medway Towns -> Medway, "
         "Westminster City of -> Westminster, Bristol -> Bristol, City of, Kingston upon Hull -> "
         "Kingston upon Hull, City of, Cheshire West & Chester -> Cheshire West and Chester"),
    dict(column="la_type", unit="category", provenance="observed", files=_PS,
         definition="London borough | Metropolitan borough | County council | Unitary authority",
         derivation="Place Survey name suffix LB/MD/CC/UA (post-April-2009 structure)"),
    dict(column="ni1_2008", unit="% (0-100)", provenance="observed", files=_PS,
         definition="NI 1 2008: % agreeing their local area is a place where people from different "
         "backgrounds get on well together",
         derivation="Get_On_Well as published, one decimal"),
    dict(column="deprivation", unit="IMD score", provenance="approximate", files=("imd", "lookup"),
         definition="Mean IMD 2007 score over the unit's 2001 LSOAs, unweighted (Scilly inside Cornwall)",
         derivation="LSOA -> 2007 district -> unit; arithmetic mean, 3 d.p. The official "
         "population-weighted average cannot be rebuilt (no LSOA populations)"),
    dict(column="population", unit="persons", provenance="approximate", files=("myeb3", "lookup"),
         definition="Mid-2001 population estimate (not the Census 2001 count), sum of the unit's districts",
         derivation="population_2001 summed over the unit's 2018-geography districts (Scilly inside "
         "Cornwall); post-2011-Census revised series"),
    dict(column="area_sqkm", unit="km² (whole)", provenance="approximate", files=("mye5",),
         definition="Land area of the unit, whole km²; imputed where area_imputed = 1",
         derivation="MYE5 'Area (sq km)' of the unit's code (April-2019 boundaries), Cornwall + Isles "
         "of Scilly. Imputed: Bournemouth 46; Poole = BCP 161 - 46 - 50 (Christchurch) = 65; "
         "Dorset CC = Dorset UA 2,491 + Christchurch 50. Sources: " + AREA_IMPUTATION_SOURCES),
    dict(column="area_imputed", unit="0/1", provenance="imputed", files=("mye5",),
         definition="1 where area_sqkm (so population_density) is imputed: Bournemouth, Poole, Dorset CC",
         derivation="units with no MYE5 row (merged into BCP / Dorset UA in 2019)"),
    dict(column="population_density", unit="persons per km²", provenance="approximate",
         files=("myeb3", "mye5"),
         definition="population / area_sqkm (mid-2001)",
         derivation="ratio, 2 d.p.; inherits the imputed area where area_imputed = 1"),
    dict(column="population_growth", unit="% per year", provenance="approximate", files=("myeb3", "lookup"),
         definition="% change of the unit's mid-year population estimate, mid-2004 to mid-2005",
         derivation="100 * (MYE 2005 / MYE 2004 - 1), 3 d.p.; see 'Population growth' below"),
    dict(column="nrf_area", unit="0/1", provenance="proxy", files=("nrf", "imd", "lookup"),
         definition="PROXY for receipt of Neighbourhood Renewal Funding: 70 of 150 units = 1",
         derivation="Hansard lists where they reach (nrf_source = hansard_list), else deprivation rank; "
         "see 'NRF area' below"),
    dict(column="nrf_source", unit="text", provenance="proxy", files=("nrf",),
         definition="hansard_list | deprivation_rank_proxy: what decided nrf_area for the unit",
         derivation="see 'NRF area' below"),
]


def columns_table() -> pd.DataFrame:
    """One row per areas.csv column: definition, unit, provenance and its sources."""
    rows = []
    for c in COLUMNS:
        files = [FILES[k] for k in c["files"]]
        row = {k: c[k] for k in ("column", "definition", "unit", "provenance")}
        for field in ("publisher", "original", "location", "licence"):
            row[field] = " | ".join(dict.fromkeys(f[field] for f in files))
        row["derivation"] = c["derivation"]
        row["source"] = " | ".join(f"{f['publisher']}: {f['original']} [{f['location']}; {f['licence']}]"
                                   for f in files)
        rows.append(row)
    return pd.DataFrame(rows)


def _md_table(df: pd.DataFrame, digits: int = 2) -> str:
    def cell(v):
        return f"{v:,.{digits}f}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "".join("| " + " | ".join(cell(v) for v in r) + " |\n"
                          for r in df.itertuples(index=False))


def render_sources(areas: pd.DataFrame, columns: pd.DataFrame, comparison: pd.DataFrame,
                   candidates: pd.DataFrame) -> str:
    """The text of data/SOURCES.md (generated: edit this module, not the file)."""
    src = areas["nrf_source"]
    n_hl1 = int(((src == "hansard_list") & (areas["nrf_area"] == 1)).sum())
    n_hl0 = int(((src == "hansard_list") & (areas["nrf_area"] == 0)).sum())
    n_px1 = int(((src != "hansard_list") & (areas["nrf_area"] == 1)).sum())
    n_px0 = int(((src != "hansard_list") & (areas["nrf_area"] == 0)).sum())
    types = areas["la_type"].value_counts().sort_index()
    imputed = areas.loc[areas["area_imputed"] == 1, ["area_name", "area_sqkm"]]
    g = comparison.set_index("variable").loc["population_growth"]
    cmp = comparison.copy()
    for stat in ("mean", "sd", "min", "max"):
        cmp[stat] = cmp[stat].astype(float)
    out = [
        "# data/: per-unit public figures of the 150 study areas",
        "",
        "Generated by `python data/prepare_public_data.py --found ../shared/data/found --out data/`",
        "(logic in `src/specverse/study/public_data.py`, texts in `public_provenance.py`); do not edit",
        "by hand. The workflow reads only `areas.csv` and `areas_columns.csv`, after checking them",
        "against `MANIFEST.sha256` (`specverse.study.public_data.load_public_areas`). No found file is",
        "copied here; only per-unit figures derived from them.",
        "",
        "## Units",
        "",
        "The Place Survey 2008 upper-tier authorities in the post-April-2009 structure, City of London",
        "excluded, Isles of Scilly inside Cornwall: "
        + ", ".join(f"{n} {_PLURAL[t]}" for t, n in types.items()) + f" = {len(areas)}.",
        "This set reproduces Table 1's NI1 2008 row exactly (below).",
        "",
        "## Columns",
        "",
    ]
    for r in columns.itertuples(index=False):
        out += [
            f"### `{r.column}` ({r.provenance}; {r.unit})",
            f"- Definition: {r.definition}.",
            f"- Publisher: {r.publisher}.",
            f"- Original: {r.original}.",
            f"- Where: {r.location}.",
            f"- Licence: {r.licence}.",
            f"- Derivation: {r.derivation}.",
            "",
        ]
    out += [
        "## Area imputation",
        "",
        "MYE5 is on April-2019 boundaries, where Bournemouth, Christchurch and Poole became one",
        "unitary (BCP) and the rest of Dorset CC became Dorset UA, so three 2009 units have no row:",
        ", ".join(f"{r.area_name} {r.area_sqkm} km²" for r in imputed.itertuples()) + " (imputed).",
        "The mySociety registry `area` column cannot fill them: it is blank for Bournemouth, Poole and",
        "Christchurch, and its Dorset County value (1,561 km²) is below MYE5's Dorset UA (2,491 km²)",
        "which excludes Christchurch. Rule: take two published district areas, " + AREA_IMPUTATION_SOURCES
        + "; Bournemouth = 46, Poole = BCP - Bournemouth - Christchurch, Dorset CC = Dorset UA +",
        "Christchurch, all whole km² like MYE5.",
        "",
        "## Population growth",
        "",
        "Definition: % change mid-2004 to mid-2005 (revised MYE). One pre-LAA year keeps the control",
        "predetermined relative to the 2006-2008 outcome, and of the candidates below it comes",
        "closest to Table 1's minimum and maximum. Ours / Table 1: "
        + ", ".join(f"{s} {g[s]:.2f} / {g['published_' + s]:.2f}" for s in ("mean", "sd", "min", "max"))
        + ".",
        "No candidate matches: the paper used the pre-revision estimates, which are not in the",
        "found files.",
        "",
        _md_table(candidates),
        "## NRF area (proxy)",
        "",
        "The 2001-04 and 2003-06 Hansard lists are alphabetical and readable from the first NRF",
        "district (Allerdale) to Kingston upon Hull: 39 of the 88 NRF districts. Rule, in order:",
        "1. a unit with any district named there is 1 (`hansard_list`);",
        "2. a unit whose districts all sort at or before the last readable name, none named, is 0",
        "   (`hansard_list`: the lists cover it and it is absent);",
        "3. the remaining units are ranked by `deprivation` (most deprived first) and the top ones",
        "   are 1 until 70 units in all are 1 (`deprivation_rank_proxy`; 70/150 = .47, Table 1's mean).",
        f"Result: hansard_list 1 = {n_hl1}, hansard_list 0 = {n_hl0}, proxy 1 = {n_px1}, proxy 0 = {n_px0}.",
        "Caveats: the lists are for 2001-06; 2006-08 NRF went to 86 districts with new recipients",
        "(Barnet, Norwich, North East Lincolnshire), and the paper does not say which period or how",
        "county areas containing an NRF district were coded (here: 1).",
        "",
        "## Comparison with Table 1",
        "",
        "Ours over the 150 units (sd with n-1) beside the published values.",
        "",
        _md_table(cmp),
        "Population is the mid-2001 estimate, not the census count; density uses MYE5's whole-km²",
        "areas on 2019 boundaries; both use the post-2011-Census revised series.",
        "",
    ]
    return "\n".join(out)
