"""The production guide and its files (docs/deployment.md, docs/deploy/) describe the app as
it is: every command a systemd unit runs exists in the app and takes the arguments the unit
gives it, gunicorn loads its configuration and the app the unit names, nginx lets through
exactly the uploads the app accepts and talks to the address gunicorn binds, and every
environment variable ``config.py`` reads is in the guide's table.

The units are written for a server (code in /srv/wbl/app, its virtual environment in
/srv/wbl/venv); the tests read them as they are and map those two folders onto this checkout.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from config import Config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
GUIDE = ROOT / "docs" / "deployment.md"
SERVER_APP = "/srv/wbl/app"
SERVER_VENV = "/srv/wbl/venv"
UNITS = sorted(DEPLOY.glob("*.service"))
# Programs a unit may run besides the app's own, found at the same path on Debian.
SYSTEM_PROGRAMS = {"/bin/kill", "/usr/bin/find"}


# --------------------------------------------------------------------------- reading units


def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit file, continuation lines joined."""
    entries: list[tuple[str, str, str]] = []
    section = ""
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def exec_commands(path: Path) -> list[tuple[str, list[str]]]:
    """Each Exec*= line of a unit as (key, argv), with systemd's escapes undone ("%%" is a
    "%", "$$" a "$"; the units use no other specifiers or variables but $MAINPID)."""
    commands = []
    for _section, key, value in unit_entries(path):
        if key.startswith("Exec"):
            # A lone "%" is a specifier systemd replaces (%Y, %m, %d, %H: folders, machine
            # id, host name), a lone "$" a variable: written by mistake, they pass silently.
            bare = value.replace("%%", "").replace("$$", "").replace("$MAINPID", "")
            assert "%" not in bare, f"{path.name} {key}: write a literal % as %%"
            assert "$" not in bare, f"{path.name} {key}: write a literal $ as $$"
            words = shlex.split(value.lstrip("-@:+!"))
            commands.append((key, [w.replace("%%", "%").replace("$$", "$") for w in words]))
    return commands


