"""The committed per-unit public figures (data/) and their preparation and manifest."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from specverse.study import public_data as pdat
from specverse.study.public_provenance import PROVENANCES

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
FOUND = REPO.parent / "shared" / "data" / "found"
TABLE1 = REPO.parent / "shared" / "paper" / "table1_published.csv"
needs_found = pytest.mark.skipif(
    not FOUND.is_dir(), reason=f"found files not present at {FOUND} (CI has them at ../shared)"
)
PAPER_NAMED = ["Barking and Dagenham", "Newham", "Bournemouth", "Southend-on-Sea", "Peterborough",
               "Camden", "Rochdale", "Sandwell", "Knowsley", "East Sussex"]


@pytest.fixture(scope="module")
def areas():
    return pdat.load_public_areas(DATA)


def test_units_and_counts_by_type(areas):
    assert len(areas) == 150
    assert areas["la_type"].value_counts().to_dict() == pdat.EXPECTED_COUNTS
    assert areas["area_code"].is_unique
    assert areas["area_code"].tolist() == sorted(areas["area_code"])
    assert areas["area_code"].str.fullmatch(r"E(06|08|09|10)\d{6}").all()
    assert "City of London" not in set(areas["area_name"])
    assert not areas["area_name"].str.contains(r" (?:LB|MD|UA|CC)$|&|Towns$|[^,] City of$").any()


def test_ni1_2008_reproduces_table1_exactly(areas):
    x = areas["ni1_2008"]
    got = [round(v, 2) for v in (x.mean(), x.std(ddof=1), x.min(), x.max())]
    assert got == [75.16, 6.60, 49.10, 87.60]


def test_known_names_present(areas):
    names = set(areas["area_name"])
    assert set(PAPER_NAMED) <= names
    assert {"Medway", "Westminster", "Bristol, City of", "Kingston upon Hull, City of",
            "Cheshire West and Chester"} <= names


def test_dtypes_and_no_missing(areas):
    assert list(areas.columns) == list(pdat.AREA_COLUMNS)
    for col in ("population", "area_sqkm", "area_imputed", "nrf_area"):
        assert areas[col].dtype == np.int64, col
    for col in ("ni1_2008", "deprivation", "population_density", "population_growth"):
        assert areas[col].dtype == np.float64, col
    assert not areas.isna().any().any()
    assert (areas["population"] > 0).all() and (areas["area_sqkm"] > 0).all()


def test_every_column_has_valid_provenance(areas):
    cols = pd.read_csv(DATA / pdat.COLUMNS_FILE)
    assert cols["column"].tolist() == list(areas.columns)
    assert cols["provenance"].isin(PROVENANCES).all()
    for field in ("definition", "unit", "publisher", "original", "location", "licence", "source"):
        assert cols[field].fillna("").str.strip().ne("").all(), field
    prov = cols.set_index("column")["provenance"]
    assert prov[["ni1_2008", "la_type"]].eq("observed").all()
    assert prov[["deprivation", "population", "population_density", "population_growth"]].eq(
        "approximate").all()
    assert prov["nrf_area"] == "proxy"


def test_area_imputation_and_density(areas):
    flagged = areas.loc[areas["area_imputed"] == 1, "area_name"]
    assert sorted(flagged) == ["Bournemouth", "Dorset", "Poole"]
    np.testing.assert_allclose(areas["population_density"],
                               areas["population"] / areas["area_sqkm"], atol=0.005)


def test_nrf_proxy_rule(areas):
    assert areas["nrf_area"].sum() == pdat.NRF_UNITS
    assert round(areas["nrf_area"].mean(), 2) == 0.47
    assert set(areas["nrf_source"]) == {"hansard_list", "deprivation_rank_proxy"}
    by_name = areas.set_index("area_name")
    # Named directly, or through a district: Kerrier (Cornwall), Hastings (East Sussex).
    for name in ("Hackney", "Barking and Dagenham", "Cornwall", "East Sussex", "County Durham"):
        assert by_name.at[name, "nrf_area"] == 1 and by_name.at[name, "nrf_source"] == "hansard_list"
    # Inside the lists' alphabetical range but absent.
    assert by_name.at["Bromley", "nrf_area"] == 0
    proxy = areas[areas["nrf_source"] == "deprivation_rank_proxy"]
    assert proxy.loc[proxy["nrf_area"] == 1, "deprivation"].min() >= proxy.loc[
        proxy["nrf_area"] == 0, "deprivation"].max()


def _copy_data(tmp_path):
    for name in (*pdat.PUBLIC_FILES, pdat.MANIFEST_FILE):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def test_manifest_verifies_committed_data():
    pdat.verify_manifest(DATA)


def test_manifest_rejects_tampered_file(tmp_path):
    d = _copy_data(tmp_path)
    pdat.verify_manifest(d)
    text = (d / "areas.csv").read_text().replace("72.6", "72.7", 1)
    (d / "areas.csv").write_text(text)
    with pytest.raises(pdat.ManifestError, match=r"areas\.csv.*differs"):
        pdat.verify_manifest(d)
    with pytest.raises(pdat.ManifestError, match=r"areas\.csv"):
        pdat.load_public_areas(d)


def test_manifest_rejects_missing_file_and_missing_entry(tmp_path):
    d = _copy_data(tmp_path)
    (d / "areas_columns.csv").unlink()
    with pytest.raises(pdat.ManifestError, match=r"areas_columns\.csv.*missing"):
        pdat.verify_manifest(d)
    d2 = tmp_path / "unlisted"
    _copy_data(d2.mkdir() or d2)
    lines = (d2 / pdat.MANIFEST_FILE).read_text().splitlines(keepends=True)
    (d2 / pdat.MANIFEST_FILE).write_text("".join(x for x in lines if "areas.csv" not in x))
    with pytest.raises(pdat.ManifestError, match=r"areas\.csv is not listed"):
        pdat.verify_manifest(d2)
    (d2 / pdat.MANIFEST_FILE).unlink()
    with pytest.raises(pdat.ManifestError, match="manifest missing"):
        pdat.verify_manifest(d2)


@needs_found
def test_preparation_reproduces_committed_data_byte_identically(tmp_path):
    out = tmp_path / "data"
    run = subprocess.run(
        [sys.executable, str(DATA / "prepare_public_data.py"), "--found", str(FOUND),
         "--out", str(out), "--table1", str(TABLE1)],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    for name in (*pdat.PUBLIC_FILES, pdat.SOURCES_FILE, pdat.MANIFEST_FILE):
        assert (out / name).read_bytes() == (DATA / name).read_bytes(), name


@needs_found
def test_figures_agree_with_librarian_cross_checks(areas):
    """Independent figures from found/: the librarian's unit sums and IMD summary."""
    mye = pd.read_csv(FOUND / "mye_2001_2010_150units_DERIVED.csv").set_index("unit_gss_code")
    a = areas.set_index("area_code")
    assert (a["population"] == mye.loc[a.index, "mye_2001"]).all()
    growth = 100 * (mye["mye_2005"] / mye["mye_2004"] - 1)
    np.testing.assert_allclose(a["population_growth"], growth[a.index], atol=5e-4)
    known = mye["area_sqkm_mye5_int"].dropna()
    assert (a.loc[known.index, "area_sqkm"] == known).all()
    # found/SOURCES.md: unweighted LSOA means give 23.41, min 5.37 Wokingham, max 47.39 Liverpool.
    dep = a.set_index("area_name")["deprivation"]
    assert round(dep.mean(), 2) == 23.41
    assert (dep.idxmin(), round(dep.min(), 2)) == ("Wokingham", 5.37)
    assert (dep.idxmax(), round(dep.max(), 2)) == ("Liverpool", 47.39)


@needs_found
def test_bad_found_file_gives_clear_error(tmp_path):
    found = tmp_path / "found"
    found.mkdir()
    for name in pdat.FOUND.values():
        shutil.copy(FOUND / name, found / name)
    ps = pd.read_csv(found / pdat.FOUND["place_survey"], encoding="utf-8-sig")
    ps.drop(columns="Get_On_Well").to_csv(found / pdat.FOUND["place_survey"], index=False)
    with pytest.raises(ValueError, match=r"place_survey_2008\.csv.*Get_On_Well"):
        pdat.prepare_public_data(found, TABLE1, tmp_path / "out")
    assert not (tmp_path / "out" / pdat.AREAS_FILE).exists()
