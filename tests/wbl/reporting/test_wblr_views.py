"""The CALPADS page, its download, the codes and an offering's facts; the command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.support.builders import make_class_section, make_district, make_user
from tests.support.wblr_data import (
    Hours,
    calpads_school,
    placed,
    reported_offering,
    rostered_student,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.extensions import db
from wbl.reporting import services
from wbl.reporting.models import OfferingReporting, ReportingCode

PAGE = "/reports/calpads-wblr"
FILE = "/reports/calpads-wblr/file"


def _county(ssids: tuple[str, ...] = ("1000000001",)) -> tuple[object, object]:
    """Two districts, each with a school and one placed intern per SSID in the first."""
    here, there = calpads_school(), calpads_school()
    offering = reported_offering()
    for ssid in ssids:
        placed(rostered_student(school=here, ssid=ssid), offering, [Hours(date(2026, 9, 1), 60)])
    placed(rostered_student(school=there), offering, [Hours(date(2026, 9, 1), 60)])
    return here, there


def test_county_staff_see_the_validation_report_and_download_the_file(
    app: Flask, client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    here, _there = _county()
    bad = rostered_student(school=here, ssid="", name="Ana Nossid")
    placed(bad, reported_offering(), [Hours(date(2026, 9, 1), 60)])
    login_as(make_user(roles={Role.STAFF}))

    page = client.get(PAGE, query_string={"year": "2026-2027"})

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>2</strong> records can be reported" in html
    assert "Ana Nossid" in html
    assert "No SSID: the roster gave this student none." in html
    assert f'href="/logs/students/{bad.id}"' in html  # where to look the student up
    assert "Download 2 records, leaving 1 out" in html
    download = client.get(FILE, query_string={"year": "2026-2027", "leave_out": 1})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=calpads-wblr-2026-2027.txt"
    )
    assert (download.headers["X-WBLR-Records"], download.headers["X-WBLR-Left-Out"]) == ("2", "1")
    assert download.data == services.export(None, "2026-2027", leave_out=1).data


def test_the_download_refuses_to_drop_records_silently(
    app: Flask, client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    here, _there = _county()
    placed(
        rostered_student(school=here, ssid=""), reported_offering(), [Hours(date(2026, 9, 1), 60)]
    )
    login_as(make_user(roles={Role.STAFF}))

    refused = client.get(FILE, query_string={"year": "2026-2027"}, follow_redirects=True)

    assert refused.request.path == PAGE
    assert "1 record cannot be reported" in refused.get_data(as_text=True)


def test_the_fix_link_for_a_course_code_leads_to_a_form_that_fixes_it(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[[User], User],
    post_form: Callable[..., object],
) -> None:
    offering = reported_offering(course_code=None, title="Vet clinic internship")
    placed(rostered_student(school=calpads_school()), offering, [Hours(date(2026, 9, 1), 60)])
    login_as(make_user(roles={Role.STAFF}))
    url = f"/reports/calpads-wblr/offerings/{offering.id}"
    assert f'href="{url}"' in client.get(PAGE, query_string={"year": "2026-2027"}).get_data(
        as_text=True
    )

    school = calpads_school()
    teacher = make_user(roles={Role.TEACHER}, school=school)
    make_class_section(teacher=teacher).course_code = "7010"
    retired = make_class_section(teacher=teacher)
    retired.course_code, retired.active = "7999", False
    db.session.flush()
    form_page = client.get(url).get_data(as_text=True)
    assert '<option value="7010">' in form_page  # the roster's courses are suggested
    assert '<option value="7999">' not in form_page
    offering_page = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert f'href="{url}"' in offering_page  # staff reach it from the offering too
    wrong = post_form(url, {"state_course_code": "70a"})
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert "4 digits" in wrong.get_data(as_text=True)  # type: ignore[attr-defined]
    saved = post_form(url, {"state_course_code": "7010", "lea_sponsored": "y"})
    assert saved.status_code == 302  # type: ignore[attr-defined]

    facts = db.session.get(OfferingReporting, offering.id)
    assert facts is not None
    assert (facts.state_course_code, facts.lea_sponsored, facts.certificated_supervised) == (
        "7010",
        True,
        False,
    )
    assert services.export(None, "2026-2027").report.left_out == ()


def test_district_staff_see_their_district_only(
    app: Flask, client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    here, there = _county()
    login_as(make_user(roles={Role.STAFF}, district=here.district))  # type: ignore[attr-defined]

    own = client.get(PAGE, query_string={"year": "2026-2027"})
    assert own.status_code == 200
    assert "<strong>1</strong> record can be reported" in own.get_data(as_text=True)
    assert "All districts" not in own.get_data(as_text=True)
    other = {"year": "2026-2027", "district": there.district_id}  # type: ignore[attr-defined]
    assert client.get(PAGE, query_string=other).status_code == 404
    assert client.get(FILE, query_string=other).status_code == 404
    assert client.get(PAGE, query_string={"district": "abc"}).status_code == 404
    assert client.get(PAGE, query_string={"district": "99999999"}).status_code == 404


def test_others_are_refused(
    app: Flask, client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    school = calpads_school()
    for role in (Role.STUDENT, Role.TEACHER, Role.EMPLOYER):
        login_as(make_user(roles={role}, school=school if role is Role.TEACHER else None))
        assert client.get(PAGE).status_code == 403
        assert client.get(FILE).status_code == 403


def test_a_bad_year_is_told_and_nothing_to_report_is_said(
    app: Flask, client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    login_as(make_user(roles={Role.STAFF}))

    bad = client.get(PAGE, query_string={"year": "2026"})
    assert bad.status_code == 422
    assert "A school year is written" in bad.get_data(as_text=True)
    empty = client.get(PAGE, query_string={"year": "2019-2020"})
    assert "Nothing to report" in empty.get_data(as_text=True)
    refused = client.get(FILE, query_string={"year": "2019-2020"}, follow_redirects=True)
    assert "Nothing to report" in refused.get_data(as_text=True)


def test_county_staff_change_the_codes_district_staff_read_them(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[[User], User],
    post_form: Callable[..., object],
) -> None:
    url = "/reports/calpads-wblr/codes"
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    page = client.get(url).get_data(as_text=True)
    assert "County-wide staff change them." in page
    assert "Save the codes" not in page
    assert post_form(url, {"type__job_shadow": "20"}).status_code == 403  # type: ignore[attr-defined]

    login_as(make_user(roles={Role.STAFF}))
    wrong = post_form(url, {"type__job_shadow": "30"})
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert "10, 15 or 20" in wrong.get_data(as_text=True)  # type: ignore[attr-defined]
    form = {
        "type__internship": "10",
        "type__internship__virtual": "20",
        "type__work_based_project__virtual": "20",
        "evaluation__1": "1",
        "evaluation__2": "2",
        "evaluation__3": "3",
        "evaluation__4": "4",
        "evaluation__none": "NP",
    }
    assert post_form(url, form).status_code == 302  # type: ignore[attr-defined]
    rows = db.session.scalars(db.select(ReportingCode).order_by(ReportingCode.key)).all()
    assert [(r.mapping, r.key, r.code) for r in rows] == [
        ("type", "internship:virtual", "20"),
        ("evaluation", "none", "NP"),
    ]


def test_the_command_writes_the_file_or_says_why_not(app: Flask, tmp_path: Path) -> None:
    here, there = _county(("1000000001", "1000000002"))
    runner = app.test_cli_runner()
    out = tmp_path / "wblr.txt"

    done = runner.invoke(args=["report", "calpads-wblr", "--year", "2026-2027", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert done.stdout == f"Wrote 3 WBLR records for 2026-2027 to {out}.\n"
    assert out.read_bytes() == services.export(None, "2026-2027").data

    district = runner.invoke(
        args=[
            "report",
            "calpads-wblr",
            "--year",
            "2026-2027",
            "--out",
            str(out),
            "--district",
            str(there.district_id),  # type: ignore[attr-defined]
        ]
    )
    assert district.exit_code == 0, district.output
    assert len(out.read_bytes().splitlines()) == 1

    for args, message in (
        (["--year", "2026"], "A school year is written"),
        (["--year", "2026-2027", "--district", "999999"], "No district with id 999999"),
        (["--year", "2019-2020"], "Nothing to report"),
    ):
        refused = runner.invoke(
            args=["report", "calpads-wblr", *args, "--out", str(tmp_path / "no.txt")]
        )
        assert refused.exit_code == 1
        assert message in refused.stderr
    assert not (tmp_path / "no.txt").exists()

    student = rostered_student(school=here, ssid="", name="Ana Nossid")  # type: ignore[arg-type]
    placed(student, reported_offering(), [Hours(date(2026, 9, 1), 60)])
    base = ["report", "calpads-wblr", "--year", "2026-2027", "--out", str(tmp_path / "x.txt")]
    refused = runner.invoke(args=base)
    assert refused.exit_code == 1
    assert "Ana Nossid" in refused.stderr
    assert "No SSID" in refused.stderr
    assert "1 record cannot be reported" in refused.stderr
    assert not (tmp_path / "x.txt").exists()
    written = runner.invoke(args=[*base, "--leave-out", "1"])
    assert written.exit_code == 0
    assert "Wrote 3 WBLR records for 2026-2027" in written.stdout
    assert "(1 left out: listed above)" in written.stdout


def test_the_validation_report_is_paged(
    app: Flask, client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    school = calpads_school()
    offering = reported_offering()
    for n in range(55):
        student = rostered_student(school=school, ssid="", name=f"Nossid {n:02d}")
        placed(student, offering, [Hours(date(2026, 9, 1), 60)])
    login_as(make_user(roles={Role.STAFF}))

    first = client.get(PAGE, query_string={"year": "2026-2027"}).get_data(as_text=True)
    second = client.get(PAGE, query_string={"year": "2026-2027", "page": 2}).get_data(as_text=True)

    assert "records that cannot be reported (55)" in first
    assert "1–50 of 55" in first
    assert "51–55 of 55" in second
    assert first.count("No SSID: the roster gave") == 50
    assert second.count("No SSID: the roster gave") == 5


def test_the_fix_links_lead_where_each_staff_member_can_fix_or_ask(
    app: Flask, client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    school = calpads_school()
    school.cds_code = None
    placed(rostered_student(school=school), reported_offering(), [Hours(date(2026, 9, 1), 60)])
    edit = f'href="/admin/districts/schools/{school.id}/edit"'
    see = f'href="/admin/districts/{school.district_id}"'

    login_as(make_user(roles={Role.STAFF}))
    county = client.get(PAGE, query_string={"year": "2026-2027"}).get_data(as_text=True)
    login_as(make_user(roles={Role.STAFF}, district=school.district))
    district = client.get(PAGE, query_string={"year": "2026-2027"}).get_data(as_text=True)

    assert edit in county
    assert see not in county
    assert see in district
    assert edit not in district
    assert client.get(f"/admin/districts/{school.district_id}").status_code == 200
