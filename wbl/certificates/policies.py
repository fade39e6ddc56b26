"""Who sees what of a Work Ready interview: pure predicates over the actor and the interview
(the services enforce them; the pages use them to decide what to show)."""

from __future__ import annotations

from wbl.auth.models import User
from wbl.certificates.models import Interview, InterviewPanel, InterviewStatus, InterviewVote
from wbl.scopes import is_staff


def is_panelist(user: User, panel: InterviewPanel) -> bool:
    return any(member.id == user.id for member in panel.members)


def vote_of(actor: User, interview: Interview) -> InterviewVote | None:
    return next((v for v in interview.votes if v.panelist_id == actor.id), None)


def votes_seen_by(user: User, interview: Interview) -> list[InterviewVote]:
    """The votes of ``interview`` that ``user`` (who may open it) sees. Until the panel has
    decided, a panelist sees only their own vote, so that no one votes after reading the
    others'; staff who are not on the panel follow every vote as it comes in. Once the
    interview is passed or not passed, everyone who may open it sees every vote."""
    decided = interview.status in (InterviewStatus.PASSED, InterviewStatus.NOT_PASSED)
    if decided or (is_staff(user) and not is_panelist(user, interview.panel)):
        return list(interview.votes)
    own = vote_of(user, interview)
    return [own] if own else []
