"""Planning the classes and enrollments: a class with its course and its teacher (a class
without a teacher enrollment is left out), and each class list's students added or ended.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from wbl.access import Role
from wbl.extensions import db
from wbl.roster.bundle import Mode
from wbl.roster.planning import Plan, chunks
from wbl.roster.records import Klass, is_deleted, read_text, split_cell
from wbl.schools.models import ClassSection, class_section_student


class ClassesPlan(Plan):
    def _classes(self) -> None:
        courses: dict[str, tuple[str, str]] = {}
        for row in self.bundle.rows("courses"):
            courses[row.get("sourcedId")] = (
                read_text(self.bundle, "courses", row, "courseCode", 40),
                read_text(self.bundle, "courses", row, "title", 120),
            )
        stored: dict[str, ClassSection] = {
            str(c.sourced_id): c
            for c in db.session.scalars(
                select(ClassSection).where(ClassSection.sourced_id.is_not(None))
            )
        }
        self.stored_classes = stored
        for row in self.bundle.rows("classes"):
            key = row.get("sourcedId")
            record = stored.get(key)
            if is_deleted(row):
                self.classes[key] = Klass(
                    key, "", "", "", "", "", False, record.id if record else None
                )
                continue
            school_key = row.get("schoolSourcedId")
            if school_key not in self.schools:
                self.problem(
                    "classes", row, "schoolSourcedId", f"unknown school org {school_key!r}"
                )
                continue
            course_key = row.get("courseSourcedId")
            if course_key in courses:
                code, title = courses[course_key]
            elif self.bundle.mode("courses") is not Mode.ABSENT and course_key:
                self.problem("classes", row, "courseSourcedId", f"unknown course {course_key!r}")
                continue
            else:
                code, title = (record.course_code, record.course_title) if record else ("", "")
            name = read_text(self.bundle, "classes", row, "title", 120)
            if not name:
                self.problem("classes", row, "title", "is empty")
                continue
            period = read_text(self.bundle, "classes", row, "periods", 200)
            period = split_cell(period)[0][:20] if period else ""
            self.classes[key] = Klass(
                key, school_key, name, period, code, title, True, record.id if record else None
            )

    def _enrollments(self) -> None:
        teacher_ids = {a.sourced_id for a in self.accounts.values() if a.role is Role.TEACHER}
        # A delta file may give a new class to a teacher rostered before, whom it does not list.
        teacher_ids |= {
            key
            for key, (user_id, _email, _name, active, _school) in self.stored_users.items()
            if active and key not in self.people and Role.TEACHER in self.user_roles[user_id]
        }
        wanted: dict[str, set[str]] = defaultdict(set)
        ended: set[tuple[str, str]] = set()
        skipped = 0
        for row in self.bundle.rows("enrollments"):
            class_key = row.get("classSourcedId")
            user_key = row.get("userSourcedId")
            if class_key not in self.classes and class_key not in self.stored_classes:
                self.problem("enrollments", row, "classSourcedId", f"unknown class {class_key!r}")
                continue
            known = user_key in self.people or user_key in self.stored_users
            if not known:
                self.problem("enrollments", row, "userSourcedId", f"unknown user {user_key!r}")
                continue
            role = row.get("role").lower()
            if role not in {"student", "teacher", "administrator", "proctor", "aide", "guardian"}:
                self.problem(
                    "enrollments", row, "role", f"{row.get('role')!r} is not an enrollment role"
                )
                continue
            if is_deleted(row):
                ended.add((class_key, user_key))
                continue
            if role == "teacher" and user_key in teacher_ids:
                klass = self.classes.get(class_key)
                primary = row.get("primary").lower() == "true"
                if klass is not None and (
                    klass.teacher_key is None or (primary and not klass.teacher_primary)
                ):
                    klass.teacher_key, klass.teacher_primary = user_key, primary
            elif role == "student":
                if user_key in self.skipped_students:
                    skipped += 1
                elif self._is_student(user_key):
                    wanted[class_key].add(user_key)
        self._plan_classes()
        self._plan_enrollments(wanted, ended)
        if skipped:
            self.report.notes.append(
                f"{skipped} enrollment{'s' if skipped != 1 else ''} of students left out were "
                "not imported."
            )

    def _is_student(self, key: str) -> bool:
        """A student of this import, or (a delta) a rostered account the file does not list."""
        if key in self.accounts:
            return self.accounts[key].role is Role.STUDENT
        return key in self.stored_users and key not in self.people

    def _plan_classes(self) -> None:
        counts = self.counts["classes"]
        without_teacher = 0
        stored_teachers = {sid: uid for sid, (uid, *_rest) in self.stored_users.items()}
        for key, klass in self.classes.items():
            record = self.stored_classes.get(key)
            if not klass.active:
                if record is not None and record.active:
                    counts.deactivated += 1
                    self.class_updates.append({"id": record.id, "active": False})
                continue
            if klass.teacher_key:
                teacher_id = stored_teachers.get(klass.teacher_key)
            elif record is not None:
                teacher_id = record.teacher_id
            else:
                without_teacher += 1
                klass.active = False
                continue
            school = self.schools[klass.school_key]
            values = {
                "name": klass.name,
                "period": klass.period,
                "course_code": klass.course_code,
                "course_title": klass.course_title,
                "active": True,
            }
            if record is None:
                counts.created += 1
                self.class_inserts.append(klass)
                continue
            if (
                any(getattr(record, k) != v for k, v in values.items())
                or school.id != record.school_id
                or teacher_id != record.teacher_id
            ):
                counts.updated += 1
                self.class_updates.append(
                    {
                        "id": record.id,
                        "school_key": klass.school_key,
                        "teacher_key": klass.teacher_key,
                        **values,
                    }
                )
            else:
                counts.unchanged += 1
        if self.bundle.mode("classes") is Mode.BULK:
            for key, record in self.stored_classes.items():
                if key not in self.classes and record.active:
                    counts.deactivated += 1
                    self.class_updates.append({"id": record.id, "active": False})
        if without_teacher:
            self.report.notes.append(
                f"{without_teacher} class{'es' if without_teacher != 1 else ''} without a teacher "
                "enrollment left out (a WBL class belongs to a teacher)."
            )

    def _plan_enrollments(self, wanted: dict[str, set[str]], ended: set[tuple[str, str]]) -> None:
        counts = self.counts["enrollments"]
        class_ids = {record.id: key for key, record in self.stored_classes.items()}
        profile_owner = {p["id"]: uid for uid, p in self.profiles.items()}
        user_key = {uid: sid for sid, (uid, *_rest) in self.stored_users.items()}
        stored: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        ids = list(class_ids)
        for chunk in chunks(ids):
            for class_id, student_id in db.session.execute(
                select(
                    class_section_student.c.class_section_id, class_section_student.c.student_id
                ).where(class_section_student.c.class_section_id.in_(chunk))
            ):
                owner = profile_owner.get(student_id)
                key = user_key.get(owner) if owner is not None else None
                if key is not None:
                    stored[class_ids[class_id]][key] = (class_id, student_id)
        full = self.bundle.mode("enrollments") is Mode.BULK
        for class_key, klass in self.classes.items():
            if not klass.active:
                continue
            for student_key in wanted.get(class_key, ()):
                if student_key in stored[class_key]:
                    counts.unchanged += 1
                else:
                    counts.created += 1
                    self.enrollment_inserts.add((class_key, student_key))
        for class_key, students in wanted.items():
            if class_key not in self.classes:  # a delta enrollment in a stored class
                for student_key in students:
                    if student_key in stored[class_key]:
                        counts.unchanged += 1
                    else:
                        counts.created += 1
                        self.enrollment_inserts.add((class_key, student_key))
        for class_key, members in stored.items():
            for student_key, pair in members.items():
                gone = (class_key, student_key) in ended or (
                    full and student_key not in wanted.get(class_key, set())
                )
                if gone:
                    counts.deactivated += 1
                    self.enrollment_deletes.add(pair)
