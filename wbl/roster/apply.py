"""Writing a checked plan: orgs, users and roles, student profiles, guardians,
demographics, classes and class lists, each in bulk INSERT and UPDATE statements, inside the
import's one transaction (``imports.import_roster`` commits).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from wbl.auth.models import User, UserRole
from wbl.extensions import db, utcnow
from wbl.roster.models import Guardian, StudentDemographics
from wbl.roster.planning import Plan
from wbl.roster.report import Progress
from wbl.schools.models import ClassSection, class_section_student
from wbl.students.models import StudentProfile


class PlanWriter(Plan):
    def write(self, step: Progress) -> None:
        step("writing orgs")
        for record, changes in self.org_changes:
            for name, value in changes.items():
                setattr(record, name, value)
            db.session.add(record)
        db.session.flush()
        school_ids = {key: school.id for key, school in self.schools.items()}
        school_district = {key: school.district_id for key, school in self.schools.items()}
        step("writing users")
        if self.user_inserts:
            db.session.execute(
                insert(User),
                [
                    {
                        **{k: v for k, v in row.items() if k != "school_key"},
                        "school_id": school_ids[row["school_key"]],
                        "district_id": school_district[row["school_key"]],
                    }
                    for row in self.user_inserts
                ],
            )
        if self.user_updates:
            db.session.execute(
                update(User),
                [
                    {
                        **{k: v for k, v in row.items() if k != "school_key"},
                        "school_id": school_ids[row["school_key"]],
                        "district_id": school_district[row["school_key"]],
                    }
                    for row in self.user_updates
                ],
            )
        if self.deactivate_user_ids:
            db.session.execute(
                update(User), [{"id": uid, "active": False} for uid in self.deactivate_user_ids]
            )
        ids = self._user_ids()
        if self.role_inserts:
            db.session.execute(
                insert(UserRole),
                [{"user_id": ids[sid], "role": role} for sid, role in self.role_inserts],
            )
        step("writing student profiles")
        self._write_profiles(ids, school_ids)
        profile_ids = self._profile_ids(ids)
        step("writing guardians and demographics")
        self._write_guardians(profile_ids)
        self._write_demographics(profile_ids)
        step("writing classes and enrollments")
        self._write_classes(ids, school_ids)
        self._write_enrollments(profile_ids)

    def _user_ids(self) -> dict[str, int]:
        return {
            str(sid): uid
            for uid, sid in db.session.execute(
                select(User.id, User.sourced_id).where(User.sourced_id.is_not(None))
            )
        }

    def _profile_ids(self, ids: dict[str, int]) -> dict[str, int]:
        owner = {uid: sid for sid, uid in ids.items()}
        return {
            owner[uid]: pid
            for pid, uid in db.session.execute(select(StudentProfile.id, StudentProfile.user_id))
            if uid in owner
        }

    def _write_profiles(self, ids: dict[str, int], school_ids: dict[str, int]) -> None:
        schools = self.schools
        inserts = []
        for account in self.profile_inserts:
            school = schools[account.school_key]
            values = self._profile_values(account)
            values.pop("school_key")
            guardian = self.consent_contacts.get(account.sourced_id, ("", ""))
            inserts.append(
                {
                    **values,
                    "school_id": school_ids[account.school_key],
                    "user_id": ids[account.sourced_id],
                    "home_zip": school.zip,
                    "home_latitude": school.latitude,
                    "home_longitude": school.longitude,
                    "guardian_name": guardian[0],
                    "guardian_email": guardian[1],
                    "frl_eligible": self.frl.get(account.sourced_id, False),
                }
            )
        if inserts:
            db.session.execute(insert(StudentProfile), inserts)
        updates = []
        for row in self.profile_updates:
            values = {k: v for k, v in row.items() if k != "school_key"}
            values["school_id"] = school_ids[row["school_key"]]
            updates.append(values)
        # the consent contact and meal status follow the roster when it says something
        by_user = {
            self.profiles[a.user_id]["id"]: (a.sourced_id, self.profiles[a.user_id])
            for a in self.accounts.values()
            if a.user_id in self.profiles
        }
        pending = {row["id"]: row for row in updates}
        for profile_id, (key, stored) in by_user.items():
            extra: dict[str, Any] = {}
            contact = self.consent_contacts.get(key)
            if contact and (stored["guardian_name"], stored["guardian_email"]) != contact:
                extra.update(guardian_name=contact[0], guardian_email=contact[1])
            if key in self.frl and stored["frl_eligible"] != self.frl[key]:
                extra["frl_eligible"] = self.frl[key]
            if extra:
                pending.setdefault(profile_id, {"id": profile_id}).update(extra)
        if pending:
            db.session.execute(update(StudentProfile), list(pending.values()))

    def _write_guardians(self, profile_ids: dict[str, int]) -> None:
        if self.guardian_inserts:
            db.session.execute(
                insert(Guardian),
                [
                    {
                        **{k: v for k, v in row.items() if k != "student_key"},
                        "student_id": profile_ids[row["student_key"]],
                    }
                    for row in self.guardian_inserts
                ],
            )
        if self.guardian_updates:
            db.session.execute(update(Guardian), self.guardian_updates)

    def _write_demographics(self, profile_ids: dict[str, int]) -> None:
        now = utcnow()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for key, values in self.demographic_rows.items():
            student_id = profile_ids.get(key)
            if student_id is None:
                continue
            stored = self.demographic_existing.get(student_id)
            if stored == values:
                continue  # unchanged: updated_at keeps the day they last changed
            row = {"student_id": student_id, **values, "updated_at": now}
            (inserts if stored is None else updates).append(row)
        if inserts:
            db.session.execute(insert(StudentDemographics), inserts)
        if updates:
            db.session.execute(update(StudentDemographics), updates)

    def _write_classes(self, ids: dict[str, int], school_ids: dict[str, int]) -> None:
        now = utcnow()
        if self.class_inserts:
            db.session.execute(
                insert(ClassSection),
                [
                    {
                        "sourced_id": k.sourced_id,
                        "school_id": school_ids[k.school_key],
                        # a new class always has its teacher: _plan_classes leaves one without
                        "teacher_id": ids[k.teacher_key],  # type: ignore[index]
                        "name": k.name,
                        "period": k.period,
                        "course_code": k.course_code,
                        "course_title": k.course_title,
                        "active": True,
                        "created_at": now,
                    }
                    for k in self.class_inserts
                ],
            )
        updates = []
        for row in self.class_updates:
            values = {k: v for k, v in row.items() if k not in {"school_key", "teacher_key"}}
            if "school_key" in row:
                values["school_id"] = school_ids[row["school_key"]]
            if row.get("teacher_key"):
                values["teacher_id"] = ids[row["teacher_key"]]
            updates.append(values)
        if updates:
            db.session.execute(update(ClassSection), updates)

    def _write_enrollments(self, profile_ids: dict[str, int]) -> None:
        if not (self.enrollment_inserts or self.enrollment_deletes):
            return
        class_ids = {
            sid: cid
            for cid, sid in db.session.execute(
                select(ClassSection.id, ClassSection.sourced_id).where(
                    ClassSection.sourced_id.is_not(None)
                )
            )
        }
        if self.enrollment_deletes:
            table = class_section_student
            db.session.execute(
                delete(table).where(
                    table.c.class_section_id == bindparam("class_id"),
                    table.c.student_id == bindparam("student_id"),
                ),
                [{"class_id": c, "student_id": s} for c, s in self.enrollment_deletes],
            )
        rows = [
            {"class_section_id": class_ids[c], "student_id": profile_ids[s]}
            for c, s in sorted(self.enrollment_inserts)
            if c in class_ids and s in profile_ids
        ]
        if rows:
            db.session.execute(insert(class_section_student), rows)
