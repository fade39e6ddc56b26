"""The recommendation index on disk, so the web workers of one server build it once.

The worker that builds an index (in a background thread) writes it to
``MATCHING_INDEX_FOLDER`` under a name derived from the catalog's fingerprint; a worker that
needs the same catalog's index loads that file (milliseconds) instead of building it again
(a third of a second for the demo county, seconds at ten times its catalog). A lock file
makes the workers that notice a change at the same moment wait for the first one's build
rather than repeat it. Files are written whole (a temporary file, then a rename), so a reader
never sees half of one, and only the newest few are kept.

The files are pickles: they are written by this server's own processes into a folder only
its account may open (mode 0700), and a file that cannot be read back (a damaged file, or
one from another version of the code) is built again, never an error. An empty
``MATCHING_INDEX_FOLDER`` keeps each worker's index to itself (the tests' default).

The index is built in a process of its own (``build_in_own_process``: this module run with
``python -m``), which writes the file and exits: building needs scikit-learn and SciPy (some
60 MB), loading the file needs neither, so no web worker keeps them in memory.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    import matching

log = logging.getLogger(__name__)

FORMAT = 2  # raise when what an index file holds changes shape (2: the concept vocabulary)
KEEP = 4  # files kept: the current catalog's and a few before it
_SUFFIX = ".index"


def folder() -> Path | None:
    """The folder the workers share, created on first use; None when sharing is off."""
    configured = str(current_app.config.get("MATCHING_INDEX_FOLDER") or "")
    if not configured:
        return None
    path = Path(configured)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@functools.cache
def _code_versions() -> tuple[str, ...]:
    """What an index file's contents depend on besides the catalog: the libraries that
    pickled it or cut its words, and the concept vocabulary it was read with (a deploy
    that adds a word to ``matching/concepts.toml`` builds the index again)."""
    from matching.concepts import CONCEPTS_FILE

    libraries = ("numpy", "scipy", "scikit-learn", "snowballstemmer", "pyspellchecker")
    vocabulary = hashlib.sha256(CONCEPTS_FILE.read_bytes()).hexdigest()[:16]
    return (*(metadata.version(name) for name in libraries), vocabulary)


def file_for(shared: Path, version: tuple[object, ...]) -> Path:
    """The file of the index built from the catalog with this fingerprint, in this database."""
    uri = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    database = make_url(uri).render_as_string(hide_password=True)
    key = repr((FORMAT, _code_versions(), database, version)).encode()
    return shared / f"{hashlib.sha256(key).hexdigest()[:40]}{_SUFFIX}"


@contextmanager
def one_builder(shared: Path) -> Iterator[None]:
    """Held while a process looks for, builds or writes an index: one at a time per server."""
    with (shared / "build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load(path: Path) -> matching.OfferingIndex | None:
    """The index written to ``path``, or None when there is none or it cannot be read."""
    import matching  # the index's classes; loading it imports what they need

    try:
        with path.open("rb") as file:
            index = pickle.load(file)  # noqa: S301 - written by this server, see the docstring
    except FileNotFoundError:
        return None
    except Exception:  # damaged, or pickled by other code: build it again
        log.warning("matching index file %s could not be read; building it again", path.name)
        return None
    return index if isinstance(index, matching.OfferingIndex) else None


def save(path: Path, index: matching.OfferingIndex) -> None:
    """Write the index whole (a reader sees the old file or the new one), then forget all but
    the newest ``KEEP`` files."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(index, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _forget_old(path.parent)


def _forget_old(shared: Path) -> None:
    files = sorted(shared.glob(f"*{_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


def build_in_own_process(path: Path, today: date) -> bool:
    """Build today's index of the published catalog in a new interpreter with this app's
    settings, written to ``path``; False (and a warning) when that process failed."""
    settings = _picklable_settings(current_app.config)
    root = Path(current_app.root_path).parent  # where ``wbl`` and ``config`` are imported from
    started = time.perf_counter()
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", __name__],
            input=pickle.dumps((settings, str(path), today)),
            cwd=root,
            timeout=float(current_app.config["MATCHING_INDEX_BUILD_TIMEOUT"]),
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning("the matching index process took too long; building it here")
        return False
    if done.returncode != 0:
        log.warning("the matching index process failed (%s); building it here", done.returncode)
        return False
    log.info("matching index written by its own process in %.2f s", time.perf_counter() - started)
    return True


def _picklable_settings(config: Mapping[str, object]) -> dict[str, object]:
    settings = {}
    for name, value in config.items():
        if not name.isupper():
            continue
        try:
            pickle.dumps(value)
        except Exception:  # noqa: S112 - a setting the build does not need (an object)
            continue
        settings[name] = value
    return settings


def _main() -> None:
    """``python -m wbl.catalog.index_files``: the builder's side of ``build_in_own_process``
    (the app's settings, the file and the day come pickled on standard input)."""
    from config import Config
    from wbl import create_app
    from wbl.catalog.recommendations import build_to_file

    settings, path, today = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - from our parent
    app = create_app(type("BuilderConfig", (Config,), settings))
    with app.app_context():
        build_to_file(Path(path), today)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    _main()
