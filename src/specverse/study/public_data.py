"""Per-unit public figures of the study's 150 areas.

`prepare_public_data(found, table1, out)` derives data/areas.csv (and its column
provenance, sources and checksum manifest) from the librarian's found files; it is run by
data/prepare_public_data.py, never by the workflow. The workflow reads the committed
files through `load_public_areas`, which first checks them against data/MANIFEST.sha256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from specverse.io import write_text
from specverse.study import public_provenance as prov

AREAS_FILE = "areas.csv"
COLUMNS_FILE = "areas_columns.csv"
SOURCES_FILE = "SOURCES.md"
MANIFEST_FILE = "MANIFEST.sha256"
# The files the workflow reads; the manifest must list each of them.
PUBLIC_FILES = (AREAS_FILE, COLUMNS_FILE)

FOUND = {
    "place_survey": "place_survey_2008.csv",
    "imd": "imd2007_lsoa_scores.csv",
    "lookup": "upper_tier_2008_lookup.csv",
    "myeb3": "mye_myeb3_components_2001_2018_lad18.csv",
    "mye5": "mye5_pop_density_2001_2018_lad19.csv",
    "nrf_2003": "nrf_allocations_2003_06_partial.csv",
    "nrf_2001": "nrf_allocations_2001_04_partial.csv",
}

LA_TYPES = {
    "LB": "London borough",
    "MD": "Metropolitan borough",
    "CC": "County council",
    "UA": "Unitary authority",
}
EXPECTED_COUNTS = {
    "London borough": 32,
    "Metropolitan borough": 36,
    "County council": 27,
    "Unitary authority": 55,
}
EXCLUDED_UNIT = "City of London LB"
SCILLY_DISTRICT, SCILLY_HOST = "15UH", "Cornwall UA"
NAME_FIXES = {
    "Medway Towns": "Medway",
    "Westminster City of": "Westminster",
    "Bristol": "Bristol, City of",
    "Kingston upon Hull": "Kingston upon Hull, City of",
    "Cheshire West & Chester": "Cheshire West and Chester",
}

# MYE5 is on April-2019 boundaries, where Bournemouth, Christchurch and Poole merged
# (BCP, E06000058) and the rest of Dorset became Dorset UA (E06000059). Two district
# areas from outside found/ (sources in public_provenance) split them back; whole km²
# like MYE5.
BCP_GSS, DORSET_UA_GSS = "E06000058", "E06000059"
BOURNEMOUTH_KM2, CHRISTCHURCH_KM2 = 46, 50
BOURNEMOUTH_GSS, POOLE_GSS, DORSET_CC_GSS = "E06000028", "E06000029", "E10000009"

# Growth over one pre-LAA year; see public_provenance.GROWTH for the choice.
GROWTH_FROM, GROWTH_TO = 2004, 2005
# Table 1: nrf_area mean .47 of 150 units.
NRF_UNITS = 70

AREA_COLUMNS = {
    "area_code": str,
    "area_name": str,
    "la_type": str,
    "ni1_2008": "float64",
    "deprivation": "float64",
    "population": "int64",
    "area_sqkm": "int64",
    "area_imputed": "int64",
    "population_density": "float64",
    "population_growth": "float64",
    "nrf_area": "int64",
    "nrf_source": str,
}


class ManifestError(RuntimeError):
    """A data file is missing or differs from data/MANIFEST.sha256."""


def _read(found: Path, key: str, columns: list[str], **kw) -> pd.DataFrame:
    path = Path(found) / FOUND[key]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: found file missing")
    df = pd.read_csv(path, encoding="utf-8-sig", **kw)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    return df


def _units(found: Path) -> pd.DataFrame:
    """The 150 Place Survey upper-tier units with their NI1 2008 figure."""
    ps = _read(found, "place_survey", ["Authority", "Get_On_Well"])
    suffix = ps["Authority"].str.extract(r" (LB|MD|UA|CC)$")[0]
    ps = ps[suffix.notna() & (ps["Authority"] != EXCLUDED_UNIT)].copy()
    ps["la_type"] = suffix[ps.index].map(LA_TYPES)
    counts = ps["la_type"].value_counts().to_dict()
    if counts != EXPECTED_COUNTS:
        raise ValueError(f"{FOUND['place_survey']}: unit counts {counts} != {EXPECTED_COUNTS}")
    stem = ps["Authority"].str.replace(r" (LB|MD|UA|CC)$", "", regex=True)
    ps["area_name"] = stem.replace(NAME_FIXES)
    return ps.rename(columns={"Authority": "unit", "Get_On_Well": "ni1_2008"})[
        ["unit", "area_name", "la_type", "ni1_2008"]
    ]


def _districts(found: Path, units: pd.DataFrame) -> pd.DataFrame:
    """2007 districts -> unit (Scilly inside Cornwall), with the unit's GSS code."""
    lk = _read(
        found,
        "lookup",
        ["lad07_code", "lad07_name", "district_gss_code", "place_survey_2008_unit",
         "place_survey_2008_unit_gss_code"],
    )
    lk = lk[lk["place_survey_2008_unit"] != EXCLUDED_UNIT].copy()
    scilly = lk["lad07_code"] == SCILLY_DISTRICT
    lk.loc[scilly, "place_survey_2008_unit"] = SCILLY_HOST
    host_gss = lk.loc[lk["place_survey_2008_unit"] == SCILLY_HOST, "place_survey_2008_unit_gss_code"]
    lk.loc[scilly, "place_survey_2008_unit_gss_code"] = host_gss.dropna().iloc[0]
    unknown = set(lk["place_survey_2008_unit"]) ^ set(units["unit"])
    if unknown:
        raise ValueError(f"{FOUND['lookup']}: units not matching the Place Survey: {sorted(unknown)}")
    # Districts abolished in 2009 have no code of their own: their 2009 unitary is the row.
    lk["lad18_code"] = lk["district_gss_code"].fillna(lk["place_survey_2008_unit_gss_code"])
    return lk.rename(columns={"place_survey_2008_unit": "unit",
                              "place_survey_2008_unit_gss_code": "area_code"})


