"""Benchmark of recommendation relevance: do students' own words find the right pathways?

Run: ``.venv/bin/python tests/benchmarks/bench_relevance.py`` from the repository root
(``make bench`` runs it; ``-v`` prints every sentence with its first offerings and
reasons). Not a pytest module.

The catalog is the demo county's, built as ``seed-demo`` plans it (same seed, same
generator) without a database: the published offerings of the plan, turned into the
matching library's ``Offering`` as ``wbl.catalog.adapters`` does, with the reference
pathways and sectors of ``wbl/reference/defaults.py``. The student lives in Santa Rosa,
drives, travels up to 30 miles, is in grade 11 and 16 years old, has done nothing yet, and
has chosen no pathway: only the interests differ. Each sentence of
``relevance_sentences.txt`` is labelled with the pathways that should appear;
``relevance_holdout.txt`` holds more, written after the concept vocabulary and never used
to tune it, reported apart.

Figures: for the labelled sentences, the share whose top 1 / 3 / 10 holds an offering of
the right *sector* (the sector of a labelled pathway; the issue's measure) and of a right
*pathway*, and the mean reciprocal rank of the first right-sector offering (0 when none is
in the top 10).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from slugify import slugify

import matching
from wbl.catalog.models import OfferingStatus
from wbl.demo import services as demo
from wbl.reference import defaults

SENTENCES = Path(__file__).with_name("relevance_sentences.txt")
HOLDOUT = Path(__file__).with_name("relevance_holdout.txt")
SANTA_ROSA = (38.4404, -122.7141)
SEED = 2026  # seed-demo's default


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    pathways: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    offerings: list[matching.Offering]
    pathway_names: dict[int, str]
    pathway_sectors: dict[int, int]
    sector_names: dict[int, str]


def reference() -> tuple[demo._Reference, dict[int, str], dict[int, int], dict[int, str]]:
    """The reference rows ``seed_reference`` writes, with ids in its order."""
    sectors, pathway_names, sector_ids, pathway_ids = [], {}, {}, {}
    names_by_id: dict[int, str] = {}
    sector_of: dict[int, int] = {}
    sector_names: dict[int, str] = {}
    for s_id, (code, name, pathways) in enumerate(defaults.SECTORS, start=1):
        sector_ids[code] = s_id
        sector_names[s_id] = name
        codes = []
        for pathway in pathways:
            p_code = f"{code}.{slugify(pathway, separator='_')}"
            p_id = len(pathway_ids) + 1
            pathway_ids[p_code] = p_id
            pathway_names[p_code] = pathway
            names_by_id[p_id] = pathway
            sector_of[p_id] = s_id
            codes.append(p_code)
        sectors.append((code, tuple(codes)))
    outcomes = tuple(code for code, _, _ in defaults.POG_OUTCOMES)
    activities = tuple(code for code, _, _ in defaults.PREPARATORY_ACTIVITIES)
    ref = demo._Reference(
        sectors=tuple(sectors),
        pathway_names=pathway_names,
        outcomes=outcomes,
        activities=activities,
        sector_ids=sector_ids,
        pathway_ids=pathway_ids,
        outcome_ids={c: i for i, c in enumerate(outcomes, start=1)},
        activity_ids={c: i for i, c in enumerate(activities, start=1)},
    )
    return ref, names_by_id, sector_of, sector_names


def demo_catalog() -> Catalog:
    """The demo county's published offerings, as the app hands them to the index."""
    ref, pathway_names, pathway_sectors, sector_names = reference()
    plan = demo._make_plan(random.Random(SEED), ref)  # the demo county: seed-demo's generator
    offerings = []
    for number, planned in enumerate(plan.offerings, start=1):
        v = planned.values
        if v["status"] != OfferingStatus.PUBLISHED:
            continue
        partner = plan.partners[planned.partner]
        offerings.append(
            matching.Offering(
                id=number,
                type=v["kind"].value,
                title=v["title"],
                text=" ".join((v["title"], v["description"], v["skills"])),
                partner_name=partner.values["name"],
                pathway_ids=frozenset(ref.pathway_ids[c] for c in planned.pathways),
                sector_id=ref.sector_ids[partner.sector],
                latitude=v["latitude"],
                longitude=v["longitude"],
                virtual=v["is_virtual"],
                seats_left=v["capacity"] - v["seats_taken"],
                start_date=v["start_date"],
                end_date=v["end_date"],
                application_deadline=v["application_deadline"],
                minimum_age=v["minimum_age"],
                min_grade=v["min_grade"],
                prerequisites=frozenset(planned.prerequisites),
            )
        )
    return Catalog(offerings, pathway_names, pathway_sectors, sector_names)


