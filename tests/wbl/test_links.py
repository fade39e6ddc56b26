"""Templates' ``url_for`` remembers links without arguments (wbl/links.py): the same
addresses as Flask's, built once per worker."""

from __future__ import annotations

from flask import url_for

from wbl.links import cached_url_for


def test_links_without_arguments_are_flasks_and_built_once(app) -> None:
    with app.test_request_context("/"):
        assert cached_url_for("manage.partners") == url_for("manage.partners")
        assert ("", "manage.partners") in app.extensions["wbl.links"]
    with app.test_request_context("/", base_url="http://localhost/wbl/"):
        assert cached_url_for("manage.partners") == url_for("manage.partners")
        assert cached_url_for("manage.partners").startswith("/wbl/")  # not the other root's


def test_links_with_arguments_or_outside_a_request_are_built_each_time(app) -> None:
    with app.test_request_context("/"):
        assert cached_url_for("catalog.offering_detail", offering_id=7) == url_for(
            "catalog.offering_detail", offering_id=7
        )
        assert cached_url_for("home.index", _external=True).startswith("http")
        assert not any(key[1] == "catalog.offering_detail" for key in app.extensions["wbl.links"])


def test_pages_use_it(app, client) -> None:
    app.extensions["wbl.links"].clear()
    client.get("/login")  # the footer links to the partner sign-up
    assert app.extensions["wbl.links"][("", "signup.partner")] == "/join/partner"