def unit_environment(path: Path) -> dict[str, str]:
    environment = {}
    for _section, key, value in unit_entries(path):
        if key == "Environment":
            for word in shlex.split(value):
                name, _, setting = word.partition("=")
                environment[name] = setting
    return environment


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments, double quotes)."""
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name] = value[1:-1] if value[:1] == value[-1:] == '"' else value
    return values


# --------------------------------------------------------------------------- the app's CLI


def resolve_flask_command(app: Flask, words: list[str]) -> click.Command:
    """The command ``flask --app wsgi WORDS`` runs, found as ``flask`` finds it (the built-in
    commands, then the app's), with WORDS' options and arguments parsed by it."""
    info = ScriptInfo(create_app=lambda: app)
    group = FlaskGroup(create_app=lambda: app)
    command: click.Command = group
    rest = list(words)
    path = ["flask --app wsgi"]
    with click.Context(group, info_name="flask", obj=info) as context:
        while isinstance(command, click.Group):
            assert rest, f"`{' '.join(path)}` is a group: the unit names no command of it"
            name = rest.pop(0)
            found = command.get_command(context, name)
            path.append(name)
            assert found is not None, f"the app has no command `{' '.join(path)}`"
            command = found
            context = click.Context(command, info_name=name, parent=context, obj=info)
        command.parse_args(context, rest)  # raises on an option or argument it does not take
    return command


def test_the_resolver_finds_real_commands_and_refuses_others(app: Flask) -> None:
    assert resolve_flask_command(app, ["db", "upgrade"]).name == "upgrade"
    assert resolve_flask_command(app, ["users", "create-admin", "a@example.org"])
    with pytest.raises(AssertionError, match="no command `flask --app wsgi users frobnicate`"):
        resolve_flask_command(app, ["users", "frobnicate"])
    with pytest.raises(click.UsageError):
        resolve_flask_command(app, ["scheduler", "--no-such-option"])


# --------------------------------------------------------------------------- the units


@pytest.fixture
def stub_venv(tmp_path: Path) -> Path:
    """A stand-in for /srv/wbl/venv whose programs print their arguments, one a line: how
    a unit's shell line expands (quotes, the dated folder) without running anything."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("flask", "gunicorn"):
        stub = bin_dir / name
        stub.write_text('#!/bin/sh\nfor a in "$0" "$@"; do printf \'%s\\n\' "$a"; done\n')
        stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return tmp_path / "venv"


def expand_shell(argv: list[str], stub_venv: Path) -> list[str]:
    """``/bin/sh -c 'exec PROGRAM ARGS'`` as the program would receive it."""
    assert argv[:2] == ["/bin/sh", "-c"], argv
    assert len(argv) == 3, argv
    assert argv[2].startswith(f"exec {SERVER_VENV}/bin/"), "a shell line must exec the app"
    body = argv[2].replace(SERVER_VENV, str(stub_venv))
    result = subprocess.run(  # noqa: S603 - /bin/sh on a line of our own unit files
        ["/bin/sh", "-c", body], capture_output=True, text=True, check=True
    )
    words = result.stdout.splitlines()
    return [words[0].replace(str(stub_venv), SERVER_VENV), *words[1:]]


def deployment_environment(tmp_path: Path, unit: Path) -> dict[str, str]:
    """The environment a unit's process gets on a server (docs/deploy/wbl.env.example and
    the unit's own Environment=), with what only exists on a server pointed at this one."""
    environment = {**os.environ, **env_file(DEPLOY / "wbl.env.example"), **unit_environment(unit)}
    for name, value in list(environment.items()):
        if value.startswith("/run/") or value.startswith("/var/lib/wbl/"):
            environment[name] = str(tmp_path / value.strip("/"))
            Path(environment[name]).mkdir(parents=True, exist_ok=True)
    environment.update(
        SECRET_KEY="x" * 48,  # the example leaves it empty: production would refuse to start
        DATABASE_URL=f"sqlite:///{tmp_path / 'wbl.sqlite'}",  # no database server here
        RATELIMIT_STORAGE_URI="database://",  # no Redis here
        WBL_BADGE_KEY_FILE=str(tmp_path / "badge-key.pem"),
        RUNTIME_DIRECTORY=str(tmp_path / "run"),
    )
    environment.pop("FLASK_RUN_FROM_CLI", None)  # gunicorn's import, as on a server
    environment.pop("TEST_DATABASE_URL", None)
    return environment


def gunicorn_settings(argv: list[str], environment: dict[str, str]) -> dict[str, str]:
    """Run the unit's gunicorn command with ``--print-config`` (gunicorn loads the config
    file and imports the app, then exits); its resolved settings."""
    args = [a.replace(SERVER_APP, str(ROOT)) for a in argv[1:]]
    result = subprocess.run(  # noqa: S603 - our own interpreter and unit file
        [sys.executable, "-m", "gunicorn", "--print-config", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    settings = {}
    for line in result.stdout.splitlines():
        name, equals, value = line.partition(" = ")
        if equals:
            settings[name.strip()] = value.strip()
    return settings


def unit_commands() -> Iterator[tuple[Path, str, list[str]]]:
    for unit in UNITS:
        for key, argv in exec_commands(unit):
            yield unit, key, argv


def test_the_units_are_there_and_run_the_app() -> None:
    names = {unit.name for unit in UNITS}
    assert names == {"wbl-web.service", "wbl-scheduler.service", "wbl-backup.service"}
    for unit in UNITS:
        keys = {key for _section, key, _value in unit_entries(unit)}
        assert {"ExecStart", "User", "WorkingDirectory", "EnvironmentFile"} <= keys, unit.name
        assert ("Service", "WorkingDirectory", SERVER_APP) in unit_entries(unit)
        assert ("Service", "EnvironmentFile", "/etc/wbl/wbl.env") in unit_entries(unit)


@pytest.mark.parametrize(
    ("unit", "key", "argv"),
    [pytest.param(*c, id=f"{c[0].name}:{c[1]}") for c in unit_commands()],
)
def test_every_command_a_unit_runs_exists(
    app: Flask, tmp_path: Path, stub_venv: Path, unit: Path, key: str, argv: list[str]
) -> None:
    """``flask --app wsgi ...`` names a command of the app with arguments it takes (``backup``
    and ``scheduler`` included); gunicorn's command loads its config and ``wsgi:app``; a
    shell line is expanded first; nothing else runs but a few system programs."""
    if argv[0] == "/bin/sh":
        argv = expand_shell(argv, stub_venv)
    program = argv[0]
    if program == f"{SERVER_VENV}/bin/flask":
        assert argv[1:3] == ["--app", "wsgi"], argv
        resolve_flask_command(app, argv[3:])
    elif program == f"{SERVER_VENV}/bin/gunicorn":
        assert argv[-1] == "wsgi:app", argv
        settings = gunicorn_settings(argv, deployment_environment(tmp_path, unit))
        assert settings["preload_app"] == "False"  # docs/deployment.md: why not
    else:
        assert program in SYSTEM_PROGRAMS, f"{unit.name} {key} runs {program}: add a check"
        assert Path(program).exists()


def test_the_backup_goes_into_a_new_dated_folder(stub_venv: Path) -> None:
    (argv,) = [a for _k, a in exec_commands(DEPLOY / "wbl-backup.service") if _k == "ExecStart"]
    expanded = expand_shell(argv, stub_venv)
    assert expanded[3:5] == ["backup", "create"]
    assert re.fullmatch(r"/var/backups/wbl/\d{8}T\d{6}Z", expanded[5]), expanded


def test_the_timer_starts_the_backup() -> None:
    timer = unit_entries(DEPLOY / "wbl-backup.timer")
    assert ("Timer", "Unit", "wbl-backup.service") in timer
    assert any(key == "OnCalendar" for _s, key, _v in timer)
    assert (DEPLOY / "wbl-backup.service").exists()


def test_gunicorn_serves_the_app_object_of_wsgi(tmp_path: Path) -> None:
    """``wsgi:app``, loaded as gunicorn loads it, is the Flask app that ``wsgi.py`` builds."""
    script = (
        "import sys\n"
        "from flask import Flask\n"
        "from gunicorn.util import import_app\n"
        "from wbl.catalog import recommendations\n"
        "recommendations._start_rebuild = lambda app, today: None\n"
        "served = import_app(sys.argv[1])\n"
        "import wsgi\n"
        "assert isinstance(served, Flask) and served is wsgi.app, served\n"
    )
    (argv,) = [a for key, a in exec_commands(DEPLOY / "wbl-web.service") if key == "ExecStart"]
    environment = deployment_environment(tmp_path, DEPLOY / "wbl-web.service")
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script, argv[-1]],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_gunicorn_settings_are_the_guides(tmp_path: Path) -> None:
    unit = DEPLOY / "wbl-web.service"
    (argv,) = [a for key, a in exec_commands(unit) if key == "ExecStart"]
    environment = deployment_environment(tmp_path, unit)
    environment.pop("WEB_CONCURRENCY", None)
    settings = gunicorn_settings(argv, environment)
    assert settings["worker_class"] == "gthread"
    assert settings["workers"] == str(2 * (os.cpu_count() or 1))
    assert settings["threads"] == "4"
    assert settings["bind"] == "['127.0.0.1:8000']"
    assert settings["control_socket"] == str(tmp_path / "run" / "gunicorn.ctl")
    environment["WEB_CONCURRENCY"] = "7"
    assert gunicorn_settings(argv, environment)["workers"] == "7"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """``systemd-analyze verify`` on copies whose server paths point at this checkout (it
    checks that every program exists)."""
    (tmp_path / "wbl.env").write_text("")
    venv = Path(sys.executable).parent.parent
    for unit in (*UNITS, DEPLOY / "wbl-backup.timer"):
        text = unit.read_text().replace(SERVER_VENV, str(venv)).replace(SERVER_APP, str(ROOT))
        (tmp_path / unit.name).write_text(
            text.replace("/etc/wbl/wbl.env", str(tmp_path / "wbl.env"))
        )
    names = [str(tmp_path / u.name) for u in (*UNITS, DEPLOY / "wbl-backup.timer")]
    result = subprocess.run(  # noqa: S603 - systemd's own checker on our copies
        ["systemd-analyze", "verify", "--man=no", *names],  # noqa: S607 - found on PATH above
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip()  # warnings too


# --------------------------------------------------------------------------- nginx


def nginx_directive(name: str) -> list[str]:
    text = (DEPLOY / "nginx-wbl.conf").read_text()
    return re.findall(rf"^[ \t]*{name}[ \t]+([^;#{{}}\n]+);", text, flags=re.MULTILINE)


def test_nginx_takes_the_uploads_the_app_takes() -> None:
    (size,) = nginx_directive("client_max_body_size")
    number, unit = re.fullmatch(r"(\d+)([km]?)", size.strip()).groups()  # type: ignore[union-attr]
    assert int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit] == Config.MAX_CONTENT_LENGTH


def test_nginx_talks_to_the_address_gunicorn_binds() -> None:
    namespace: dict[str, object] = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102 - our own config file, as gunicorn loads it
    (server,) = [s.split()[0] for s in nginx_directive("server")]
    assert namespace["bind"] == [server]


def test_nginx_passes_the_headers_the_app_reads() -> None:
    headers = {h.split()[0]: h.split(None, 1)[1] for h in nginx_directive("proxy_set_header")}
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"  # appended, not replaced
    assert headers["X-Forwarded-Proto"] == "$wbl_forwarded_proto"
    assert headers["X-Request-ID"] == "$wbl_request_id"
    assert headers["Host"] == "$host"


# --------------------------------------------------------------------------- variables


def environment_names(source: str) -> set[str]:
    """Every name the module reads from the environment: ``os.environ.get("X", ...)``,
    ``os.environ["X"]``, ``os.getenv("X")``, and calls with a literal name of its own helpers
    that pass their first parameter to one of those (``_bool("X")``)."""
    tree = ast.parse(source)

    def is_environ(node: ast.expr) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    def reads_environment(call: ast.Call) -> bool:
        func = call.func
        return isinstance(func, ast.Attribute) and (
            (func.attr == "get" and is_environ(func.value)) or func.attr == "getenv"
        )

    helpers = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and function.args.args:
            first = function.args.args[0].arg
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and reads_environment(node)
                    and node.args
                    and isinstance(node.args[0], ast.Name)
                    and node.args[0].id == first
                ):
                    helpers.add(function.name)

    names = set()
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            helper = isinstance(node.func, ast.Name) and node.func.id in helpers
            if helper or reads_environment(node):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    return names


def documented_names() -> set[str]:
    """The names in the first column of the guide's tables."""
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", GUIDE.read_text(), flags=re.MULTILINE))


def test_the_reader_finds_every_way_of_reading_a_variable() -> None:
    source = (
        "import os\n"
        "def _flag(name, default=False):\n    return os.environ.get(name) == '1'\n"
        "A = os.environ.get('ONE', 'x')\nB = os.environ['TWO']\nC = os.getenv('THREE')\n"
        "D = _flag('FOUR')\nE = print('NOT_ONE')\n"
    )
    assert environment_names(source) == {"ONE", "TWO", "THREE", "FOUR"}


def test_every_variable_config_reads_is_in_the_guide() -> None:
    names = environment_names((ROOT / "config.py").read_text())
    assert {"SECRET_KEY", "DATABASE_URL", "MAIL_USE_TLS", "WBL_PROXY_HOPS"} <= names
    missing = sorted(names - documented_names())
    assert not missing, f"docs/deployment.md, Environment variables, lacks {missing}"


def test_every_variable_of_the_example_file_is_in_the_guide() -> None:
    text = (DEPLOY / "wbl.env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    assert "SECRET_KEY" in names
    missing = sorted(names - documented_names() - {"WBL_SSO_GOOGLE_SECRET"})  # the TOML's
    assert not missing, f"docs/deployment.md does not describe {missing}"
    assert env_file(DEPLOY / "wbl.env.example")["SECRET_KEY"] == ""  # never a usable secret
