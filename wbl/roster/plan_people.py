"""Planning the people: each user's role and orgs (users.csv in 1.1, roles.csv in 1.2), the
student and teacher accounts found by sourcedId or adopted by e-mail, their student
profiles, and who is deactivated (missing from a bulk file, ``tobedeleted``, a grade WBL does
not serve).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from wbl.access import Role
from wbl.auth.models import User, UserRole, normalize_email
from wbl.extensions import db, utcnow
from wbl.roster.bundle import Mode, Row
from wbl.roster.planning import Plan
from wbl.roster.records import (
    GUARDIAN_ROLES,
    HIGHEST_GRADE,
    LOWEST_GRADE,
    OTHER_ROLES,
    STUDENT_ROLES,
    TEACHER_ROLES,
    Account,
    Person,
    email_problem,
    is_deleted,
    read_date,
    read_text,
    served_grade,
    split_cell,
)
from wbl.students.models import StudentProfile


class PeoplePlan(Plan):
    def _load_users(self) -> None:
        """Every account's id, e-mail and roster id, and the rostered ones' roles and
        profiles: one pass each, whatever the file's size."""
        for user_id, email, sourced_id, full_name, active, school_id in db.session.execute(
            select(
                User.id, User.email, User.sourced_id, User.full_name, User.active, User.school_id
            )
        ):
            self.user_by_email[email] = (user_id, sourced_id)
            if sourced_id:
                self.stored_users[sourced_id] = (user_id, email, full_name, active, school_id)
        for user_id, role in db.session.execute(select(UserRole.user_id, UserRole.role)):
            self.user_roles[user_id].add(role)
        columns = (
            StudentProfile.id,
            StudentProfile.user_id,
            StudentProfile.school_id,
            StudentProfile.grade,
            StudentProfile.graduation_year,
            StudentProfile.date_of_birth,
            StudentProfile.ssid,
            StudentProfile.local_id,
            StudentProfile.guardian_name,
            StudentProfile.guardian_email,
            StudentProfile.frl_eligible,
        )
        for values in db.session.execute(select(*columns)):
            record = dict(values._mapping)
            self.profiles[record["user_id"]] = record

    def _people(self) -> None:
        """Each user's role and orgs: from users.csv in 1.1, from roles.csv in 1.2."""
        roles: dict[str, list[tuple[bool, str, str]]] = defaultdict(list)
        users = {row.get("sourcedId") for row in self.bundle.rows("users")}
        for row in self.bundle.rows("roles"):
            if is_deleted(row):
                continue
            user = row.get("userSourcedId")
            if user not in users:
                self.problem("roles", row, "userSourcedId", f"unknown user {user!r}")
                continue
            primary = row.get("roleType").lower() == "primary"
            roles[user].append((not primary, row.get("role"), row.get("orgSourcedId")))
        for row in self.bundle.rows("users"):
            sourced_id = row.get("sourcedId")
            if self.bundle.version == "1.1":
                kind, orgs = row.get("role"), split_cell(row.get("orgSourcedIds"))
            else:
                found = sorted(roles.get(sourced_id, []))
                kind = found[0][1] if found else ""
                orgs = [org for _, role, org in found if role == kind]
                primary_org = row.get("primaryOrgSourcedId")
                if primary_org:
                    orgs.insert(0, primary_org)
            active = not is_deleted(row) and row.get("enabledUser").lower() != "false"
            lowered = kind.lower()
            if lowered in STUDENT_ROLES:
                role = "student"
            elif lowered in TEACHER_ROLES:
                role = "teacher"
            elif lowered in GUARDIAN_ROLES:
                role = "guardian"
            elif lowered in OTHER_ROLES or is_deleted(row):
                role = "other"
            else:
                file = "users" if self.bundle.version == "1.1" else "roles"
                self.problem(
                    "users",
                    row,
                    "role",
                    f"{kind!r} is not a OneRoster role" if kind else f"no role (in {file}.csv)",
                )
                role = "other"  # known, so that its enrollments are not reported as well
            self.people[sourced_id] = Person(sourced_id, row, "users", role, lowered, orgs, active)

    def _accounts(self) -> None:
        demographics = {row.get("sourcedId"): row for row in self.bundle.rows("demographics")}
        emails: dict[str, int] = {}
        skipped = 0
        for person in self.people.values():
            if person.role not in {"student", "teacher"}:
                continue
            row = person.row
            stored = self.stored_users.get(person.sourced_id)
            if not person.active:
                self._deactivate(stored)
                continue
            role = Role.STUDENT if person.role == "student" else Role.TEACHER
            grade = 0
            if role is Role.STUDENT:
                if not row.get("grades"):
                    self.problem("users", row, "grades", "a student needs a grade")
                    continue
                found = served_grade(row.get("grades"))
                if found is None:
                    skipped += 1
                    self.skipped_students.add(person.sourced_id)
                    self._deactivate(stored)
                    continue
                grade = found
            email = normalize_email(row.get("email"))
            if not email:
                self.problem(
                    "users", row, "email", "is empty: students and teachers sign in by e-mail"
                )
                continue
            problem = email_problem(email)
            if problem:
                self.problem("users", row, "email", problem)
                continue
            if email in emails:
                self.problem(
                    "users", row, "email", f"{email} is also the address in row {emails[email]}"
                )
                continue
            emails[email] = row.number
            given = row.get("preferredGivenName") or row.get("givenName")
            family = row.get("preferredFamilyName") or row.get("familyName")
            full_name = " ".join(f"{given} {family}".split())
            if not full_name:
                self.problem("users", row, "givenName", "the name is empty")
                continue
            if len(full_name) > 120:
                self.problem("users", row, "familyName", "the name is longer than 120 characters")
                continue
            school_key = next((org for org in person.orgs if org in self.schools), None)
            if school_key is None:
                self.problem(
                    "users" if self.bundle.version == "1.1" else "roles",
                    row,
                    "orgSourcedIds" if self.bundle.version == "1.1" else "orgSourcedId",
                    "none of this user's orgs is a school in orgs.csv or already in WBL"
                    if person.orgs
                    else "the user has no org",
                )
                continue
            user_id, adopt = self._match(person, email, role, stored)
            if user_id is False:
                continue
            account = Account(
                person.sourced_id, role, email, full_name, True, school_key, user_id, adopt, grade
            )
            if role is Role.STUDENT:
                self._student_details(account, person, demographics.get(person.sourced_id))
            self.accounts[person.sourced_id] = account
        if skipped:
            self.report.notes.append(
                f"{skipped} student{'s' if skipped != 1 else ''} left out: their grade is not "
                f"{LOWEST_GRADE}–{HIGHEST_GRADE}."
            )
        self._plan_accounts()
        if self.bundle.mode("users") is Mode.BULK:
            listed = set(self.people)
            for sourced_id, (user_id, _e, _n, active, _s) in self.stored_users.items():
                if sourced_id not in listed and active:
                    self.deactivate_user_ids.append(user_id)
                    self.counts["users"].deactivated += 1

    def _deactivate(self, stored: tuple[int, str, str, bool, int | None] | None) -> None:
        if stored is not None and stored[3]:
            self.deactivate_user_ids.append(stored[0])
            self.counts["users"].deactivated += 1

    def _match(
        self, person: Person, email: str, role: Role, stored: tuple[Any, ...] | None
    ) -> tuple[Any, bool]:
        """The account this person is: by roster id, else an account with the address
        (adopted). ``(False, False)`` after a problem."""
        holder = self.user_by_email.get(email)
        if stored is not None:
            if holder is not None and holder[0] != stored[0]:
                self.problem(
                    "users", person.row, "email", f"{email} is already another account's address"
                )
                return False, False
            return stored[0], False
        if holder is None:
            return None, False
        user_id, other = holder
        if other:
            self.problem(
                "users",
                person.row,
                "email",
                f"{email} belongs to another rostered person (sourcedId {other!r})",
            )
            return False, False
        roles = self.user_roles.get(user_id, set())
        clash = roles & (
            {Role.EMPLOYER}
            | ({Role.STAFF, Role.ADMIN, Role.TEACHER} if role is Role.STUDENT else set())
        )
        if clash:
            names = ", ".join(sorted(r.label.lower() for r in clash))
            self.problem(
                "users",
                person.row,
                "email",
                f"{email} belongs to an existing {names} account, which cannot become a "
                f"{role.label.lower()}",
            )
            return False, False
        return user_id, True

    def _student_details(self, account: Account, person: Person, demo: Row | None) -> None:
        row = person.row
        profile = self.profiles.get(account.user_id) if account.user_id else None
        birth = None
        if demo is not None and demo.get("birthDate"):
            birth = read_date(
                self.bundle, "demographics", demo, "birthDate"
            )  # a bad one: a problem
        elif profile is not None:
            birth = profile["date_of_birth"]
        else:
            self.problem(
                "users",
                row,
                "sourcedId",
                "no birthDate for this student in demographics.csv: WBL must know who is a minor",
            )
        account.birth = birth
        account.ssid = read_text(self.bundle, "users", row, self.ssid_column, 20)
        account.local_id = self._local_id(row)
        account.guardians = split_cell(row.get("agentSourcedIds"))

    def _local_id(self, row: Row) -> str:
        if self.local_id_column:
            return read_text(self.bundle, "users", row, self.local_id_column, 40)
        for item in split_cell(row.get("userIds").replace("}", "},")):
            kind, _, value = item.strip("{}").partition(":")
            if kind.strip().lower() in {"local", "localid", "sis", "studentnumber", "permid"}:
                return value.strip()[:40]
        return ""

    def _plan_accounts(self) -> None:
        now = utcnow()
        counts = self.counts["users"]
        for account in self.accounts.values():
            school = self.schools[account.school_key]
            school_id = school.id  # None for a school this import creates
            if account.user_id is None:
                counts.created += 1
                self.user_inserts.append(
                    {
                        "email": account.email,
                        "full_name": account.full_name,
                        "active": True,
                        "sourced_id": account.sourced_id,
                        "school_key": account.school_key,
                        "created_at": now,
                    }
                )
                self.role_inserts.append((account.sourced_id, account.role))
                if account.role is Role.STUDENT:
                    self.profile_inserts.append(account)
                continue
            changed = False
            user_id = account.user_id
            stored = self.stored_users.get(account.sourced_id)
            current = (
                (stored[1], stored[2], stored[3], stored[4]) if stored else (None, None, None, None)
            )
            wanted = (account.email, account.full_name, True, school_id)
            if account.adopt or current != wanted or school_id is None:
                changed = True
                self.user_updates.append(
                    {
                        "id": user_id,
                        "email": account.email,
                        "full_name": account.full_name,
                        "active": True,
                        "sourced_id": account.sourced_id,
                        "school_key": account.school_key,
                    }
                )
            if account.role not in self.user_roles.get(user_id, set()):
                changed = True
                self.role_inserts.append((account.sourced_id, account.role))
            if account.role is Role.STUDENT:
                profile = self.profiles.get(user_id)
                if profile is None:
                    changed = True
                    self.profile_inserts.append(account)
                else:
                    values = self._profile_values(account)
                    if school_id is None or any(
                        profile[k] != v for k, v in values.items() if k != "school_key"
                    ):
                        changed = True
                        self.profile_updates.append({"id": profile["id"], **values})
            if changed:
                counts.updated += 1
            else:
                counts.unchanged += 1
