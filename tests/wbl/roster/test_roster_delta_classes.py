"""A delta file may bring a new class for a teacher an earlier import rostered: the teacher is
not in its users.csv (the file is absent), and the class must not be left out for that."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from wbl.auth.models import User
from wbl.extensions import db
from wbl.roster.imports import import_roster
from wbl.schools.models import ClassSection

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "oneroster-1.1"


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_a_delta_class_for_a_rostered_teacher_is_imported(app: Flask, tmp_path: Path) -> None:
    first = import_roster(EXAMPLE, dry_run=False)
    assert first.ok, first.problems
    delta = tmp_path / "delta"
    delta.mkdir()
    _write(
        delta,
        "manifest.csv",
        "propertyName,value\noneroster.version,1.1\nfile.classes,delta\n"
        "file.enrollments,delta\nfile.orgs,absent\nfile.users,absent\nfile.courses,absent\n",
    )
    _write(
        delta,
        "classes.csv",
        "sourcedId,status,dateLastModified,title,courseSourcedId,schoolSourcedId,periods\n"
        "cl-new,,2026-09-01,Robotics,,org-s1,4\n",
    )
    _write(
        delta,
        "enrollments.csv",
        "sourcedId,status,dateLastModified,classSourcedId,userSourcedId,role,primary\n"
        "e-new-t,,2026-09-01,cl-new,t-100,teacher,true\n"
        "e-new-s,,2026-09-01,cl-new,s-1001,student,false\n",
    )

    report = import_roster(delta, dry_run=False)

    assert report.ok, report.problems
    assert report.notes == []
    assert (report.counts["classes"].created, report.counts["enrollments"].created) == (1, 1)
    section = db.session.scalar(select(ClassSection).where(ClassSection.sourced_id == "cl-new"))
    assert section is not None
    teacher = db.session.scalar(select(User).where(User.sourced_id == "t-100"))
    assert teacher is not None
    assert section.teacher_id == teacher.id
    assert [s.user.sourced_id for s in section.students] == ["s-1001"]
