"""Languages (issue 20): every user-visible string of the covered pages and forms is marked
for translation, and the Spanish catalog translates every one of them.

The scan reads templates as Jinja reads them (their AST): text outside ``{% trans %}`` and
``_()`` with words in it, prose in string constants that reach the page, and the visible
attributes (``aria-label``, ``title``, ``alt``, ``placeholder``); and form classes: labels,
descriptions, choices and validator messages must be lazy translations (``_l``), never plain
``str``. The covered set is listed below; a page joins it when it is translated.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_wtf import FlaskForm
from jinja2 import Environment, nodes
from jinja2.ext import i18n
from wtforms.fields.core import UnboundField

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CATALOGS = ROOT / "wbl" / "translations"
SPANISH = CATALOGS / "es" / "LC_MESSAGES" / "messages.po"

# The templates whose every visible word is marked (globs under templates/).
COVERED_TEMPLATES = [
    # everything a guardian or a signed-link visitor sees, and every e-mail
    "email/**",
    "placements/consent.html",
    "placements/consent_done.html",
    "placements/consent_problem.html",
    "agreements/acknowledge.html",
    "agreements/acknowledged.html",
    "agreements/link_problem.html",
    "agreements/_sections.html",
    "permits/part.html",
    "permits/part_done.html",
    "permits/link_problem.html",
    "hours/review_link.html",
    "letters/upload.html",
    "letters/upload_done.html",
    "letters/link_problem.html",
    "worksite/sign.html",
    "worksite/signed.html",
    "worksite/link_problem.html",
    # the shared layout every page stands in
    "base.html",
    "_layouts/*",
    "_partials/*",
    "_macros/*",
    "errors/*",
    "auth/_language_section.html",
]

# The forms whose labels, descriptions, choices and messages are marked ("module:Class", or
# "module" for every form defined in it).
COVERED_FORMS = [
    "wbl.auth.forms:LanguageForm",
    "wbl.auth.forms:AccountLanguageForm",
    "wbl.placements.forms:GuardianConsentForm",
    "wbl.placements.forms:GuardianLanguageForm",
    "wbl.placements.training_views:AcknowledgeForm",
    "wbl.placements.permit_views:PartForm",
    "wbl.hours.forms:RejectForm",
    "wbl.hours.forms:ConfirmForm",
    "wbl.portfolio.letter_forms:LetterUploadForm",
    "wbl.catalog.worksite_forms:SignForm",
]

# Words that are the same in every language: names and abbreviations.
NOT_WORDS = {"WBL", "PDF", "PNG", "JPEG", "CTE", "API", "ID"}
VISIBLE_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")
GETTEXT_NAMES = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
SENTINEL = "\x00"


def covered_templates() -> list[Path]:
    found = [
        path
        for path in sorted(TEMPLATES.rglob("*"))
        if path.is_file()
        and any(fnmatch(path.relative_to(TEMPLATES).as_posix(), glob) for glob in COVERED_TEMPLATES)
    ]
    assert found, "no template matched COVERED_TEMPLATES"
    return found


def _environment() -> Environment:
    # Parsed only, never rendered: no autoescaping to choose.
    return Environment(extensions=[i18n, "jinja2.ext.do", "jinja2.ext.loopcontrols"])  # noqa: S701


def _skeleton(template: nodes.Template) -> str:
    """The template's literal output in reading order, each expression a SENTINEL."""
    parts: list[str] = []

    def walk(node: nodes.Node) -> None:
        if isinstance(node, nodes.TemplateData):
            parts.append(node.data)
            return
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    parts.append(child.data)
                else:
                    parts.append(SENTINEL)
            return
        for child in node.iter_child_nodes():
            walk(child)

    walk(template)
    return "".join(parts)


def _words(text: str) -> list[str]:
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    return [
        word for word in re.findall(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]", text) if word not in NOT_WORDS
    ]


def _is_gettext_call(node: nodes.Node) -> bool:
    return (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Name)
        and node.node.name in GETTEXT_NAMES
    )


