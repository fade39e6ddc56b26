"""Paged lists: a page number past the end shows the last page (issue 14: "/catalog/partners?
page=99 says '225 partners' above 'No partners match these filters'"); a missing, zero,
negative, non-numeric or huge one is harmless. One helper does it for every list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.builders import make_offering, make_partner, make_user
from wbl.access import Role
from wbl.catalog.models import Partner
from wbl.pagination import MAX_PAGE, paginate

WBL = Path(__file__).parents[2] / "wbl"

# A view the mail branch (issue 14) rewrites; it moves to the helper when the branches meet.


def _partners_named(prefix: str) -> object:
    return select(Partner).where(Partner.name.like(f"{prefix}%")).order_by(Partner.name)


@pytest.mark.parametrize(
    ("asked", "shown"),
    [(None, 1), (0, 1), (-4, 1), (1, 1), (2, 2), (3, 3), (4, 3), (99, 3), (10**30, 3)],
)
def test_a_page_past_the_end_is_the_last_page(asked: int | None, shown: int) -> None:
    for n in range(12):
        make_partner(name=f"Paged {n:02d}")
    page = paginate(_partners_named("Paged"), page=asked, per_page=5)
    assert page.page == shown
    assert page.total == 12
    assert page.pages == 3
    assert [p.name for p in page.items] == [f"Paged {n:02d}" for n in range(12)][
        (shown - 1) * 5 : shown * 5
    ]


def test_an_empty_list_is_page_one() -> None:
    page = paginate(_partners_named("Nobody"), page=7, per_page=5)
    assert (page.page, page.total, page.items) == (1, 0, [])


def test_a_huge_page_number_never_reaches_the_database() -> None:
    """An OFFSET of 10**30 rows overflows a 64-bit integer (a 500 on PostgreSQL and SQLite)."""
    make_partner(name="Huge 1")
    assert MAX_PAGE * 100 < 2**63
    assert paginate(_partners_named("Huge"), page=10**30, per_page=100).page == 1


@pytest.mark.parametrize("page", ["99", "0", "-1", "abc", str(10**30)])
def test_the_staff_partner_list_never_says_nothing_matches_when_partners_do(
    client, login_as, page: str
) -> None:
    for n in range(30):
        make_partner(name=f"Zeta Listed {n:02d}")
    login_as(make_user(roles={Role.STAFF}))
    response = client.get(f"/catalog/partners?q=zeta+listed&page={page}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No partners match" not in html
    assert re.search(r">\s*30 partners\s*<", html)
    last = page in ("99", str(10**30))
    assert ("Zeta Listed 29" in html) is last
    assert ("Zeta Listed 00" in html) is not last


def test_the_staff_offering_list_shows_its_last_page(client, login_as) -> None:
    partner = make_partner(name="Omega Offers")
    for n in range(27):
        make_offering(partner=partner, title=f"Omega offering {n:02d}")
    login_as(make_user(roles={Role.STAFF}))
    html = client.get("/catalog/offerings?q=omega+offering&page=99").get_data(as_text=True)
    assert len(set(re.findall(r"Omega offering \d\d", html))) == 2
    assert 'aria-current="page">2<' in html


def test_every_paged_list_goes_through_the_one_helper() -> None:
    """``db.paginate`` past the last page gives an empty page: only wbl/pagination.py calls it."""
    callers = {
        str(path.relative_to(WBL.parent))
        for path in WBL.rglob("*.py")
        if "db.paginate(" in path.read_text(encoding="utf-8")
    }
    assert callers == {"wbl/pagination.py"}
