"""The dependency rule of docs/architecture.md, read from the imports of every module of wbl/.

Each package under ``wbl/`` is a feature; the modules beside them (``extensions``, ``access``,
``scopes``, ``http``, ``errors``, ``clock`` ...) and ``wbl/imports/`` are the shared layer below
every feature. ``wbl/__init__.py``, ``wbl/models.py`` and ``wbl/seeding.py`` put the features
together and sit above them all; ``wbl/scheduler.py`` is the job list of ``jobs``.

Both module-level imports and imports inside functions count (a lazy import is still a
dependency); imports under ``if TYPE_CHECKING:`` do not (they are annotations, never run).
The features must not import each other in a cycle, and the shared layer imports no feature.
The few edges that still close a cycle are listed below, each with its reason; the list may
only shrink (an entry that no longer exists fails too).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WBL = ROOT / "wbl"

# The modules above the features: they register, list or seed every feature.
TOP = {"wbl", "wbl.models", "wbl.seeding"}
# Modules that belong to a feature although they sit beside the packages.
BELONGS_TO = {"wbl.scheduler": "jobs"}
# Shared-layer packages (below every feature), as opposed to feature packages.
SHARED_PACKAGES = {"imports", "static"}

# Edges between features that still close a cycle, each with why it is not untangled yet.
# The goal is an empty list: remove an entry when its edge goes.
ALLOWED_BACK_EDGES: dict[tuple[str, str], str] = {
    # auth sends the invitation and reset e-mails; the outbox's delivery reads User.
    ("auth", "notifications"): "queue_email; the outbox should take addresses, not users",
    # Teachers' classes (ClassSection, class_section_student) live in schools and hold
    # students; students are placed by school, and the invitation form lists schools.
    ("schools", "students"): "a class's students; classes belong with students",
    # The catalog shows what a student may apply for and recommends from their placements;
    # placements are built on offerings.
    ("catalog", "placements"): "readiness and placement queries belong below the catalog",
    ("catalog", "evaluations"): "the offering page's evaluations summary; a read model above",
    ("hours", "evaluations"): "experience logs show the supervisor's evaluation",
    ("events", "hours"): "the event page records attendance, which hours owns",
    # Submitting asks portfolio's complete rule (what_is_missing); the portfolio pages let an
    # assigned reviewer read (reviews.policies.is_reviewer_of): each needs the other's tables.
    ("reviews", "portfolio"): "portfolio-complete rule; portfolio's reader rule needs reviews",
}

# Imports from the shared layer into a feature, each with its reason; to shrink to nothing.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    ("shared:clock", "county"): "the county's time zone is its settings row (county())",
    ("shared:scopes", "catalog"): "partners an employer speaks for are PartnerContact rows",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports when it runs: module level and inside functions, the
    names of ``from x import y`` as ``x.y`` (``y`` may be a module); not TYPE_CHECKING."""
    tree = ast.parse(path.read_text(), filename=str(path))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _unit(module: str) -> str | None:
    """The feature a module of wbl/ belongs to, ``shared:<name>``, ``top``, or None (outside)."""
    if module in TOP:
        return "top"
    if module in BELONGS_TO:
        return BELONGS_TO[module]
    parts = module.split(".")
    if parts[0] != "wbl" or len(parts) < 2:
        return None
    if (WBL / parts[1]).is_dir() and parts[1] not in SHARED_PACKAGES:
        return parts[1]
    if (WBL / parts[1]).is_dir() or (WBL / f"{parts[1]}.py").is_file():
        return f"shared:{parts[1]}"
    return None


def _edges() -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) -> where, for every import that crosses units."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(WBL.rglob("*.py")):
        source = _unit(_module_name(path))
        assert source is not None
        for target in {_unit(m) for m in _imports(path)} - {None, source}:
            assert target is not None
            edges[(source, target)].append(str(path.relative_to(ROOT)))
    return edges


def _is_feature(unit: str) -> bool:
    return unit != "top" and not unit.startswith("shared:")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_between_features() -> None:
    edges = _edges()
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        allowed = (source, target) in ALLOWED_BACK_EDGES
        if _is_feature(source) and _is_feature(target) and not allowed:
            graph[source].add(target)
    cycles = _cycles(graph)
    assert not cycles, (
        "features import each other in a cycle; move the shared piece down (reference, "
        "wbl/scopes.py) or the composition up (wbl/seeding.py, the CLI):\n"
        + "\n".join(
            " ".join(c)
            + "\n  "
            + "\n  ".join(
                f"{s} -> {t}: {edges[(s, t)][0]}" for s in c for t in sorted(graph[s]) if t in c
            )
            for c in cycles
        )
    )


def test_shared_layer_imports_no_feature() -> None:
    upward = {
        (source, target): where
        for (source, target), where in _edges().items()
        if source.startswith("shared:") and (_is_feature(target) or target == "top")
    }
    unexpected = {edge: where for edge, where in upward.items() if edge not in ALLOWED_UPWARD}
    assert not unexpected, f"the shared layer imports a feature: {unexpected}"


def test_allow_lists_only_name_edges_that_exist() -> None:
    edges = _edges()
    stale = [edge for edge in [*ALLOWED_BACK_EDGES, *ALLOWED_UPWARD] if edge not in edges]
    assert not stale, f"these edges are gone; take them off the allow-list: {stale}"


def test_nothing_imports_the_top() -> None:
    """wbl/__init__.py, wbl/models.py and wbl/seeding.py are above everything else."""
    below = {edge: where for edge, where in _edges().items() if edge[1] == "top"}
    below.pop(("top", "top"), None)
    assert not below or set(below) <= {("demo", "top")}, below


def test_matching_imports_nothing_from_wbl() -> None:
    for path in sorted((ROOT / "matching").rglob("*.py")):
        wbl_imports = {m for m in _imports(path) if m == "wbl" or m.startswith("wbl.")}
        assert not wbl_imports, f"{path.relative_to(ROOT)} imports {sorted(wbl_imports)}"


def test_placements_modules_do_not_import_each_other_in_a_cycle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sorted((WBL / "placements").glob("*.py")):
        name = _module_name(path)
        for target in _imports(path):
            if (
                target.startswith("wbl.placements.")
                and (WBL / "placements").joinpath(target.split(".")[2] + ".py").is_file()
            ):
                module = ".".join(target.split(".")[:3])
                if module != name:
                    graph[name].add(module)
    assert not _cycles(graph)
