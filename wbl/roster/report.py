"""What a roster import tells: per entity how many rows were (or would be) created,
updated, left unchanged and deactivated, the problems, and the notes on what was left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from wbl.imports.report import Problem, problems_summary

ENTITIES = ("orgs", "users", "guardians", "classes", "enrollments")


@dataclass(slots=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    def line(self, name: str, *, dry_run: bool) -> str:
        verb = " would be" if dry_run else ""
        return (
            f"{name}: {self.created}{verb} created, {self.updated}{verb} updated, "
            f"{self.unchanged} unchanged, {self.deactivated}{verb} deactivated"
        )


@dataclass(slots=True)
class RosterReport:
    dry_run: bool
    version: str = ""
    counts: dict[str, Counts] = field(default_factory=lambda: {e: Counts() for e in ENTITIES})
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was left out, and why

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [self.counts[name].line(name, dry_run=self.dry_run) for name in ENTITIES]

    @property
    def summary(self) -> str:
        if self.problems:
            return problems_summary(self.problems, what="files")
        return "; ".join(self.lines()) + "."


Progress = Callable[[str], None]
