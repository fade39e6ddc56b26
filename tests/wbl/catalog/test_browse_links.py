"""The catalog's links keep the filters of the page (its chips and its page numbers), and
only those: a query key the page does not read never reaches url_for, where ``endpoint``,
``_scheme`` or ``_external`` mean something else."""

from __future__ import annotations

import html
import re

import pytest

from tests.support.builders import make_offering, make_user
from wbl.access import Role


def links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*/offerings\?[^"]*)"', page)]


@pytest.mark.parametrize(
    "foreign",
    ["endpoint=x", "_scheme=ftp", "_external=1", "_anchor=top", "_method=POST", "utm_source=mail"],
)
def test_links_keep_the_filters_and_drop_what_the_page_does_not_read(
    client, login_as, foreign
) -> None:
    for n in range(30):  # more than one page
        make_offering(title=f"Nurse shadow {n}")
    login_as(make_user(roles={Role.STUDENT}))
    response = client.get(f"/offerings?q=nurse&paid=no&{foreign}")
    assert response.status_code == 200
    found = links(response.get_data(as_text=True))
    chip = [link for link in found if "paid" not in link]  # the chip that clears "Unpaid"
    pages = [link for link in found if "page=" in link]
    assert chip, found
    assert pages, found
    for link in found:
        assert link.startswith("/offerings?"), link  # not absolute, no other scheme
        assert foreign.split("=")[0] not in link, link
        assert "#" not in link, link
    assert all("q=nurse" in link for link in [*chip, *pages])
    assert all("paid=no" in link for link in pages)
