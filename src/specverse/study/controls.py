"""The control sets of the multiverse: Table 2's control terms in their blocks, the groups
a config lists (full, leave_one_out, block_subsets, none, all_subsets) and the one name of
every set of controls.

Pure Python, like :mod:`.plan`, which enumerates specifications over these options.
"""

from __future__ import annotations

import functools
import itertools
from typing import Iterable

from .config_error import ConfigError

CONTROL_GROUPS = ("full", "leave_one_out", "block_subsets", "none", "all_subsets")

# Control blocks, in the order of Table 2; term names are those of table2_published.csv.
BLOCKS = {
    "deprivation": ("deprivation",),
    "diversity": ("age_diversity", "ethnic_diversity", "social_class_diversity"),
    "size": ("log_population", "log_population_density", "population_growth"),
    "funding": ("nrf_area",),
    "structure": ("london_borough", "metropolitan_borough", "county_council"),
}
CONTROL_TERMS = tuple(term for block in BLOCKS.values() for term in block)


def controls_options(groups: Iterable[str], keep_together: Iterable[str] = ()) -> list[str]:
    """Expand config control groups into option names, in a fixed canonical order.

    full, then drop_<term> for every Table 2 control, then blocks_<b1>_<b2>... for every
    non-empty proper subset of the five blocks (the empty set is `none`, the full set is
    `full`), then the other subsets of `all_subsets`, then none.  A set of controls has
    one name whichever group lists it, so groups never duplicate a specification.

    all_subsets is every subset of the control terms (2^11 = 2,048); the blocks named in
    ``keep_together`` enter or leave whole (e.g. the three authority-type dummies).
    """
    groups = set(groups)
    unknown = groups - set(CONTROL_GROUPS)
    if unknown:
        raise ConfigError(f"multiverse.controls: unknown option(s) {sorted(unknown)}; allowed: {list(CONTROL_GROUPS)}")
    together = set(keep_together)
    if together - set(BLOCKS):
        raise ConfigError(f"multiverse.keep_together: unknown block(s) {sorted(together - set(BLOCKS))}; allowed: {list(BLOCKS)}")
    if together and "all_subsets" not in groups:
        raise ConfigError("multiverse.keep_together applies to controls: all_subsets, which multiverse.controls does not list")
    out: list[str] = []
    if groups & {"full", "all_subsets"}:
        out.append("full")
    if "leave_one_out" in groups or "all_subsets" in groups:
        out.extend(f"drop_{term}" for term in CONTROL_TERMS if not _in_kept_block(term, together)
                   or len(_block_of(term)) == 1)
    if groups & {"block_subsets", "all_subsets"}:
        names = list(BLOCKS)
        for size in range(1, len(names)):
            out.extend("blocks_" + "_".join(combo) for combo in itertools.combinations(names, size))
    if "all_subsets" in groups:
        out.extend(subset_option(terms) for terms in _all_subsets(together) if terms)
    if groups & {"none", "all_subsets"}:
        out.append("none")
    # One name per set of controls, the first listed: dropping a one-term block's term is
    # also the union of the other blocks (drop_deprivation = blocks_diversity_..._structure).
    seen: dict[frozenset, str] = {}
    for option in out:
        seen.setdefault(frozenset(control_terms(option)), option)
    return list(seen.values())


def subset_option(terms: Iterable[str]) -> str:
    """The name of any set of control terms: ``subset_<mask>``, bit i for CONTROL_TERMS[i]
    (three hex digits: ``subset_7ff`` is every control, ``subset_001`` deprivation alone)."""
    mask = sum(1 << CONTROL_TERMS.index(t) for t in set(terms))
    return f"subset_{mask:03x}"


def _block_of(term: str) -> tuple[str, ...]:
    return next(block for block in BLOCKS.values() if term in block)


def _in_kept_block(term: str, together: set[str]) -> bool:
    return any(term in BLOCKS[b] for b in together)


def _all_subsets(together: set[str]) -> list[tuple[str, ...]]:
    """Every subset of the control terms, kept blocks as single units; largest first, then
    by mask, so that the enumeration never depends on anything but the declaration."""
    units = [BLOCKS[b] for b in BLOCKS if b in together] + [(t,) for t in CONTROL_TERMS if not _in_kept_block(t, together)]
    subsets = [tuple(t for u, on in zip(units, flags) if on for t in u)
               for flags in itertools.product((True, False), repeat=len(units))]
    subsets = [tuple(t for t in CONTROL_TERMS if t in s) for s in subsets]
    return sorted(subsets, key=lambda s: (-len(s), subset_option(s)))


@functools.lru_cache(maxsize=None)  # a pure function of the name, called per model
def control_terms(option: str) -> tuple[str, ...]:
    """The Table 2 control terms a controls option names (before any sample-specific drop)."""
    if option == "full":
        return CONTROL_TERMS
    if option == "none":
        return ()
    if option.startswith("drop_"):
        dropped = option[len("drop_") :]
        if dropped not in CONTROL_TERMS:
            raise ConfigError(f"controls option {option!r}: {dropped!r} is not a control term")
        return tuple(t for t in CONTROL_TERMS if t != dropped)
    if option.startswith("blocks_"):
        chosen = option[len("blocks_") :].split("_")
        if not chosen or any(b not in BLOCKS for b in chosen):
            raise ConfigError(f"controls option {option!r}: blocks must be among {list(BLOCKS)}")
        return tuple(t for b in BLOCKS if b in chosen for t in BLOCKS[b])
    if option.startswith("subset_"):
        try:
            mask = int(option[len("subset_") :], 16)
        except ValueError:
            mask = -1
        if not 0 <= mask < 1 << len(CONTROL_TERMS) or option != f"subset_{mask:03x}":
            raise ConfigError(f"controls option {option!r}: expected subset_<3 hex digits> below {1 << len(CONTROL_TERMS):x}")
        return tuple(t for i, t in enumerate(CONTROL_TERMS) if mask >> i & 1)
    raise ConfigError(f"unknown controls option {option!r}")


def dropped_term(option: str) -> str | None:
    return option[len("drop_") :] if option.startswith("drop_") else None
