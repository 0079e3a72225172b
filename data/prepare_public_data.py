"""Derive data/areas.csv and its sources and manifest from the librarian's found files.

Usage (from the repository root):
    python data/prepare_public_data.py --found ../shared/data/found --out data/
Only this script reads ../shared; the workflow reads the committed outputs.
"""

import argparse
import sys
from pathlib import Path

from specverse.study.public_data import prepare_public_data


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--found", required=True, type=Path, help="directory of the found files")
    p.add_argument("--out", required=True, type=Path, help="output directory (data/)")
    p.add_argument("--table1", type=Path, default=None,
                   help="published Table 1 CSV (default: <found>/../../paper/table1_published.csv)")
    a = p.parse_args(argv)
    table1 = a.table1 or a.found / ".." / ".." / "paper" / "table1_published.csv"
    try:
        comparison = prepare_public_data(a.found, table1, a.out)
    except (OSError, ValueError, KeyError) as exc:
        print(f"prepare_public_data: {exc}", file=sys.stderr)
        return 1
    print(comparison.round(2).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