def _prose(value: str) -> bool:
    """A string constant that reads as words to people: it starts with a capitalised word
    ("Paid", "Not set") or is a phrase with punctuation. CSS classes, endpoints, keys and
    icons are lower case and pass."""
    if not re.search(r"[A-Za-z]{2}", value):
        return False
    if re.match(r"[A-Z][a-z]", value.strip()):
        return True
    return bool(re.search(r"[a-z]{2,} [a-z]{2,}.*[.!?:]\s*$", value))


def _constants(template: nodes.Template) -> Iterator[str]:
    """Prose string constants outside gettext calls, comparisons, subscripts and url_for."""

    def walk(node: nodes.Node) -> Iterator[str]:
        if _is_gettext_call(node) or isinstance(node, nodes.Compare | nodes.Getitem):
            return
        if isinstance(node, nodes.Call) and getattr(node.node, "name", "") == "url_for":
            return
        if isinstance(node, nodes.Const) and isinstance(node.value, str) and _prose(node.value):
            yield node.value
        for child in node.iter_child_nodes():
            yield from walk(child)

    yield from walk(template)


def unmarked_in_template(source: str, *, html: bool) -> list[str]:
    """What a reader would see in English whatever their language."""
    tree = _environment().parse(source)
    skeleton = _skeleton(tree)
    problems = []
    if html:
        for attribute in VISIBLE_ATTRIBUTES:
            for value in re.findall(rf'\b{attribute}="([^"{SENTINEL}]*)"', skeleton):
                if _words(value):
                    problems.append(f'{attribute}="{value}"')
        skeleton = re.sub(r"<[^>]*>", " ", skeleton)
    for piece in skeleton.split(SENTINEL):
        if _words(piece):
            problems.append(" ".join(piece.split()))
    problems += [f"constant {value!r}" for value in _constants(tree)]
    return problems


@pytest.mark.parametrize(
    "path", covered_templates(), ids=lambda path: path.relative_to(TEMPLATES).as_posix()
)
def test_every_visible_string_of_a_covered_template_is_marked(path: Path) -> None:
    problems = unmarked_in_template(path.read_text(encoding="utf-8"), html=path.suffix == ".html")
    assert problems == [], f"{path.name}: mark these with _() or {{% trans %}}: {problems}"


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("<p>Hello there</p>", True),
        ('<p>{{ _("Hello") }} friend</p>', True),
        ('<button aria-label="Close"></button>', True),
        ('<dd>{{ "Paid" if paid else _("Unpaid") }}</dd>', True),
        ("{% block subject %}Your consent is needed{% endblock %}", False),
    ],
)
def test_the_scan_finds_unmarked_text(source: str, html: bool) -> None:
    assert unmarked_in_template(source, html=html) != []


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ('<p class="lead">{{ _("Hello %(name)s", name=user.name) }}</p>', True),
        ("{% trans %}Hello there{% endtrans %}", False),
        ('<i class="bi bi-{{ icon }}" aria-hidden="true"></i> WBL · {{ county.name }}', True),
        (
            '{% if category == "Message" %}<a href="{{ url_for("a.b", x="Y") }}">x</a>{% endif %}',
            True,
        ),
    ],
)
def test_the_scan_passes_marked_text(source: str, html: bool) -> None:
    assert unmarked_in_template(source, html=html) == []


# --- forms ---------------------------------------------------------------------------------


def covered_forms() -> list[type[FlaskForm]]:
    forms = []
    for entry in COVERED_FORMS:
        module_name, _, class_name = entry.partition(":")
        module = importlib.import_module(module_name)
        if class_name:
            forms.append(getattr(module, class_name))
        else:
            forms += [
                value
                for value in vars(module).values()
                if inspect.isclass(value)
                and issubclass(value, FlaskForm)
                and value.__module__ == module_name
            ]
    return forms


def _plain(value: object) -> bool:
    """A string people read that was not marked (a lazy translation is not a ``str``)."""
    return isinstance(value, str) and bool(re.search(r"[A-Za-z]{2}", value))


def unmarked_in_form(form: type[FlaskForm]) -> list[str]:
    problems = []
    for name, field in vars(form).items():
        if not isinstance(field, UnboundField):
            continue
        label = field.args[0] if field.args else field.kwargs.get("label")
        if _plain(label):
            problems.append(f"{name} label {label!r}")
        if _plain(field.kwargs.get("description")):
            problems.append(f"{name} description")
        for validator in field.kwargs.get("validators", []) + list(field.args[1:2]):
            if _plain(getattr(validator, "message", None)):
                problems.append(f"{name} {type(validator).__name__} message")
        choices = field.kwargs.get("choices")
        if isinstance(choices, list | tuple):
            for choice in choices:
                shown = choice[1] if isinstance(choice, tuple | list) else choice
                if _plain(shown) and not isinstance(choice, str):
                    problems.append(f"{name} choice {shown!r}")
    return problems


