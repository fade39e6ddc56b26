"""The county's calendar day. Dates students and employers see (deadlines, start dates) are
local to the county, not UTC: a deadline passes at local midnight."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
