"""The demo county's CTE concentrator list (Perkins V 5S3): every junior and senior has a
status, as if each district had uploaded its list, and about two in five of those who chose
a pathway are concentrators (few who chose none), so the 5S3 report has something to show
for this year's seniors and next year's. Bulk-inserted, as the other demo rows."""

from __future__ import annotations

import random

from sqlalchemy import exists, insert, select

from wbl.auth.models import User
from wbl.extensions import db
from wbl.reporting.models import ConcentratorSource, CteConcentrator
from wbl.students.models import StudentProfile, student_pathway

JUNIOR_AND_SENIOR = (11, 12)


def add_concentrators(rng: random.Random, demo_domain: str) -> None:
    staff = db.session.scalar(select(User.id).where(User.email == f"staff@{demo_domain}"))
    chose = exists().where(student_pathway.c.student_id == StudentProfile.id)
    students = db.session.execute(
        select(StudentProfile.id, StudentProfile.graduation_year, chose)
        .where(StudentProfile.grade.in_(JUNIOR_AND_SENIOR))
        .order_by(StudentProfile.id)
    ).all()
    rows = [
        {
            "student_id": student_id,
            "concentrator": rng.random() < (0.4 if has_pathway else 0.05),
            "graduation_year": graduation_year,
            "source": ConcentratorSource.UPLOAD,
            "updated_by_id": staff,
        }
        for student_id, graduation_year, has_pathway in students
    ]
    if rows:
        db.session.execute(insert(CteConcentrator), rows)
