"""Issue 20: the student side in Spanish.

Three guards over the pages a signed-in student reaches (the lists below):
- a template text or a user-visible attribute (``alt``, ``title``, ``aria-label``,
  ``placeholder``) with letters in it that is not marked for translation (``{% trans %}`` or
  ``_()``/``gettext``/``ngettext``), and an English-looking string constant passed to a macro
  or printed (``empty("Nothing here")``, ``"Online" if ... else``), fails the scan;
- a student form whose label, description, static choice or validator message is a plain
  ``str`` (not ``lazy_gettext``, so it would stay English) fails;
- a Spanish catalog entry from these files that is untranslated or fuzzy fails.
The page tests (tests/wbl/test_i18n_student_pages.py) check that each page comes in Spanish.
"""

from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel.speaklater import LazyString
from jinja2 import nodes
from wtforms.fields.core import UnboundField

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "wbl/translations/es/LC_MESSAGES/messages.po"

#: Every template a signed-in student sees (their pages and the fragments those include).
STUDENT_TEMPLATES = [
    "home/student.html",
    "catalog/browse.html",
    "catalog/offering_detail.html",
    "catalog/_logo.html",
    "placements/_apply_card.html",
    "placements/_status.html",
    "placements/apply.html",
    "placements/index_student.html",
    "placements/_table.html",
    "readiness/_offering_readiness.html",
    "students/profile.html",
    "records/record.html",
    "placements/application.html",
    "students/interest_check.html",
    "students/interest_check_result.html",
    "hours/placement.html",
    "hours/entry.html",
    "hours/entry_form.html",
    "hours/_application_hours.html",
    "logs/student.html",
    "rounds/mine.html",
    "rounds/choose.html",
    "rounds/_why_not.html",
    "evaluations/reflection.html",
    "evaluations/evaluation.html",
    "evaluations/_header.html",
    "evaluations/_ratings.html",
    "portfolio/index.html",
    "portfolio/progress.html",
    "portfolio/documents.html",
    "portfolio/artifact.html",
    "portfolio/artifact_form.html",
    "portfolio/_status.html",
    "credentials/student.html",
    "credentials/_status.html",
    "pathways/progress.html",
    "pathways/_status.html",
    "certificates/student.html",
    "certificates/_status.html",
    "letters/index.html",
    "letters/_status.html",
    "letters/_summary.html",
    "reviews/submit.html",
    "reviews/feedback.html",
    "reviews/_results.html",
    "home/account.html",
    "events/_upcoming.html",
    "calendars/_feed_section.html",
]

#: The forms on those pages: "module:Class".
STUDENT_FORMS = [
    "wbl.catalog.browse_forms:CatalogFilterForm",
    "wbl.placements.forms:ApplyForm",
    "wbl.placements.forms:ResubmitForm",
    "wbl.placements.forms:WithdrawForm",
    "wbl.students.forms:ProfileForm",
    "wbl.records.forms:RecordForm",
    "wbl.students.forms:InterestCheckForm",
    "wbl.students.forms:InterestCheckConfirmForm",
    "wbl.hours.forms:EntryForm",
    "wbl.evaluations.forms:ReflectionForm",
    "wbl.portfolio.forms:ArtifactForm",
    "wbl.portfolio.forms:DocumentForm",
    "wbl.portfolio.letter_forms:LetterRequestForm",
]