def _deprivation(found: Path, districts: pd.DataFrame) -> pd.Series:
    imd = _read(found, "imd", ["lad07_code", "IMD_score"])
    unit = imd["lad07_code"].map(districts.set_index("lad07_code")["unit"])
    if unit.isna().any():
        codes = sorted(set(imd.loc[unit.isna(), "lad07_code"]) - {"00AA"})
        if codes:
            raise ValueError(f"{FOUND['imd']}: lad07_code(s) without a unit: {codes}")
    return imd.groupby(unit)["IMD_score"].mean().round(3)


def _population(found: Path, districts: pd.DataFrame) -> pd.DataFrame:
    """Mid-year estimates 2001-2007 summed over each unit's 2018-geography districts."""
    years = range(2001, 2008)
    cols = [f"population_{y}" for y in years]
    mye = _read(found, "myeb3", ["ladcode18", *cols]).set_index("ladcode18")
    codes = districts[["unit", "lad18_code"]].drop_duplicates()
    if codes["lad18_code"].duplicated().any():
        dup = sorted(codes.loc[codes["lad18_code"].duplicated(), "lad18_code"])
        raise ValueError(f"{FOUND['lookup']}: district code(s) in two units: {dup}")
    missing = sorted(set(codes["lad18_code"]) - set(mye.index))
    if missing:
        raise ValueError(f"{FOUND['myeb3']}: ladcode18 row(s) missing: {missing}")
    pop = mye.loc[codes["lad18_code"], cols].set_axis(codes["unit"]).groupby(level=0).sum()
    return pop.set_axis(list(years), axis=1).astype("int64")