def read_cases(path: Path, known: set[str]) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        text, _, labels = line.partition("|")
        pathways = tuple(p.strip() for p in labels.split(";") if p.strip())
        unknown = set(pathways) - known
        if unknown:
            raise SystemExit(f"{path.name}:{number}: unknown pathway(s) {sorted(unknown)}")
        cases.append(Case(text.strip(), pathways))
    return cases


def student(text: str, today: date, number: int) -> matching.Student:
    return matching.Student(
        id=number,
        grade=11,
        interests=text,
        latitude=SANTA_ROSA[0],
        longitude=SANTA_ROSA[1],
        max_travel_miles=30.0,
        transportation="car",
        date_of_birth=date(today.year - 16, 1, 15),
    )


def evaluate(
    title: str, cases: list[Case], index: matching.OfferingIndex, catalog: Catalog, verbose: bool
) -> None:
    """Run every sentence, print the table of hits and the sentences missed."""
    today = index.today
    by_name = {name: p for p, name in catalog.pathway_names.items()}
    offerings = {o.id: o for o in catalog.offerings}
    scored = [c for c in cases if c.pathways]
    sector_hits = {1: 0, 3: 0, 10: 0}
    pathway_hits = {1: 0, 3: 0, 10: 0}
    reciprocal = 0.0
    misses: list[str] = []
    started = time.perf_counter()
    for number, case in enumerate(cases, start=1):
        recs = index.recommend(student(case.text, today, number), k=10)
        if not case.pathways:
            if verbose:
                print(f"\n(fits nothing) {case.text!r}: {[r.reasons[:1] for r in recs[:3]]}")
            continue
        wanted = {by_name[p] for p in case.pathways}
        sectors = {catalog.pathway_sectors[p] for p in wanted}
        sector_ranks = [
            i for i, r in enumerate(recs, 1) if offerings[r.offering_id].sector_id in sectors
        ]
        pathway_ranks = [
            i for i, r in enumerate(recs, 1) if offerings[r.offering_id].pathway_ids & wanted
        ]
        for k in sector_hits:
            sector_hits[k] += bool(sector_ranks and sector_ranks[0] <= k)
            pathway_hits[k] += bool(pathway_ranks and pathway_ranks[0] <= k)
        reciprocal += 1.0 / sector_ranks[0] if sector_ranks else 0.0
        if not sector_ranks or sector_ranks[0] > 3:
            misses.append(f"{case.text!r} (first right sector: {sector_ranks[:1] or 'none'})")
        if verbose:
            print(f"\n{case.text!r} -> {', '.join(case.pathways)}")
            for i, r in enumerate(recs[:3], 1):
                o = offerings[r.offering_id]
                mark = "+" if o.sector_id in sectors else " "
                name = catalog.sector_names[o.sector_id or 0]
                print(f"  {mark}{i}. {o.title} [{name}] {r.score:.3f}")
                print(f"       {' / '.join(r.reasons[:2])}")
    elapsed = time.perf_counter() - started

    n = len(scored)
    print(
        f"\n{title}: {n} labelled sentences (+{len(cases) - n} that fit nothing), "
        f"{elapsed / len(cases) * 1000:.2f} ms a recommendation"
    )
    print("| measure | top 1 | top 3 | top 10 |")
    print("| --- | --- | --- | --- |")
    for label, hits in (("right sector", sector_hits), ("right pathway", pathway_hits)):
        cells = " | ".join(f"{hits[k] / n:.0%} ({hits[k]})" for k in (1, 3, 10))
        print(f"| {label} | {cells} |")
    print(f"Mean reciprocal rank (right sector, top 10): {reciprocal / n:.3f}")
    if misses:
        print(f"Not in the top 3 ({len(misses)}):")
        for miss in misses:
            print(f"  {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print every sentence")
    args = parser.parse_args()

    catalog = demo_catalog()
    builds = []
    for _ in range(2):  # the first pays for imports and what a process loads once
        started = time.perf_counter()
        index = matching.OfferingIndex(
            catalog.offerings,
            pathway_names=catalog.pathway_names,
            pathway_sectors=catalog.pathway_sectors,
            sector_names=catalog.sector_names,
            today=demo.ANCHOR,
        )
        builds.append(time.perf_counter() - started)
    print(
        f"Recommendation relevance on the demo catalog ({len(catalog.offerings)} published "
        f"offerings; index built in {builds[0]:.2f} s in a new process, then {builds[1]:.2f} s)"
    )
    known = set(catalog.pathway_names.values())
    evaluate("Benchmark sentences", read_cases(SENTENCES, known), index, catalog, args.verbose)
    evaluate("Held-out sentences", read_cases(HOLDOUT, known), index, catalog, args.verbose)


if __name__ == "__main__":
    main()
