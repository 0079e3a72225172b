"""Atomic writes and the table formats every layer reads and writes.

A reader (a later rule, the report, a user) must never see half a file: each writer
writes a temporary file beside the target and renames it only when complete, so a
crash or an interrupted job leaves the previous file or none.  Files are made
world-readable (mkstemp makes 0600; the report and browsers must read them).
A SIGKILL mid-write leaves the temporary behind; the next write of the same target
removes such leftovers (one job writes a target at a time, so none is in use).
"""

from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    ``suffix`` lets writers that infer the format from the extension (matplotlib,
    parquet) see the right one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    os.chmod(tmp, 0o644)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def remove_stale_temporaries(path: Path) -> None:
    """Delete ``.<name>.<8 random chars>[.ext]`` beside ``path``: what a killed write left.

    The pattern is exact so that another target's temporary (``.name.gz.…`` beside
    ``name``) is never touched.
    """
    stale = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}(\.[A-Za-z0-9]+)?")
    for sibling in path.parent.glob(f".{glob.escape(path.name)}.*"):
        if stale.fullmatch(sibling.name):
            sibling.unlink(missing_ok=True)


ARROW_CSV_ROWS = 10_000


def write_csv(df: pd.DataFrame, path, **to_csv) -> None:
    """CSV without the index, floats in shortest round-trip form.

    Large tables (ARROW_CSV_ROWS rows or more: the specification and model tables) go
    through Arrow's CSV writer, about 10x faster than ``DataFrame.to_csv`` on the
    specification table and read back to the bit (strings quoted, booleans lower-case,
    whole floats without ".0"); pandas writes the small ones, what Arrow cannot type
    (mixed-type object columns) and whatever is given ``to_csv`` options.
    """
    with atomic_path(path, ".csv") as tmp:
        if not to_csv and len(df) >= ARROW_CSV_ROWS:
            try:
                table = pa.Table.from_pandas(df, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                table = None
            if table is not None:
                pa_csv.write_csv(table, tmp, pa_csv.WriteOptions(quoting_style="needed"))
                return
        df.to_csv(tmp, index=False, **to_csv)


def write_parquet(df: pd.DataFrame, path) -> None:
    with atomic_path(path, ".parquet") as tmp:
        df.to_parquet(tmp, index=False)


@contextlib.contextmanager
def table_stream(path, fmt: str = "parquet"):
    """Yield ``write(df)``, which appends a frame to one file (a Parquet row group, or CSV
    rows under one header); the file appears, atomically, only when the block completes.
    For a table written in chunks, so that no more than a chunk is ever in memory."""
    with atomic_path(path, f".{fmt}") as tmp:
        state = {"writer": None, "frames": 0}

        def write(df: pd.DataFrame) -> None:
            if fmt == "parquet":
                table = pa.Table.from_pandas(df, preserve_index=False)
                if state["writer"] is None:
                    state["writer"] = pq.ParquetWriter(tmp, table.schema)
                state["writer"].write_table(table.cast(state["writer"].schema))
            else:
                df.to_csv(tmp, index=False, header=state["frames"] == 0, mode="w" if state["frames"] == 0 else "a")
            state["frames"] += 1

        try:
            yield write
        finally:
            if state["writer"] is not None:
                state["writer"].close()
        if state["frames"] == 0:
            raise ValueError(f"{path}: no rows were written")


def write_text(text: str, path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_json(obj, path) -> None:
    """Indented JSON; non-finite floats become null (JSON has no NaN)."""
    write_text(json.dumps(finite(obj), indent=2) + "\n", path)


def finite(obj):
    """``obj`` with every non-finite float replaced by None, recursively."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def read_table(path) -> pd.DataFrame:
    """A table written by this package: parquet or CSV by extension."""
    path = Path(path)
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
