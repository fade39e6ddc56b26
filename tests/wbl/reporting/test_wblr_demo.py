"""The WBLR file of the demo county: its made-up codes are marked DEMO, so at first nothing
can be reported and the validation report says why; once staff give the county real-looking
codes, every line of the file is checked field by field against the layout, and each
internship's hours against the confirmed entries counted here independently."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from wbl.catalog.models import Offering
from wbl.demo.services import ANCHOR, seed_demo
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.placements.models import Placement
from wbl.reporting import layout, services
from wbl.reporting.models import OfferingReporting
from wbl.reporting.reach import SchoolYear
from wbl.reporting.wblr import Fix, build_report
from wbl.schools.models import District, School
from wbl.students.models import StudentProfile

INTERNSHIP_ID = re.compile(r"WBL-\d+")


def _give_the_county_real_looking_codes() -> None:
    for n, district in enumerate(db.session.scalars(select(District).order_by(District.id))):
        district.code = f"49{n + 1:05d}"
    for n, school in enumerate(db.session.scalars(select(School).order_by(School.id))):
        school.cds_code = f"{school.district.code}{n + 1:07d}"
    for student in db.session.scalars(select(StudentProfile)):
        student.ssid = f"{9_000_000_000 + student.id}"
    for offering_id in db.session.scalars(select(Offering.id)):
        db.session.add(OfferingReporting(offering_id=offering_id, state_course_code="7000"))
    db.session.flush()


def test_the_demo_countys_file_field_by_field(app: Flask) -> None:
    seed_demo(seed=2026)
    year = SchoolYear.of(ANCHOR)

    before = build_report(None, year)
    assert before.records
    assert before.valid == ()
    fixes = {issue.fix for record in before.left_out for issue in record.issues}
    assert fixes >= {Fix.STUDENT, Fix.OFFERING, Fix.SCHOOL, Fix.DISTRICT}

    _give_the_county_real_looking_codes()
    report = build_report(None, year)
    assert len(report.records) == len(before.records)
    assert report.left_out == ()
    lines = services.export(None, year.code).data.decode("ascii").split("\r\n")
    assert lines.pop() == ""
    assert len(lines) == len(report.records)

    types, internship_ids = set(), set()
    for line in lines:
        cells = line.split(layout.DELIMITER)
        assert len(cells) == len(layout.FIELDS)
        v = {field.key: cell for field, cell in zip(layout.FIELDS, cells, strict=True)}
        for field, cell in zip(layout.FIELDS, cells, strict=True):
            assert len(cell) <= field.max_length, (field.name, cell)
        assert (v["record_type"], v["transaction_type"], v["local_record_id"]) == ("WBLR", "", "")
        assert re.fullmatch(r"\d{7}", v["reporting_lea"])
        assert re.fullmatch(r"\d{7}", v["school"])
        assert v["school_nps"] == ""
        assert v["academic_year"] == "2026-2027"
        assert re.fullmatch(r"\d{10}", v["ssid"])
        assert v["wbl_type"] in {"10", "15", "20"}
        assert v["hours"].isdigit()
        assert v["course_code"] == "7000"
        types.add(v["wbl_type"])
        if v["wbl_type"] == "10":
            assert INTERNSHIP_ID.fullmatch(v["internship_id"])
            key = (v["school"], v["internship_id"])
            assert key not in internship_ids  # unique per school and year
            internship_ids.add(key)
            assert v["evaluation"] in layout.DEFAULT_EVALUATION_CODES.values()
            assert v["lea_sponsored"] == "Y"
            assert v["certificated_supervised"] == "N"
            placement_id = int(v["internship_id"].removeprefix("WBL-"))
            minutes = db.session.scalar(
                select(func.sum(HourEntry.minutes)).where(
                    HourEntry.placement_id == placement_id,
                    HourEntry.status == EntryStatus.CONFIRMED,
                    HourEntry.work_date.between(year.first_day, year.last_day),
                )
            )
            assert v["hours"] == str(layout.whole_hours(minutes))
        else:
            assert v["internship_id"] == v["evaluation"] == ""
            assert v["lea_sponsored"] == v["certificated_supervised"] == ""
    assert "10" in types
    # Every internship placement with confirmed hours in the year has its line.
    placed = db.session.scalars(
        select(Placement.id)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(HourEntry, HourEntry.placement_id == Placement.id)
        .where(Offering.kind == "internship", HourEntry.status == EntryStatus.CONFIRMED)
        .distinct()
    ).all()
    assert {int(i.removeprefix("WBL-")) for _, i in internship_ids} == set(placed)
