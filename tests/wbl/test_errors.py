"""The two helpers views use to show a service's refusal."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from wbl.errors import DomainError, Forbidden, NotFound, field_error, flash_refusal


class NameForm(FlaskForm):
    name = StringField("Name")


def test_a_refusal_is_flashed_and_the_attempt_is_not_ok(app) -> None:
    with app.test_request_context():
        with flash_refusal("danger") as attempt:
            raise DomainError("Not today.")
        assert attempt.ok is False
        assert get_flashed_messages(with_categories=True) == [("danger", "Not today.")]


def test_a_call_that_succeeds_is_ok_and_flashes_nothing(app) -> None:
    with app.test_request_context():
        with flash_refusal() as attempt:
            pass
        assert attempt.ok is True
        assert get_flashed_messages() == []


@pytest.mark.parametrize("error", [NotFound(), Forbidden()])
def test_not_found_and_forbidden_pass_through(app, error: DomainError) -> None:
    with app.test_request_context():
        with pytest.raises(type(error)), flash_refusal():
            raise error
        assert get_flashed_messages() == []


def test_a_refusal_goes_next_to_its_field(app) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        form.validate()
        assert field_error(form, DomainError("Too long.", field="name")) is None
        assert form.name.errors == ["Too long."]


def test_a_refusal_without_a_field_is_returned_for_the_page(app) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        form.validate()
        assert field_error(form, DomainError("Closed.", field="nothing")) == "Closed."
        assert form.errors == {}


@pytest.mark.parametrize("error", [NotFound(), Forbidden()])
def test_field_error_raises_not_found_and_forbidden(app, error: DomainError) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        with pytest.raises(type(error)):
            field_error(form, error)
