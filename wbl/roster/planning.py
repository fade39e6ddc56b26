"""What the roster's planning shares: ``Plan`` holds the bundle, the report, what is stored
(read once) and the writes prepared, which the per-entity planners (plan_orgs, plan_people,
plan_guardians, plan_demographics, plan_classes) fill in and apply.py writes. Each of those
is a part of one class (``imports._Planner``); every row is checked and compared with what
is stored, and nothing is written until the whole bundle is clean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from flask import current_app

from wbl.access import Role
from wbl.roster.bundle import Bundle, Row
from wbl.roster.records import HIGHEST_GRADE, Account, GuardianInfo, Klass, Person
from wbl.roster.report import RosterReport
from wbl.schools.models import ClassSection, District, School

CHUNK = 500  # ids per IN (...) list


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class Plan:
    school_year_end: int  # set by the check, before the orgs
    stored_classes: dict[str, ClassSection]  # read with the classes

    def __init__(self, bundle: Bundle, report: RosterReport) -> None:
        self.bundle = bundle
        self.report = report
        self.counts = report.counts
        config = current_app.config
        self.ssid_column = config.get("ROSTER_SSID_COLUMN", "identifier")
        self.local_id_column = config.get("ROSTER_LOCAL_ID_COLUMN", "")
        # orgs
        self.districts: dict[str, District] = {}  # sourcedId → stored or new (unsaved) row
        self.schools: dict[str, School] = {}
        self.org_changes: list[tuple[Any, dict[str, Any]]] = []
        # people
        self.accounts: dict[str, Account] = {}
        self.guardians: dict[str, GuardianInfo] = {}
        self.skipped_students: set[str] = set()
        self.people: dict[str, Person] = {}
        # stored state, read once
        self.stored_users: dict[str, tuple[int, str, str, bool, int | None]] = {}
        self.user_by_email: dict[str, tuple[int, str | None]] = {}
        self.user_roles: dict[int, set[Role]] = defaultdict(set)
        self.profiles: dict[int, dict[str, Any]] = {}
        # writes, prepared
        self.user_inserts: list[dict[str, Any]] = []
        self.user_updates: list[dict[str, Any]] = []
        self.role_inserts: list[tuple[str, Role]] = []
        self.profile_inserts: list[Account] = []
        self.profile_updates: list[dict[str, Any]] = []
        self.deactivate_user_ids: list[int] = []
        self.guardian_inserts: list[dict[str, Any]] = []  # student as sourcedId: resolved later
        self.guardian_updates: list[dict[str, Any]] = []
        self.consent_contacts: dict[str, tuple[str, str]] = {}
        self.demographic_rows: dict[str, dict[str, Any]] = {}
        self.demographic_existing: dict[int, dict[str, Any]] = {}  # student id → stored
        self.frl: dict[str, bool] = {}
        self.classes: dict[str, Klass] = {}
        self.class_inserts: list[Klass] = []
        self.class_updates: list[dict[str, Any]] = []
        self.enrollment_inserts: set[tuple[str, str]] = set()  # (class, student) sourcedIds
        self.enrollment_deletes: set[tuple[int, int]] = set()  # (class id, student id)

    def problem(self, name: str, row: Row | None, column: str, message: str) -> None:
        self.bundle.problem(name, row.number if row else None, column, message)

    def _profile_values(self, account: Account) -> dict[str, Any]:
        school = self.schools[account.school_key]
        return {
            "school_id": school.id,
            "school_key": account.school_key,
            "grade": account.grade,
            "graduation_year": self.school_year_end + (HIGHEST_GRADE - account.grade),
            "date_of_birth": account.birth,
            "ssid": account.ssid,
            "local_id": account.local_id,
        }
