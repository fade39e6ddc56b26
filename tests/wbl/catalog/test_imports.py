"""The import service: every problem reported, all rows or none, upsert by external_id."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.builders import make_offering, make_partner
from tests.support.import_files import csv_bytes, offering_row, partner_row, xlsx_bytes
from wbl.catalog import imports
from wbl.catalog.imports import FileFormat, What, export_catalog, import_file
from wbl.catalog.models import Offering, OfferingStatus, Partner
from wbl.extensions import db
from wbl.imports import reading
from wbl.reference.models import ExperienceKind

EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"


def _partners(rows: list[dict[str, object]], *, dry_run: bool = False) -> imports.ImportReport:
    return import_file(What.PARTNERS, csv_bytes(rows), "partners.csv", dry_run=dry_run)


def _offerings(rows: list[dict[str, object]], *, dry_run: bool = False) -> imports.ImportReport:
    return import_file(What.OFFERINGS, csv_bytes(rows), "offerings.csv", dry_run=dry_run)


def _partner(external_id: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.external_id == external_id))


def _offering(external_id: str) -> Offering | None:
    return db.session.scalar(select(Offering).where(Offering.external_id == external_id))


def _messages(report: imports.ImportReport) -> list[str]:
    return [str(p) for p in report.problems]


def _count(model: type[Partner] | type[Offering]) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


# --- a clean file ------------------------------------------------------------------------


def test_a_clean_partners_file_creates_every_row() -> None:
    report = _partners([partner_row(external_id="A-1", name="Acme Clinic"), partner_row()])
    assert report.ok, _messages(report)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    acme = _partner("A-1")
    assert acme is not None
    assert acme.name == "Acme Clinic"
    assert acme.sector.code == "health"
    assert acme.endorses_certificate is True
    assert acme.worksite_agreement_date == date(2025, 8, 1)
    assert acme.latitude is not None
    assert acme.coordinates_manual is False


def test_importing_the_same_file_twice_changes_nothing() -> None:
    partners = [partner_row(external_id="A-1"), partner_row(external_id="A-2")]
    assert _partners(partners, dry_run=False).created == 2
    offerings = [offering_row("A-1", external_id="O-1"), offering_row("A-2", external_id="O-2")]
    assert _offerings(offerings, dry_run=False).created == 2
    before = (_count(Partner), _count(Offering))

    again = _partners(partners, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    again = _offerings(offerings, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert (_count(Partner), _count(Offering)) == before


def test_an_edited_file_updates_rows_in_place() -> None:
    row = partner_row(external_id="A-1", name="Old name", city="Santa Rosa")
    _partners([row], dry_run=False)
    first = _partner("A-1")
    assert first is not None
    first_id = first.id

    report = _partners([{**row, "name": "New name", "zip": "95476", "city": "Sonoma"}],
                       dry_run=False)  # fmt: skip
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    updated = _partner("A-1")
    assert updated is not None
    assert updated.id == first_id
    assert (updated.name, updated.zip) == ("New name", "95476")
    assert updated.latitude == pytest.approx(38.29, abs=0.1)  # re-placed at the new ZIP


def test_offerings_take_types_pathways_and_outcomes_by_code_or_name() -> None:
    make_partner_row = partner_row(external_id="A-1")
    _partners([make_partner_row], dry_run=False)
    report = _offerings(
        [
            offering_row(
                "A-1",
                external_id="O-1",
                type="Job shadow",
                pathways="Patient care; health.biotechnology",
                outcomes="CURIOUS;communicator",
                prerequisites="Mock interview",
                status="published",
            )
        ],
        dry_run=False,
    )
    assert report.ok, _messages(report)
    offering = _offering("O-1")
    assert offering is not None
    assert offering.kind is ExperienceKind.JOB_SHADOW
    assert {p.code for p in offering.pathways} == {"health.patient_care", "health.biotechnology"}
    assert {o.code for o in offering.outcomes} == {"curious", "communicator"}
    assert [a.code for a in offering.prerequisites] == ["mock_interview"]
    assert offering.status is OfferingStatus.PUBLISHED
    assert offering.published_at is not None
    assert offering.min_grade == 11


def test_a_dry_run_checks_and_counts_but_writes_nothing() -> None:
    report = _partners([partner_row(external_id="A-1")], dry_run=True)
    assert report.ok
    assert report.created == 1
    assert _partner("A-1") is None


# --- file-level problems -----------------------------------------------------------------


def test_a_csv_with_a_byte_order_mark_is_read() -> None:
    data = csv_bytes([partner_row(external_id="BOM-1")], bom=True)
    report = import_file(What.PARTNERS, data, "partners.csv", dry_run=False)
    assert report.ok, _messages(report)
    assert _partner("BOM-1") is not None


def test_excel_quoting_keeps_commas_quotes_and_newlines_inside_a_cell() -> None:
    description = 'Labs, clinics and "urgent care",\nin two buildings.'
    data = csv_bytes([partner_row(external_id="Q-1", name="Smith, Jones & Co",
                                  description=description)])  # fmt: skip
    assert b'"Smith, Jones & Co"' in data
    report = import_file(What.PARTNERS, data, "partners.csv", dry_run=False)
    assert report.ok, _messages(report)
    partner = _partner("Q-1")
    assert partner is not None
    assert partner.name == "Smith, Jones & Co"
    assert partner.description == description


def test_a_newline_inside_a_cell_does_not_shift_row_numbers() -> None:
    rows = [partner_row(description="two\nlines"), partner_row(sector="nope")]
    assert _messages(_partners(rows, dry_run=True)) == ["row 3: sector: unknown sector “nope”"]


def test_whitespace_around_values_and_headings_is_trimmed() -> None:
    row = partner_row(external_id="  T-1 ", name="  Trim Co\t", sector=" Health Science and "
                      "Medical Technology ", zip=" 95401 ")  # fmt: skip
    data = csv_bytes([row]).replace(b"external_id", b" external_id ")
    report = import_file(What.PARTNERS, data, "partners.csv", dry_run=False)
    assert report.ok, _messages(report)
    partner = _partner("T-1")
    assert partner is not None
    assert (partner.name, partner.zip, partner.sector.code) == ("Trim Co", "95401", "health")


def test_a_file_that_is_not_utf8_is_refused_with_advice() -> None:
    data = csv_bytes([partner_row(name="Café Olé")], encoding="cp1252")
    report = import_file(What.PARTNERS, data, "partners.csv", dry_run=True)
    assert len(report.problems) == 1
    assert "not UTF-8" in str(report.problems[0])
    assert "CSV UTF-8" in str(report.problems[0])


def test_a_corrupt_workbook_is_refused_not_crashed_on() -> None:
    for data in (b"PK\x03\x04 not really a zip", b"just some text"):
        report = import_file(What.PARTNERS, data, "partners.xlsx", dry_run=True)
        assert len(report.problems) == 1
        assert "not a readable Excel workbook" in str(report.problems[0])


def test_other_file_types_are_refused() -> None:
    report = import_file(What.PARTNERS, b"name\nx", "partners.xls", dry_run=True)
    assert "Only .csv and .xlsx" in _messages(report)[0]


def test_an_empty_file_is_refused() -> None:
    assert "empty" in _messages(import_file(What.PARTNERS, b"", "p.csv", dry_run=True))[0]


def test_unknown_columns_are_named() -> None:
    report = _partners([{**partner_row(), "fax": "1", "Colour": "red"}], dry_run=True)
    assert _messages(report) == [
        "row 1: fax: unknown column (see docs/import-formats.md for partners)",
        "row 1: colour: unknown column (see docs/import-formats.md for partners)",
    ]


def test_missing_required_columns_are_named() -> None:
    row = partner_row()
    del row["zip"], row["sector"]
    assert _messages(_partners([row], dry_run=True)) == [
        "row 1: sector: required column is missing from the header",
        "row 1: zip: required column is missing from the header",
    ]


def test_too_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    report = _partners([partner_row(), partner_row(), partner_row()], dry_run=True)
    assert "more than 2 rows" in _messages(report)[0]


# --- row problems ------------------------------------------------------------------------


def test_duplicate_external_ids_within_a_file_are_refused() -> None:
    rows = [partner_row(external_id="D-1"), partner_row(), partner_row(external_id="D-1")]
    assert _messages(_partners(rows, dry_run=True)) == [
        "row 4: external_id: duplicate external_id “D-1” (also on row 2)"
    ]


def test_unknown_sectors_are_refused() -> None:
    report = _partners([partner_row(sector="Space Mining")], dry_run=True)
    assert _messages(report) == ["row 2: sector: unknown sector “Space Mining”"]


def test_bad_zip_codes_are_refused() -> None:
    rows = [partner_row(zip="9540"), partner_row(zip="00000"), partner_row(zip="")]
    assert _messages(_partners(rows, dry_run=True)) == [
        "row 2: zip: “9540” is not a ZIP code; write five digits",
        "row 3: zip: 00000 is not a ZIP code we know",
        "row 4: zip: is required",
    ]


def test_bad_values_of_every_kind_are_reported_together() -> None:
    row = partner_row(endorses_certificate="maybe", insurance_expiry="31/12/2026",
                      latitude="95", longitude="")  # fmt: skip
    assert _messages(_partners([row], dry_run=True)) == [
        "row 2: endorses_certificate: “maybe” is not yes or no",
        "row 2: insurance_expiry: “31/12/2026” is not a date; write YYYY-MM-DD (or M/D/YYYY)",
        "row 2: latitude: Latitude is between -90 and 90.",
    ]


def test_a_hand_placed_partner_keeps_its_coordinates() -> None:
    row = partner_row(external_id="M-1", latitude="38.5", longitude="-122.8",
                      insurance_expiry="12/31/2030")  # fmt: skip
    assert _partners([row], dry_run=False).ok
    partner = _partner("M-1")
    assert partner is not None
    assert (partner.latitude, partner.longitude, partner.coordinates_manual) == (
        38.5,
        -122.8,
        True,
    )
    assert partner.insurance_expiry == date(2030, 12, 31)


def test_unknown_types_pathways_and_partners_are_refused() -> None:
    _partners([partner_row(external_id="A-1")], dry_run=False)
    rows = [
        offering_row("A-1", type="Apprenticeship"),
        offering_row("A-1", pathways="health.patient_care; Underwater Basket Weaving"),
        offering_row("NOPE-1"),
    ]
    assert _messages(_offerings(rows, dry_run=True)) == [
        "row 2: type: unknown experience type “Apprenticeship”",
        "row 3: pathways: unknown pathway “Underwater Basket Weaving”",
        "row 4: partner_external_id: no partner with external_id “NOPE-1”; "
        "import the partners file first",
    ]


def test_capacity_cannot_drop_below_the_seats_taken() -> None:
    offering = make_offering(capacity=5)
    offering.external_id, offering.seats_taken = "O-TAKEN", 3
    offering.partner.external_id = "P-TAKEN"
    db.session.flush()
    report = _offerings(
        [offering_row("P-TAKEN", external_id="O-TAKEN", capacity="2", status="published")],
        dry_run=True,
    )
    assert _messages(report) == ["row 2: capacity: 2 is below the 3 seats already taken"]


def test_an_offering_cannot_end_before_it_starts() -> None:
    _partners([partner_row(external_id="A-1")], dry_run=False)
    report = _offerings(
        [offering_row("A-1", start_date="2030-03-10", end_date="3/9/2030")], dry_run=True
    )
    assert _messages(report) == ["row 2: end_date: The end date is before the start date."]


def test_publishing_an_individual_offering_needs_a_compliant_partner() -> None:
    _partners([partner_row(external_id="A-1", name="Bay Clinic", insurance_expiry="")],
              dry_run=False)  # fmt: skip
    rows = [
        offering_row("A-1", status="published"),
        offering_row("A-1", status="published", type="guest_speaker"),  # a class event: fine
        offering_row("A-1", status="draft"),
    ]
    assert _messages(_offerings(rows, dry_run=True)) == [
        "row 2: status: cannot publish: Bay Clinic has no liability insurance on file"
    ]


def test_nothing_is_imported_when_one_row_is_bad() -> None:
    rows = [partner_row(external_id="G-1"), partner_row(external_id="G-2", sector="nope"),
            partner_row(external_id="G-3", zip="1")]  # fmt: skip
    report = _partners(rows, dry_run=False)
    assert len(report.problems) == 2
    assert report.summary.startswith("2 problems found; nothing was imported")
    assert _partner("G-1") is None
    assert _partner("G-3") is None


def test_an_external_id_in_the_exports_reserved_form_must_name_a_real_record() -> None:
    report = _partners([partner_row(external_id="wbl-partner-999999")], dry_run=True)
    assert "looks like a name the export gives" in _messages(report)[0]


# --- XLSX --------------------------------------------------------------------------------


def test_a_workbook_imports_like_a_csv_with_typed_cells() -> None:
    partner = partner_row(external_id="X-1", zip=95401, worksite_agreement_date="2025-08-01")
    data = xlsx_bytes([partner])
    report = import_file(What.PARTNERS, data, "Partners.XLSX", dry_run=False)
    assert report.ok, _messages(report)
    offering = offering_row("X-1", external_id="XO-1", capacity=3, min_grade=12, paid=True)
    report = import_file(What.OFFERINGS, xlsx_bytes([offering]), "o.xlsx", dry_run=False)
    assert report.ok, _messages(report)
    imported = _offering("XO-1")
    assert imported is not None
    assert (imported.capacity, imported.min_grade, imported.paid) == (3, 12, True)
    assert imported.start_date == date(2030, 2, 3)


# --- export ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [FileFormat.CSV, FileFormat.XLSX])
def test_export_then_import_changes_nothing(fmt: FileFormat) -> None:
    app_made = make_offering(status=OfferingStatus.DRAFT)  # no external ids: generated names
    _partners([partner_row(external_id="R-1", latitude="38.1", longitude="-122.1")],
              dry_run=False)  # fmt: skip
    _offerings([offering_row("R-1", external_id="RO-1", outcomes="curious",
                             prerequisites="mock_interview; resume_workshop")],
               dry_run=False)  # fmt: skip

    partners = export_catalog(What.PARTNERS, fmt)
    offerings = export_catalog(What.OFFERINGS, fmt)
    assert partners.filename == f"partners.{fmt.value}"

    again = import_file(What.PARTNERS, partners.data, partners.filename, dry_run=False)
    assert again.ok, _messages(again)
    assert (again.created, again.updated) == (0, 0)
    assert again.unchanged == partners.rows
    again = import_file(What.OFFERINGS, offerings.data, offerings.filename, dry_run=False)
    assert again.ok, _messages(again)
    assert (again.created, again.updated) == (0, 0)
    assert again.unchanged == offerings.rows
    assert app_made.external_id is None


def test_the_csv_export_opens_in_excel_as_utf8() -> None:
    make_partner(name="Café Olé")
    data = export_catalog(What.PARTNERS, FileFormat.CSV).data
    assert data.startswith(b"\xef\xbb\xbfexternal_id,name,sector,")
    assert "Café Olé".encode() in data


def test_the_example_files_import_cleanly() -> None:
    partners = (EXAMPLES / "partners.csv").read_bytes()
    report = import_file(What.PARTNERS, partners, "partners.csv", dry_run=False)
    assert report.ok, _messages(report)
    assert report.created >= 2
    offerings = (EXAMPLES / "offerings.csv").read_bytes()
    report = import_file(What.OFFERINGS, offerings, "offerings.csv", dry_run=False)
    assert report.ok, _messages(report)
    assert report.created >= 2


def test_text_that_looks_like_a_formula_is_guarded_in_the_csv_and_round_trips() -> None:
    _partners([partner_row(external_id="F-1", description="=HYPERLINK(\"http://x\")",
                           phone="+1 707 555 0100")])  # fmt: skip
    exported = export_catalog(What.PARTNERS, FileFormat.CSV)
    assert b"'=HYPERLINK" in exported.data
    assert b"'+1 707 555 0100" in exported.data
    again = import_file(What.PARTNERS, exported.data, "p.csv", dry_run=False)
    assert (again.created, again.updated) == (0, 0)
    partner = _partner("F-1")
    assert partner is not None
    assert partner.description == '=HYPERLINK("http://x")'


def test_a_workbook_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_XLSX_UNPACKED_BYTES", 1000)
    report = import_file(What.PARTNERS, xlsx_bytes([partner_row()]), "p.xlsx", dry_run=True)
    assert _messages(report) == [
        "file: The workbook is too large once unpacked. Split it into smaller files."
    ]


def test_reading_stops_after_a_long_run_of_blank_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_BLANK_RUN", 3)
    data = csv_bytes([partner_row(), {}, partner_row(), {}, {}, {}, partner_row(sector="x")])
    report = import_file(What.PARTNERS, data, "p.csv", dry_run=True)
    assert report.ok
    assert report.rows == 2


def test_the_xlsx_export_guards_formulas_as_the_csv_does_and_round_trips() -> None:
    import io

    from openpyxl import load_workbook

    _partners([partner_row(external_id="F-2", description="@SUM(A1)", phone="+1 707 555 0101")])
    exported = export_catalog(What.PARTNERS, FileFormat.XLSX)
    sheet = load_workbook(io.BytesIO(exported.data), read_only=True).worksheets[0]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "'@SUM(A1)" in cells
    assert "'+1 707 555 0101" in cells
    again = import_file(What.PARTNERS, exported.data, "p.xlsx", dry_run=False)
    assert (again.created, again.updated) == (0, 0)
    partner = _partner("F-2")
    assert partner is not None
    assert partner.description == "@SUM(A1)"