def _area(found: Path, units: pd.DataFrame) -> pd.DataFrame:
    """Whole km² from MYE5 by unit code; Scilly added to Cornwall; Dorset units imputed."""
    mye5 = _read(found, "mye5", ["Code", "Area (sq km)"], thousands=",")
    km2 = mye5.set_index("Code")["Area (sq km)"].astype("int64")
    area = units["area_code"].map(km2)
    area[units["unit"] == SCILLY_HOST] += km2["E06000053"]
    imputed = {
        BOURNEMOUTH_GSS: BOURNEMOUTH_KM2,
        POOLE_GSS: km2[BCP_GSS] - BOURNEMOUTH_KM2 - CHRISTCHURCH_KM2,
        DORSET_CC_GSS: km2[DORSET_UA_GSS] + CHRISTCHURCH_KM2,
    }
    flag = units["area_code"].isin(list(imputed))
    if area[flag].notna().any() or area[~flag].isna().any():
        raise ValueError(
            f"{FOUND['mye5']}: expected a row for every unit except {sorted(imputed)}; "
            f"missing: {sorted(units.loc[area.isna() & ~flag, 'area_code'])}"
        )
    area[flag] = units.loc[flag, "area_code"].map(imputed)
    return pd.DataFrame({"area_sqkm": area.astype("int64"), "area_imputed": flag.astype("int64")})


def _norm(name: str) -> str:
    """Hansard and ONS spell district names differently ('&', ', City of')."""
    name = name.lower().replace("&", "and")
    for tail in (", city of", ", county of"):
        name = name.removesuffix(tail)
    return " ".join(name.split())