#: Python modules whose messages reach those pages (flash messages, DomainError messages,
#: recommendation reasons, labels): their catalog entries must all be translated.
STUDENT_SOURCES = [
    "wbl/catalog/browse_forms.py",
    "wbl/catalog/search.py",
    "wbl/placements/forms.py",
    "wbl/students/forms.py",
    "wbl/catalog/reasons.py",
    "wbl/catalog/search.py",
    "wbl/catalog/views.py",
    "wbl/placements/applications.py",
    "wbl/students/models.py",
    "wbl/students/views.py",
    "wbl/records/forms.py",
    "wbl/records/views.py",
    "wbl/placements/models.py",
    "wbl/placements/views.py",
    "wbl/catalog/models.py",
    "wbl/hours/views.py",
    "wbl/hours/forms.py",
    "wbl/evaluations/views.py",
    "wbl/portfolio/forms.py",
    "wbl/portfolio/letters_views.py",
    "wbl/portfolio/models.py",
    "wbl/portfolio/services.py",
    "wbl/portfolio/letters.py",
    "wbl/hours/services.py",
    "wbl/students/services.py",
    "wbl/evaluations/services.py",
    "wbl/reviews/submitting.py",
    "wbl/geocoding/services.py",
    "wbl/rounds/views.py",
    # the pathway engine's sentences, the interest check's statements and words (extracted
    # from its TOML), the portfolio PDF and upload checks, the experience log and its CSV
    "wbl/pathways/rules.py",
    "wbl/students/interest_check.py",
    "wbl/students/interest_check.toml",
    "wbl/portfolio/export.py",
    "wbl/uploads.py",
    "wbl/hours/logs.py",
    "wbl/certificates/services.py",
    # the shipped reference names (sectors, pathways, outcomes, experience types) and rules
    "wbl/reference/defaults.py",
    "wbl/pathways/services.py",
    "wbl/credentials/services.py",
]

#: Words that are names, not English: the product's name.
NOT_ENGLISH = {"WBL"}

VISIBLE_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "data-label"}
TRANSLATING_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
# A constant in these calls is an address, a format or a test of a value, not a text.
NON_TEXT_CALLS = {"url_for", "format", "selectattr", "rejectattr", "join", "attr"}
HOLE = "\u2060"  # where an expression's value goes (not NUL: the HTML parser ends a tag name there)
CSS_CLASSES = re.compile(r"\s*([a-z0-9]+(-[a-z0-9]+)*\s*)*[a-z0-9]+-[a-z0-9-]+\s*([a-z0-9-]+\s*)*")
LETTERS = re.compile(r"[^\W\d_]{2,}")


def _has_words(text: str) -> bool:
    words = [w for w in LETTERS.findall(text.replace(HOLE, " ")) if w not in NOT_ENGLISH]
    return bool(words)


class _VisibleText(HTMLParser):
    """The texts a reader sees or hears in a template's literal HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and _has_words(value):
                self.texts.append(f'{name}="{value}"')

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _has_words(data):
            self.texts.append(data.strip(HOLE + " \n").replace(HOLE, "{}"))


def _skeleton(node: nodes.Node, out: list[str]) -> None:
    """The template's literal text in order, with a hole for each printed expression."""
    if isinstance(node, nodes.TemplateData):
        out.append(node.data)
        return
    if isinstance(node, nodes.Output):
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                out.append(child.data)
            else:
                out.append(HOLE)
                _skeleton(child, out)
        return
    for child in node.iter_child_nodes():
        _skeleton(child, out)


def _english_constants(node: nodes.Node, inside: str | None = None) -> list[str]:
    """String constants that read as English text (a capital letter and a word, or several
    words), outside a translating call, a comparison and an address."""
    found: list[str] = []
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        inside = node.node.name
    if isinstance(node, nodes.Filter | nodes.Test | nodes.Compare | nodes.Getitem):
        inside = "format"
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        value = node.value
        if (
            inside not in TRANSLATING_CALLS
            and inside not in NON_TEXT_CALLS
            and _has_words(value)
            and (" " in value.strip() or re.match(r"[A-Z][a-z]", value))
            and not re.fullmatch(r"[\w.\-/#: ]*\.(html|txt)|[a-z_.]+", value)
            and not CSS_CLASSES.fullmatch(value)
        ):
            found.append(value)
    for child in node.iter_child_nodes():
        found += _english_constants(child, inside)
    return found


