"""Benchmark of the matching engine against its performance targets.

Run: ``.venv/bin/python tests/benchmarks/bench_matching.py`` from the repository root.
Not a pytest module (pytest collects ``test_*.py`` only). The synthetic data are
deterministic (numpy ``default_rng`` with fixed seeds): California CTE sectors and
pathways, a sector vocabulary for offering and interest texts, and Sonoma County-like
coordinates (lat 38.2-38.8, lon -123.1 to -122.4).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from matching import (
    EXPERIENCE_TYPES,
    Offering,
    OfferingIndex,
    Student,
    allocate,
)

TODAY = date(2025, 3, 1)

# sector name -> (pathways, vocabulary)
SECTORS: dict[str, tuple[list[str], list[str]]] = {
    "Agriculture and Natural Resources": (
        [
            "Agricultural Business",
            "Agricultural Mechanics",
            "Animal Science",
            "Forestry and Natural Resources",
            "Ornamental Horticulture",
            "Plant and Soil Science",
        ],
        [
            "farm",
            "vineyard",
            "winery",
            "cattle",
            "dairy",
            "tractor",
            "irrigation",
            "soil",
            "crops",
            "livestock",
            "veterinary",
            "forestry",
            "greenhouse",
            "nursery",
            "orchard",
            "harvest",
            "agronomy",
        ],
    ),
    "Arts, Media, and Entertainment": (
        [
            "Design, Visual, and Media Arts",
            "Game Design and Integration",
            "Performing Arts",
            "Production and Managerial Arts",
        ],
        [
            "film",
            "video",
            "photography",
            "theater",
            "music",
            "animation",
            "illustration",
            "editing",
            "studio",
            "broadcast",
            "stage",
            "lighting",
            "sound",
            "design",
            "podcast",
        ],
    ),
    "Building and Construction Trades": (
        [
            "Cabinetry, Millwork, and Woodworking",
            "Engineering and Heavy Construction",
            "Mechanical Systems Installation and Repair",
            "Residential and Commercial Construction",
        ],
        [
            "carpentry",
            "framing",
            "plumbing",
            "electrical",
            "hvac",
            "concrete",
            "roofing",
            "drywall",
            "blueprint",
            "woodworking",
            "cabinets",
            "excavation",
            "contractor",
            "jobsite",
        ],
    ),
    "Business and Finance": (
        ["Business Management", "Financial Services", "International Business"],
        [
            "accounting",
            "bookkeeping",
            "banking",
            "budget",
            "finance",
            "investment",
            "payroll",
            "spreadsheet",
            "management",
            "audit",
            "tax",
            "credit",
            "union",
            "insurance",
        ],
    ),
    "Education, Child Development, and Family Services": (
        ["Child Development", "Consumer Services", "Education", "Family and Human Services"],
        [
            "teaching",
            "classroom",
            "tutoring",
            "preschool",
            "childcare",
            "lesson",
            "curriculum",
            "mentoring",
            "counseling",
            "family",
            "youth",
            "literacy",
        ],
    ),
    "Energy, Environment, and Utilities": (
        ["Environmental Resources", "Energy and Power Technologies", "Telecommunications"],
        [
            "solar",
            "wind",
            "utility",
            "grid",
            "recycling",
            "water",
            "wastewater",
            "conservation",
            "energy",
            "emissions",
            "battery",
            "electric",
            "watershed",
        ],
    ),
    "Engineering and Architecture": (
        [
            "Architectural Design",
            "Engineering Design",
            "Engineering Technology",
            "Environmental Engineering",
        ],
        [
            "cad",
            "drafting",
            "architecture",
            "surveying",
            "prototype",
            "robotics",
            "circuits",
            "mechanical",
            "civil",
            "structural",
            "drawings",
            "modeling",
        ],
    ),
    "Fashion and Interior Design": (
        ["Fashion Design and Merchandising", "Interior Design", "Personal Services"],
        [
            "fashion",
            "sewing",
            "textiles",
            "merchandising",
            "retail",
            "styling",
            "interior",
            "decor",
            "cosmetology",
            "salon",
            "apparel",
            "boutique",
        ],
    ),
    "Health Science and Medical Technology": (
        [
            "Biotechnology",
            "Healthcare Administrative Services",
            "Healthcare Operational Support Services",
            "Mental and Behavioral Health",
            "Patient Care",
            "Public and Community Health",
        ],
        [
            "nurse",
            "nursing",
            "patient",
            "hospital",
            "clinic",
            "medical",
            "dental",
            "pharmacy",
            "physical",
            "therapy",
            "laboratory",
            "anatomy",
            "emt",
            "vitals",
            "records",
        ],
    ),
    "Hospitality, Tourism, and Recreation": (
        [
            "Food Science, Dietetics, and Nutrition",
            "Food Service and Hospitality",
            "Hospitality, Tourism, and Recreation",
        ],
        [
            "restaurant",
            "kitchen",
            "chef",
            "culinary",
            "hotel",
            "tourism",
            "events",
            "catering",
            "baking",
            "nutrition",
            "recreation",
            "park",
            "guest",
        ],
    ),
    "Information and Communication Technologies": (
        [
            "Information Support and Services",
            "Networking",
            "Software and Systems Development",
            "Games and Simulation",
        ],
        [
            "software",
            "programming",
            "python",
            "coding",
            "web",
            "network",
            "cybersecurity",
            "database",
            "cloud",
            "helpdesk",
            "computers",
            "apps",
            "data",
        ],
    ),
    "Manufacturing and Product Development": (
        [
            "Graphic Production Technologies",
            "Machining and Forming Technologies",
            "Welding and Materials Joining",
            "Product Innovation and Design",
        ],
        [
            "welding",
            "machining",
            "cnc",
            "fabrication",
            "assembly",
            "printing",
            "manufacturing",
            "quality",
            "production",
            "metal",
            "plant",
            "lean",
        ],
    ),
    "Marketing, Sales, and Services": (
        ["Entrepreneurship", "Marketing", "Professional Sales"],
        [
            "marketing",
            "sales",
            "advertising",
            "social",
            "media",
            "branding",
            "customer",
            "startup",
            "retail",
            "campaign",
            "entrepreneur",
            "ecommerce",
        ],
    ),
    "Public Services": (
        ["Emergency Response", "Legal Practices", "Public Safety"],
        [
            "firefighter",
            "police",
            "law",
            "court",
            "legal",
            "paralegal",
            "emergency",
            "dispatch",
            "government",
            "city",
            "council",
            "safety",
            "rescue",
        ],
    ),
    "Transportation": (
        ["Operations", "Structural Repair and Refinishing", "Systems Diagnostics and Service"],
        [
            "automotive",
            "mechanic",
            "diesel",
            "engine",
            "brakes",
            "collision",
            "aviation",
            "logistics",
            "transit",
            "fleet",
            "diagnostics",
            "tires",
        ],
    ),
}
GENERIC = [
    "teamwork",
    "communication",
    "problem",
    "solving",
    "customer",
    "service",
    "leadership",
    "schedule",
    "professional",
    "workplace",
    "skills",
    "career",
    "hands",
    "learn",
    "project",
]
PREREQS = ["career_interest_survey", "resume_workshop", "mock_interview", "safety_orientation"]
SLOTS = ["school_day", "after_school", "weekends", "summer"]


def catalog_names() -> tuple[dict[int, str], dict[int, str], dict[int, int]]:
    """Pathway names, sector names and pathway -> sector, with dense ids."""
    pathway_names: dict[int, str] = {}
    sector_names: dict[int, str] = {}
    pathway_sectors: dict[int, int] = {}
    for s_id, (sector, (pathways, _)) in enumerate(SECTORS.items(), start=1):
        sector_names[s_id] = sector
        for name in pathways:
            p_id = len(pathway_names) + 1
            pathway_names[p_id] = name
            pathway_sectors[p_id] = s_id
    return pathway_names, sector_names, pathway_sectors


def make_offerings(n: int, seed: int = 1) -> list[Offering]:
    """A catalog of ``n`` offerings: mostly in person, some virtual, some closed."""
    rng = np.random.default_rng(seed)
    pathway_names, _, pathway_sectors = catalog_names()
    sector_vocab = [vocab for _, vocab in SECTORS.values()]
    types = np.array(EXPERIENCE_TYPES)
    out: list[Offering] = []
    for i in range(n):
        pathway = int(rng.integers(1, len(pathway_names) + 1))
        sector = pathway_sectors[pathway]
        vocab = sector_vocab[sector - 1]
        kind = str(rng.choice(types, p=[0.15, 0.15, 0.3, 0.15, 0.25]))
        words = list(rng.choice(vocab, size=8)) + list(rng.choice(GENERIC, size=4))
        title = f"{pathway_names[pathway]} {kind.replace('_', ' ')}"
        start = TODAY + timedelta(days=int(rng.integers(-20, 200)))
        virtual = bool(rng.random() < 0.1)
        located = not virtual and rng.random() > 0.05
        out.append(
            Offering(
                id=i + 1,
                type=kind,
                title=title,
                text=f"{title}. {' '.join(words)}",
                partner_name=f"Partner {i % 400}",
                pathway_ids=frozenset({pathway}),
                sector_id=sector,
                latitude=float(rng.uniform(38.2, 38.8)) if located else None,
                longitude=float(rng.uniform(-123.1, -122.4)) if located else None,
                virtual=virtual,
                seats_left=int(rng.integers(0, 6)) if rng.random() < 0.9 else 0,
                start_date=start,
                end_date=start + timedelta(days=int(rng.integers(0, 60))),
                application_deadline=start - timedelta(days=int(rng.integers(0, 30))),
                minimum_age=16 if kind == "internship" and rng.random() < 0.5 else None,
                min_grade=11 if kind in {"internship", "work_based_project"} else None,
                prerequisites=frozenset(rng.choice(PREREQS, size=2, replace=False).tolist())
                if kind == "internship"
                else frozenset(),
                schedule=frozenset(rng.choice(SLOTS, size=int(rng.integers(1, 3))).tolist()),
            )
        )
    return out


def make_students(n: int, seed: int = 2) -> list[Student]:
    """``n`` students with free-text interests drawn from one or two sectors."""
    rng = np.random.default_rng(seed)
    pathway_names, _, pathway_sectors = catalog_names()
    sector_vocab = [vocab for _, vocab in SECTORS.values()]
    transports = np.array(["car", "car", "transit", "walk_bike", "none"])
    out: list[Student] = []
    for i in range(n):
        pathway = int(rng.integers(1, len(pathway_names) + 1))
        vocab = sector_vocab[pathway_sectors[pathway] - 1]
        other = sector_vocab[int(rng.integers(0, len(sector_vocab)))]
        interests = " ".join([*rng.choice(vocab, size=4), *rng.choice(other, size=2)])
        grade = int(rng.integers(9, 13))
        done = frozenset(str(t) for t in rng.choice(EXPERIENCE_TYPES, size=int(rng.integers(0, 3))))
        out.append(
            Student(
                id=i + 1,
                grade=grade,
                interests=f"I am interested in {interests}",
                pathway_ids=frozenset({pathway}) if rng.random() < 0.85 else frozenset(),
                latitude=float(rng.uniform(38.2, 38.8)),
                longitude=float(rng.uniform(-123.1, -122.4)),
                max_travel_miles=float(rng.choice([5.0, 10.0, 20.0, 30.0])),
                transportation=str(rng.choice(transports)),
                date_of_birth=date(2025 - 6 - grade, int(rng.integers(1, 13)), 15),
                completed_prerequisites=frozenset(
                    rng.choice(PREREQS, size=int(rng.integers(0, 4)), replace=False).tolist()
                ),
                experience_types_done=done,
                availability=frozenset(rng.choice(SLOTS, size=int(rng.integers(1, 3))).tolist()),
            )
        )
    return out


def make_preferences(
    n_students: int, n_offerings: int, choices: int, seed: int = 3
) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]]:
    """Applications with popular offerings; each offering ranks all its applicants."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_offerings + 1) ** 0.6
    popularity /= popularity.sum()
    picks = np.empty((n_students, choices), dtype=np.int64)
    for row in range(n_students):
        picks[row] = rng.choice(n_offerings, size=choices, replace=False, p=popularity)
    student_prefs = {s: picks[s].tolist() for s in range(n_students)}
    pairs_o = picks.ravel()
    pairs_s = np.repeat(np.arange(n_students), choices)
    order = np.lexsort((rng.random(pairs_o.size), pairs_o))
    bounds = np.searchsorted(pairs_o[order], np.arange(n_offerings + 1))
    ranked = pairs_s[order]
    offering_prefs = {o: ranked[bounds[o] : bounds[o + 1]].tolist() for o in range(n_offerings)}
    seats = n_students * 0.8 / n_offerings
    capacities = {o: int(rng.integers(1, max(2, int(2 * seats)))) for o in range(n_offerings)}
    return student_prefs, offering_prefs, capacities


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall times in seconds of ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def row(case: str, times: list[float], target_s: float) -> tuple[str, str, str, str, str]:
    """A table row; pass is judged on the median."""
    median = statistics.median(times)
    p95 = float(np.percentile(times, 95))
    return (case, fmt(median), fmt(p95), f"< {fmt(target_s)}", "yes" if median < target_s else "NO")