def _nrf(found: Path, districts: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Hansard decides where its alphabetical range reaches; deprivation rank fills the rest."""
    named: set[str] = set()
    for key in ("nrf_2003", "nrf_2001"):
        df = _read(found, key, [])
        named |= {_norm(n) for n in df.iloc[:, 0].dropna()}
    known = set(districts["lad07_name"].map(_norm))
    if named - known:
        raise ValueError(f"{FOUND['nrf_2003']}/{FOUND['nrf_2001']}: names matching no district: "
                         f"{sorted(named - known)}")
    # Both lists are alphabetical and complete from the first NRF name up to the last
    # readable one, so a unit whose districts all sort before it is fully covered.
    last = max(named)
    norm = districts["lad07_name"].map(_norm)
    by_unit = pd.DataFrame({"unit": districts["unit"], "named": norm.isin(named),
                            "covered": norm <= last}).groupby("unit").agg(
        named=("named", "any"), covered=("covered", "all"))
    u = units.set_index("unit")
    listed = by_unit["named"].reindex(u.index)
    decided = listed | by_unit["covered"].reindex(u.index)
    free = NRF_UNITS - int(listed.sum())
    if free < 0:
        raise ValueError(f"Hansard lists name {int(listed.sum())} units, more than {NRF_UNITS}")
    rest = u[~decided].sort_values(["deprivation", "area_code"], ascending=[False, True])
    nrf = listed.astype("int64")
    nrf[rest.index[:free]] = 1
    source = np.where(decided, "hansard_list", "deprivation_rank_proxy")
    return pd.DataFrame({"nrf_area": nrf, "nrf_source": source}, index=u.index)


def build_areas(found: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(areas table, mid-year estimates 2001-2007 by unit) from the found files."""
    found = Path(found)
    units = _units(found)
    districts = _districts(found, units)
    codes = districts.groupby("unit")["area_code"].agg(lambda s: set(s))
    if (codes.map(len) != 1).any():
        raise ValueError(f"{FOUND['lookup']}: unit(s) with several GSS codes: "
                         f"{sorted(codes.index[codes.map(len) != 1])}")
    units["area_code"] = units["unit"].map(codes.map(min))
    units["deprivation"] = units["unit"].map(_deprivation(found, districts))
    pop = _population(found, districts)
    units["population"] = units["unit"].map(pop[2001])
    units = pd.concat([units, _area(found, units)], axis=1)
    units["population_density"] = (units["population"] / units["area_sqkm"]).round(2)
    growth = 100 * (pop[GROWTH_TO] / pop[GROWTH_FROM] - 1)
    units["population_growth"] = units["unit"].map(growth).round(3)
    units = units.join(_nrf(found, districts, units), on="unit")
    areas = units.sort_values("area_code")[list(AREA_COLUMNS)].reset_index(drop=True)
    if areas.isna().any().any():
        bad = areas.columns[areas.isna().any()].tolist()
        raise ValueError(f"derived areas table has missing values in {bad}")
    mye = pop.rename(index=units.set_index("unit")["area_code"]).sort_index()
    return areas.astype(AREA_COLUMNS), mye


def table1_comparison(areas: pd.DataFrame, table1: pd.DataFrame) -> pd.DataFrame:
    """Our mean/sd/min/max beside Table 1's for the columns Table 1 reports."""
    pub = table1.set_index("variable")
    rows = []
    for col in prov.TABLE1_COLUMNS:
        x = areas[col].astype(float)
        rows.append({"variable": col, "n": len(x), "mean": x.mean(), "sd": x.std(ddof=1),
                     "min": x.min(), "max": x.max(), "published_mean": pub.at[col, "mean"],
                     "published_sd": pub.at[col, "sd"], "published_min": pub.at[col, "min"],
                     "published_max": pub.at[col, "max"]})
    return pd.DataFrame(rows)


def growth_candidates(mye: pd.DataFrame) -> pd.DataFrame:
    """Summary of each one-year % change 2001-2007 and the 2001-2007 annualised rate."""
    series = {f"{a}->{a + 1}": 100 * (mye[a + 1] / mye[a] - 1) for a in range(2001, 2007)}
    series["2001->2007 annualised"] = 100 * ((mye[2007] / mye[2001]) ** (1 / 6) - 1)
    return pd.DataFrame([{"definition": k, "mean": v.mean(), "sd": v.std(ddof=1),
                          "min": v.min(), "max": v.max()} for k, v in series.items()])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(data_dir: str | Path, names=PUBLIC_FILES) -> None:
    data_dir = Path(data_dir)
    lines = [f"{_sha256(data_dir / n)}  {n}\n" for n in sorted(names)]
    write_text("".join(lines), data_dir / MANIFEST_FILE)


def verify_manifest(data_dir: str | Path = "data", required=PUBLIC_FILES) -> None:
    """Raise ManifestError naming the first file that is missing or whose sha256 differs."""
    data_dir = Path(data_dir)
    manifest = data_dir / MANIFEST_FILE
    if not manifest.is_file():
        raise ManifestError(f"{manifest}: checksum manifest missing")
    listed = {}
    for i, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ManifestError(f"{manifest}:{i}: not '<sha256>  <file>': {line!r}")
        listed[name] = digest
    for name in required:
        if name not in listed:
            raise ManifestError(f"{manifest}: {name} is not listed")
    for name, digest in listed.items():
        path = data_dir / name
        if not path.is_file():
            raise ManifestError(f"{path}: listed in {manifest} but missing")
        if _sha256(path) != digest:
            raise ManifestError(
                f"{path}: sha256 {_sha256(path)} differs from {digest} in {manifest}; "
                "re-run data/prepare_public_data.py rather than editing data files"
            )


def load_public_areas(data_dir: str | Path = "data") -> pd.DataFrame:
    """data/areas.csv with its dtypes, after checking the manifest."""
    verify_manifest(data_dir)
    path = Path(data_dir) / AREAS_FILE
    df = pd.read_csv(path, dtype=AREA_COLUMNS, keep_default_na=False)
    if list(df.columns) != list(AREA_COLUMNS):
        raise ValueError(f"{path}: columns {list(df.columns)} != {list(AREA_COLUMNS)}")
    return df


def prepare_public_data(found: str | Path, table1: str | Path, out: str | Path) -> pd.DataFrame:
    """Write areas.csv, areas_columns.csv, SOURCES.md and MANIFEST.sha256 into `out`."""
    out = Path(out)
    areas, mye = build_areas(found)
    comparison = table1_comparison(areas, pd.read_csv(table1))
    columns = prov.columns_table()
    # Everything is rendered before the first write, so a failure leaves data/ untouched.
    texts = {
        AREAS_FILE: areas.to_csv(index=False, lineterminator="\n"),
        COLUMNS_FILE: columns.to_csv(index=False, lineterminator="\n"),
        SOURCES_FILE: prov.render_sources(areas, columns, comparison, growth_candidates(mye)),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        write_text(text, out / name)
    write_manifest(out)
    return comparison