@pytest.mark.parametrize("form", covered_forms(), ids=lambda form: form.__name__)
def test_every_visible_string_of_a_covered_form_is_marked(form: type[FlaskForm]) -> None:
    assert unmarked_in_form(form) == []


def test_the_form_scan_finds_a_plain_label() -> None:
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class Plain(FlaskForm):
        name = StringField("Your name", validators=[DataRequired("Type it")])

    assert unmarked_in_form(Plain) == ["name label 'Your name'", "name DataRequired message"]


# --- the catalogs --------------------------------------------------------------------------


def _spanish() -> object:
    with SPANISH.open("rb") as file:
        return read_po(file, locale="es")


def test_the_spanish_catalog_has_no_untranslated_or_fuzzy_entry() -> None:
    catalog = _spanish()
    untranslated = [
        message.id
        for message in catalog  # type: ignore[attr-defined]
        if message.id
        and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]  # type: ignore[attr-defined]
    assert untranslated == [], "translate these in wbl/translations/es/LC_MESSAGES/messages.po"
    assert fuzzy == [], "check these translations and remove their #, fuzzy flag"


def test_the_translations_keep_their_placeholders() -> None:
    catalog = _spanish()
    wrong = []
    for message in catalog:  # type: ignore[attr-defined]
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(re.findall(r"%\((\w+)\)s", " ".join(ids)))
        for string in strings:
            if set(re.findall(r"%\((\w+)\)s", string)) != expected:
                wrong.append(message.id)
    assert wrong == []


def _extracted(path: Path) -> Iterator[str]:
    """The messages pybabel extracts from a template (as `make translations` does)."""
    with path.open("rb") as file:
        for _line, message, _comments, _context in extract(
            "jinja2",
            file,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
            options={"extensions": "jinja2.ext.do,jinja2.ext.loopcontrols"},
        ):
            yield message[0] if isinstance(message, tuple) else message


def test_every_marked_string_of_a_covered_template_is_in_the_spanish_catalog() -> None:
    """Marked but not extracted (``make translations`` not run) would show English."""
    known = {message.id if isinstance(message.id, str) else message.id[0] for message in _spanish()}  # type: ignore[attr-defined]
    missing = sorted(
        {
            f"{path.relative_to(TEMPLATES)}: {message}"
            for path in covered_templates()
            for message in _extracted(path)
            if message not in known
        }
    )
    assert missing == [], "run `make translations` and translate the new entries"


def _key(value: object) -> object:
    """A message's id or text, a plural's as a tuple (a .mo reads them back as lists)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_compiled_catalog_matches_its_source() -> None:
    """The .mo is built from the .po at setup (`make catalogs`), never committed: a .po
    edited since shows as a difference here until it is compiled again."""
    compiled = SPANISH.with_suffix(".mo")
    assert compiled.exists(), "run `make catalogs`"
    with compiled.open("rb") as file:
        built = {_key(m.id): _key(m.string) for m in read_mo(file) if m.id}
    expected = {
        _key(m.id): _key(m.string)
        for m in _spanish()  # type: ignore[attr-defined]
        if m.id and m.string and not m.fuzzy
    }
    assert built == expected, "the .mo is older than the .po: run `make catalogs`"


def test_a_catalog_compiles(tmp_path: Path) -> None:
    with (tmp_path / "messages.mo").open("wb") as file:
        write_mo(file, _spanish())  # type: ignore[arg-type]
    assert (tmp_path / "messages.mo").stat().st_size > 0


def test_every_language_offered_has_a_catalog(app: Flask) -> None:
    from wbl.i18n import DEFAULT_LANGUAGE, LANGUAGES

    for code in LANGUAGES:
        if code != DEFAULT_LANGUAGE:
            assert (CATALOGS / code / "LC_MESSAGES" / "messages.po").exists()
