"""docs/deploy/alerts.yml: Prometheus rules in the shape Prometheus reads, naming only metrics
the app exports, and the same rules docs/monitoring.md shows.

No YAML parser is among the dependencies, so the file is kept to a plain subset (block
mappings and lists, one-line values) and checked line by line; ``promtool check rules``
is the full check (docs/monitoring.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "docs/deploy/alerts.yml"
GUIDE = ROOT / "docs/monitoring.md"
TOKEN = "token-for-the-alert-rules-test-0123456789"
RULE_KEYS = ("alert", "expr", "for", "labels", "annotations")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _rules_text() -> str:
    return RULES.read_text()


def _alerts() -> list[dict[str, str]]:
    """Each rule's top-level keys and one-line values (``labels`` and ``annotations`` as
    their nested lines)."""
    lines = [line for line in _rules_text().splitlines() if line.strip() and line[0] != "#"]
    assert lines[0] == "groups:"
    assert re.fullmatch(r"  - name: \w+", lines[1])
    assert lines[2] == "    rules:"
    alerts: list[dict[str, str]] = []
    for line in lines[3:]:
        if line.startswith("      - "):
            alerts.append({})
            line = "        " + line[len("      - ") :]
        assert alerts, line
        if line.startswith("          "):  # inside labels or annotations
            last = next(reversed(alerts[-1]))
            alerts[-1][last] += line.strip() + "\n"
            continue
        key, sep, value = line.strip().partition(":")
        assert line.startswith("        "), f"not a rule's key: {line!r}"
        assert sep, f"not a rule's key: {line!r}"
        alerts[-1][key] = value.strip()
    return alerts


def test_the_rule_file_has_the_shape_prometheus_reads() -> None:
    assert "\t" not in _rules_text()
    alerts = _alerts()
    names = [alert["alert"] for alert in alerts]
    assert names == ["WblOutboxBacklogOld", "WblJobNotSucceeding", "WblServerErrors",
                     "WblDatabaseGaugesUnreadable"]  # fmt: skip
    for alert in alerts:
        assert tuple(alert) == RULE_KEYS, alert["alert"]
        assert re.fullmatch(r"\d+[smh]", alert["for"]), alert["alert"]
        assert re.fullmatch(r"severity: (warning|critical)\n", alert["labels"])
        assert re.fullmatch(r'summary: ".+"\ndescription: ".+"\n', alert["annotations"])
        assert alert["expr"].count("(") == alert["expr"].count(")")


def test_the_rules_are_those_the_guide_shows() -> None:
    body = _rules_text().split("groups:\n", 1)[1]
    assert f"```yaml\ngroups:\n{body}```" in GUIDE.read_text()


@pytest.fixture
def exported(app: Flask, client, monkeypatch) -> set[str]:
    """The names of every sample the app's /metrics can report."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    return {
        f"{family.name}{suffix}"
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def test_every_metric_a_rule_names_is_exported(exported: set[str]) -> None:
    named = set(re.findall(r"\bwbl_\w+", "\n".join(a["expr"] for a in _alerts())))
    assert named == {
        "wbl_outbox_oldest_unsent_age_seconds",
        "wbl_job_last_success_timestamp_seconds",
        "wbl_job_period_seconds",
        "wbl_http_requests_total",
        "wbl_database_metrics_up",
    }
    assert named <= exported, named - exported


def test_the_guide_lists_every_exported_metric(exported: set[str]) -> None:
    guide = GUIDE.read_text()
    ours = {name for name in exported if name.startswith("wbl_")}
    listed = {name for name in ours if f"`{name}`" in guide}
    histograms = {n.rsplit("_", 1)[0] for n in ours if n.endswith("_bucket")}
    listed |= {n for n in ours if any(n.startswith(h) and f"`{h}`" in guide for h in histograms)}
    assert ours - listed == set()
