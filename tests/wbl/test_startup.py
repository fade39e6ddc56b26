"""Starting the app stays light: every ``flask`` command and every web worker imports
``wsgi``, and scikit-learn and SciPy take seconds to import. They load when the first
recommendation index is built, not before (``matching`` imports them where they are used),
with the language packages the index reads students' words with (Snowball stems and
pyspellchecker's English word list).
So do the PDF libraries (fpdf2 about a second, pypdf a fraction): the first PDF or upload
that needs them imports them. And so do the libraries only some requests or commands need:
numpy (the recommendation pages), Authlib with Requests, joserfc and cryptography (a sign-in
with a district's provider, a badge credential), icalendar (an interview invitation),
email-validator (a form with an e-mail address), Pillow, defusedxml and svg-hush (an
uploaded image) and APScheduler (``flask scheduler``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "snowballstemmer", "spellchecker")
PDF = ("fpdf", "pypdf")
WHERE_USED = (
    "numpy",
    "authlib",
    "requests",
    "joserfc",
    "cryptography",
    "icalendar",
    "email_validator",
    "PIL",
    "defusedxml",
    "py_svg_hush",
    "apscheduler",
)


def test_importing_the_app_leaves_the_heavy_libraries_unloaded() -> None:
    lazy = HEAVY + PDF + WHERE_USED
    script = (
        "import json, sys\n"
        "import wsgi\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {lazy!r})))\n"
    )
    # As a ``flask`` command does (a web server also starts the recommendation index, in a
    # thread: tests/wbl/catalog/test_recommendations.py).
    env = {**os.environ, "FLASK_RUN_FROM_CLI": "true"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_building_an_index_loads_them_where_they_are_used() -> None:
    """The other side: the lazy imports do run (a typo would only show at the first
    recommendation otherwise)."""
    script = (
        "import datetime, json, sys\n"
        "import matching\n"
        "offering = matching.Offering(id=1, type='internship', title='Vet clinic')\n"
        "index = matching.OfferingIndex([offering], today=datetime.date(2026, 1, 5))\n"
        "assert index.recommend(matching.Student(id=1, grade=11, interests='vet'), k=1)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.splitlines()[-1]) == sorted(HEAVY)
