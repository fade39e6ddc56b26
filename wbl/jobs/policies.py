"""Who may start a scheduled job by hand."""

from __future__ import annotations

from wbl.auth.models import User
from wbl.scopes import is_county_wide


def can_run_jobs(user: User) -> bool:
    """County-wide staff and administrators: every job works on the whole county (all
    districts' postings, placements, hours and e-mail), so a district's staff may watch the
    jobs but not start one."""
    return is_county_wide(user)