def unmarked_texts(app: Flask, name: str) -> list[str]:
    source = Path(app.jinja_loader.searchpath[0], name).read_text()  # type: ignore[union-attr]
    tree = app.jinja_env.parse(source)
    out: list[str] = []
    _skeleton(tree, out)
    parser = _VisibleText()
    parser.feed("".join(out))
    parser.close()
    return parser.texts + _english_constants(tree)


@pytest.mark.parametrize("name", STUDENT_TEMPLATES)
def test_every_text_on_a_student_page_is_marked_for_translation(app: Flask, name: str) -> None:
    assert unmarked_texts(app, name) == []


@pytest.mark.parametrize("name", STUDENT_TEMPLATES)
def test_no_student_template_hides_the_gettext_function(app: Flask, name: str) -> None:
    """``{% set _ = ... %}`` or ``{% for _ in ... %}`` makes every later ``_("...")`` in its
    scope call that value instead of gettext."""
    source = Path(app.jinja_loader.searchpath[0], name).read_text()  # type: ignore[union-attr]
    tree = app.jinja_env.parse(source)
    assert [n.lineno for n in tree.find_all(nodes.Name) if n.name == "_" and n.ctx == "store"] == []


def test_the_scan_finds_an_unmarked_text(app: Flask) -> None:
    """The scanner itself: plain text, an attribute and a macro argument are found; marked
    ones are not."""
    template = (
        '{% trans %}Hello{% endtrans %} <p title="Hi there">Plain words {{ x }}</p>'
        '{{ empty("Nothing here") }}{{ _("Marked") }} {{ url_for("a.b") }}'
        '{{ "Online" if y }}<i class="bi bi-x"></i> · {{ y == "Some Thing" }}'
    )
    tree = app.jinja_env.parse(template)
    out: list[str] = []
    _skeleton(tree, out)
    parser = _VisibleText()
    parser.feed("".join(out))
    found = parser.texts + _english_constants(tree)
    assert found == ['title="Hi there"', "Plain words", "Nothing here", "Online"]


def _form_texts(form_class: type) -> list[tuple[str, object]]:
    texts: list[tuple[str, object]] = []
    for attribute, value in vars(form_class).items():
        if not isinstance(value, UnboundField):
            continue
        label = value.kwargs.get("label", value.args[0] if value.args else None)
        texts.append((f"{attribute}.label", label))
        texts.append((f"{attribute}.description", value.kwargs.get("description")))
        texts.append(
            (f"{attribute}.placeholder", (value.kwargs.get("render_kw") or {}).get("placeholder"))
        )
        texts.append((f"{attribute}.invalid", value.kwargs.get("invalid_value_message")))
        choices = value.kwargs.get("choices")
        if isinstance(choices, list | tuple):
            texts += [(f"{attribute}.choice", c[1]) for c in choices if isinstance(c, tuple)]
        validators = value.kwargs.get("validators") or (value.args[1:2] or [[]])[0]
        for validator in validators or []:
            texts.append(
                (f"{attribute}.{type(validator).__name__}", getattr(validator, "message", None))
            )
    return texts


@pytest.mark.parametrize("path", STUDENT_FORMS)
def test_a_student_form_speaks_through_the_catalog(app: Flask, path: str) -> None:
    module, name = path.split(":")
    form_class = getattr(importlib.import_module(module), name)
    plain = [
        (where, text)
        for where, text in _form_texts(form_class)
        if isinstance(text, str) and not isinstance(text, LazyString) and _has_words(text)
    ]
    assert plain == []


def test_the_spanish_catalog_translates_every_student_text() -> None:
    """Every entry that comes from a student template or source file has a Spanish
    translation that is not fuzzy (a fuzzy one is not used: the page would be English)."""
    ours = {f"templates/{name}" for name in STUDENT_TEMPLATES} | set(STUDENT_SOURCES)
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    missing: list[str] = []
    seen = 0
    for message in catalog:
        if not message.id or not any(path in ours for path, _line in message.locations):
            continue
        seen += 1
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(str(message.id))
    assert seen > 100, "the student pages' texts are not in the catalog: run make translations"
    assert missing == []
