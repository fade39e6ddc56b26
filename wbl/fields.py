"""Form fields every form uses: one definition of each, and a select that renders fast.

WTForms builds each ``<option>`` of a select afresh on every rendering (its attributes
escaped and joined, about ten microseconds apiece). A page with the catalog's filters
renders about a hundred options, most of them the same on every request (the pathways, the
sectors, the outcomes). :class:`Select` keeps the markup of an option it has rendered,
keyed by everything that shapes it (its value, its label and whether it is selected), so a
repeated option costs a dictionary lookup; the markup is WTForms' own, made by WTForms the
first time. Options with extra attributes are rendered by WTForms every time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms.fields.choices import Choice
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.widgets import Select as _Select

__all__ = ["CheckboxesField", "Select", "SelectField", "SelectMultipleField"]

OPTIONS_KEPT = 4096  # distinct options remembered per process (a few hundred in practice)


class Select(_Select):
    """WTForms' select widget, each option's markup remembered once rendered."""

    @classmethod
    def render_option(cls, choice: Choice, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value, label = choice.value, choice.label
        if type(label) not in (str, Markup):
            # A translated label (lazy_gettext) is a different text in each language: the
            # key is the text it is now, never the lazy object (equal to any language's).
            label = str(label)
        key = (type(value), value, type(label), label, bool(choice.selected))
        try:
            return _remembered_option(key)
        except TypeError:  # a value or label that cannot be a key: rendered every time
            return super().render_option(choice)


@lru_cache(maxsize=OPTIONS_KEPT)
def _remembered_option(key: tuple[type, Any, type, Any, bool]) -> Markup:
    """The markup of the option ``key`` describes (the types keep ``True`` and ``1``, or a
    label given as markup and the same text to escape, apart)."""
    _, value, _, label, selected = key
    return _Select.render_option(Choice(value, label, selected, None))


class SelectField(_SelectField):
    widget = Select()


class SelectMultipleField(_SelectMultipleField):
    widget = Select(multiple=True)


class CheckboxesField(_SelectMultipleField):
    """Several choices as a list of checkboxes (the availability slots, the experience
    types, a class's students)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
