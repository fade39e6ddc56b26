"""The matching library stays pure: standard library, numpy, scipy and scikit-learn, and
two small language packages (Snowball stems; pyspellchecker's English word frequencies,
read once per process to tell a real word from a typo)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import matching

ALLOWED = {"numpy", "scipy", "sklearn", "snowballstemmer", "spellchecker", "matching"}


def test_matching_imports_only_allowed_packages() -> None:
    package = Path(matching.__file__).parent
    offenders = []
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in ALLOWED and top not in sys.stdlib_module_names:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_public_api_names() -> None:
    for name in (
        "Student",
        "Offering",
        "OfferingIndex",
        "Recommendation",
        "StudentFit",
        "allocate",
        "Allocation",
        "is_stable",
        "Weights",
    ):
        assert name in matching.__all__
        assert hasattr(matching, name)
