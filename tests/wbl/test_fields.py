"""The shared select renders exactly WTForms' markup, from memory once seen."""

from __future__ import annotations

from markupsafe import Markup
from wtforms import Form
from wtforms import SelectField as WTFormsSelectField
from wtforms.fields.choices import SelectChoice

from wbl import fields

CHOICES = [
    SelectChoice("", "Any"),
    SelectChoice("1", "Patient Care"),
    SelectChoice("2", "Fish & <game>"),
    SelectChoice("3", Markup("<b>bold</b> pathway")),
    SelectChoice("4", "Held back", render_kw={"disabled": True}),
]


class Ours(Form):
    pathway = fields.SelectField("Pathway", choices=CHOICES)
    several = fields.SelectMultipleField("Several", choices=CHOICES)


class Theirs(Form):
    pathway = WTFormsSelectField("Pathway", choices=CHOICES)


def test_the_options_are_wtforms_own_markup_whatever_is_selected() -> None:
    for chosen in ("", "1", "2", "3", "4"):
        ours, theirs = Ours(data={"pathway": chosen}), Theirs(data={"pathway": chosen})
        assert str(ours.pathway()) == str(theirs.pathway())
        hits = fields._remembered_option.cache_info().hits
        assert str(ours.pathway()) == str(theirs.pathway())  # the second time, from memory
        assert fields._remembered_option.cache_info().hits >= hits + len(CHOICES) - 1


def test_a_selected_option_is_not_served_as_an_unselected_one() -> None:
    html = str(Ours(data={"pathway": "2"}).pathway())
    assert '<option selected value="2">Fish &amp; &lt;game&gt;</option>' in html
    html = str(Ours(data={"pathway": "1"}).pathway())
    assert '<option value="2">Fish &amp; &lt;game&gt;</option>' in html
    assert "<b>bold</b> pathway" in html  # markup given as markup stays markup


def test_a_multiple_select_marks_each_chosen_option() -> None:
    html = str(Ours(data={"several": ["1", "3"]}).several())
    assert "multiple" in html
    assert html.count("selected") == 2


def test_a_value_and_its_look_alike_of_another_type_are_kept_apart() -> None:
    class Lookalikes(Form):  # True == 1 in Python; their options are not the same
        flag = fields.SelectField(
            "Flag", choices=[SelectChoice(True, "Same"), SelectChoice(1, "Same")], coerce=str
        )

    html = str(Lookalikes().flag())
    assert 'value="True">Same<' in html
    assert 'value="1">Same<' in html
