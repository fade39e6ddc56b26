"""The transaction rules of docs/architecture.md, read from the code of every module of wbl/.

A public service function is one use case and one transaction: it is ``@atomic`` (a refusal
leaves nothing behind) and ends in ``db.session.commit()``. Helpers (``_name``) flush and never
commit, so a use case that calls two of them is still one transaction; views never commit.
The few exceptions are listed below, each with its reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import wbl
from wbl import extensions

# The few places that commit outside the rules, on purpose, each with its reason: most commit
# per item (one item's failure or a slow step must not hold back or undo the others).
ALLOWED = {
    # A message's claim and its result are committed one by one, before and after the slow
    # SMTP call, so other senders see them (the module's docstring has the rules).
    "wbl.notifications.delivery": "claims and results are committed per message",
    # The job runner: the job owns its transactions; the run is recorded after it, even
    # after a failed job was rolled back.
    "wbl.scheduler.execute": "records each job run after the job's own transaction",
    # Each due round is its own transaction: a round that fails is rolled back, logged and
    # reported, and the others still run (see its docstring).
    "wbl.rounds.allocation.run_due_rounds": "one transaction per due round",
    # Sign-in: the throttle writes its counters in transactions of their own, on another
    # connection, before and after the password check (they must outlive a refusal). A
    # SAVEPOINT opened first would hold SQLite's read lock and make those commits fail
    # ("database is locked"); the one commit here records the sign-in, nothing to undo.
    "wbl.auth.services.authenticate": "the throttle's own transactions come first",
    # The API's token check, for the same reason: the token's rate-limit counter is written
    # right after it on the throttle's own connection, which a SAVEPOINT left open here (when
    # the token's last use needs no update) would lock out on SQLite. Its one commit records
    # the last use, nothing to undo.
    "wbl.api.services.authenticate": "the rate-limit counter's own transaction follows",
}

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _modules() -> Iterator[ModuleType]:
    yield wbl
    for info in pkgutil.walk_packages(wbl.__path__, prefix="wbl."):
        yield importlib.import_module(info.name)


def _source(module: ModuleType) -> str:
    return Path(inspect.getfile(module)).read_text(encoding="utf-8")


def _is_commit(node: ast.AST) -> bool:
    """``<…>.session.commit()`` or ``session.commit()``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr != "commit":
        return False
    owner = node.func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "session") or (
        isinstance(owner, ast.Name) and owner.id == "session"
    )


def _commits(function: Function) -> bool:
    """Whether the function's own body commits (a nested function is checked on its own)."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, Function | ast.Lambda | ast.ClassDef):
            continue
        if _is_commit(node):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _is_atomic(function: Function) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "atomic")
        or (isinstance(d, ast.Attribute) and d.attr == "atomic")
        for d in function.decorator_list
    )


def _functions(source: str, module: str) -> Iterator[tuple[str, Function]]:
    """Every function of ``source`` with its dotted name: a method is ``module.Class.method``,
    a nested function ``module.outer.inner``."""
    scopes: list[tuple[str, ast.AST]] = [(module, ast.parse(textwrap.dedent(source)))]
    while scopes:
        prefix, scope = scopes.pop()
        for node in ast.iter_child_nodes(scope):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}.{node.name}"
                scopes.append((name, node))
                if not isinstance(node, ast.ClassDef):
                    yield name, node


def problems_in(source: str, module: str) -> Iterator[tuple[str, str]]:
    """(function, what is wrong) for every function of ``source`` that breaks a rule."""
    for name, node in _functions(source, module):
        if not _commits(node):
            continue
        last = module.rsplit(".", 1)[-1]
        if last == "views" or last.endswith("_views"):
            yield name, "a view commits (call a service that does)"
        elif node.name.startswith("_"):
            yield name, "a helper commits (flush, and let the public use case commit)"
        elif not _is_atomic(node):
            yield name, "a committing use case without @atomic"


def _allowed(name: str) -> bool:
    return any(name == key or name.startswith(f"{key}.") for key in ALLOWED)


def test_every_committing_use_case_is_atomic_and_helpers_never_commit() -> None:
    found: list[str] = []
    for module in _modules():
        if getattr(module, "atomic", extensions.atomic) is not extensions.atomic:
            found.append(f"{module.__name__}: `atomic` is not wbl.extensions.atomic")
        found += [
            f"{name}: {what}"
            for name, what in problems_in(_source(module), module.__name__)
            if not _allowed(name)
        ]
    assert found == []


def test_the_allow_list_names_places_that_commit() -> None:
    """An entry whose code no longer commits goes, so the list stays the honest few."""
    committing = {
        name
        for module in _modules()
        for name, node in _functions(_source(module), module.__name__)
        if _commits(node)
    }
    stale = [
        key
        for key in ALLOWED
        if not any(name == key or name.startswith(f"{key}.") for name in committing)
    ]
    assert stale == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            """
            def close(actor, offering_id):
                db.session.commit()
            """,
            [("m.services.close", "a committing use case without @atomic")],
        ),
        (
            """
            def _decide(actor, record_id):
                db.session.commit()
            """,
            [
                (
                    "m.services._decide",
                    "a helper commits (flush, and let the public use case commit)",
                )
            ],
        ),
        (
            """
            class Runner:
                def run(self):
                    if self.ready:
                        db.session.commit()
            """,
            [("m.services.Runner.run", "a committing use case without @atomic")],
        ),
        (
            """
            @atomic
            def close(actor, offering_id):
                _flush_only()
                db.session.commit()

            def _flush_only():
                db.session.flush()

            def read(offering_id):
                return db.session.get(Offering, offering_id)
            """,
            [],
        ),
    ],
)
def test_the_rule_reader_sees_what_breaks_it(source: str, expected: list[tuple[str, str]]) -> None:
    assert list(problems_in(source, "m.services")) == expected


def test_a_view_that_commits_is_named() -> None:
    source = """
        @atomic
        def save():
            db.session.commit()
        """
    assert list(problems_in(source, "m.views")) == [
        ("m.views.save", "a view commits (call a service that does)")
    ]