def fmt(seconds: float) -> str:
    """Human units for a duration."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def peak_mib(fn: Callable[[], object]) -> float:
    """Peak Python heap (tracemalloc, MiB) while running ``fn`` once."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    """Run every case and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    reps = 1 if args.quick else 2
    pathway_names, sector_names, pathway_sectors = catalog_names()
    students = make_students(20_000)
    rows = []

    for n_off, target in ((2_000, 0.002), (5_000, 0.005)):
        offerings = make_offerings(n_off)

        def build(offs: list[Offering] = offerings) -> OfferingIndex:
            return OfferingIndex(
                offs,
                pathway_names=pathway_names,
                sector_names=sector_names,
                pathway_sectors=pathway_sectors,
                today=TODAY,
            )

        if n_off == 2_000:
            rows.append(row("build OfferingIndex, 2,000 offerings", timed(build, 5 * reps), 1.0))
        index = build()
        times = []
        for student in students[:300]:
            start = time.perf_counter()
            index.recommend(student, k=10)
            times.append(time.perf_counter() - start)
        rows.append(row(f"recommend() top 10 + reasons, {n_off:,} offerings", times, target))
        if n_off == 2_000:
            many = timed(partial(index.recommend_many, students, k=10), 2 * reps)
            rows.append(row("recommend_many() top 10, 20,000 students x 2,000", many, 3.0))
            rows.append(
                row(
                    "students_for() top 20 of 20,000 students",
                    timed(partial(index.students_for, 17, students, k=20), 3 * reps),
                    1.0,
                )
            )

    memory: list[str] = []
    for n_s, n_o, target, repeat in ((20_000, 2_000, 0.2, 10), (100_000, 5_000, 1.5, 5)):
        sp, op, cap = make_preferences(n_s, n_o, 10)
        times = timed(partial(allocate, sp, op, cap), repeat)
        rows.append(row(f"allocate() {n_s:,} x {n_o:,} x 10", times, target))
        mib = peak_mib(partial(allocate, sp, op, cap))
        memory.append(f"allocate() {n_s:,} x {n_o:,} x 10: peak traced memory {mib:.0f} MiB")

    header = ("case", "median", "p95", "target", "pass")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    for line in memory:
        print(line)


if __name__ == "__main__":
    main()
