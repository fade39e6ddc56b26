"""The default scoring guide for the Work Ready Certificate portfolio (DOMAIN.md: four levels
per outcome, Emerging 1, Developing 2, Proficient 3, Advanced 4; pass = every outcome at
Proficient or above), with a descriptor per level for Sonoma County's six Portrait of a
Graduate outcomes. Staff edit all of it in the app; seeding never overwrites their edits."""

from __future__ import annotations

from sqlalchemy import func, select

from wbl.extensions import db
from wbl.reference.models import PogOutcome
from wbl.reviews.models import ScoringDescriptor, ScoringGuide, ScoringLevel

LEVELS: list[tuple[int, str]] = [
    (1, "Emerging"),
    (2, "Developing"),
    (3, "Proficient"),
    (4, "Advanced"),
]
PASS_RANK = 3

# outcome code -> descriptors for ranks 1..4
DESCRIPTORS: dict[str, tuple[str, str, str, str]] = {
    "curious": (
        "Asks few questions; the artifacts show tasks done as told, with little sign of "
        "wondering why or exploring further.",
        "Asks questions when prompted and explores a topic a little beyond what was "
        "assigned; the commentary names what was interesting.",
        "Asks good questions on their own, looks for answers, and follows an interest into "
        "new learning; the commentary explains what they found out and how.",
        "Seeks out the unknown: pursues questions across settings, tries new approaches, "
        "and turns what they discover into new opportunities for themselves or others.",
    ),
    "empathetic": (
        "Shows little awareness of other people's experiences or needs in the work.",
        "Notices others' feelings or needs when they are pointed out, and responds with some care.",
        "Listens to understand others' experiences, adapts what they do to people's needs, "
        "and is patient and generous; the commentary gives a concrete example.",
        "Anticipates others' needs, acts on them without being asked, and helps a group "
        "understand and include perspectives different from its own.",
    ),
    "communicator": (
        "Ideas are hard to follow in writing or speech; listening and responding to others "
        "is not shown.",
        "Gets the main point across with some gaps in clarity, organisation or audience; "
        "listens but responds unevenly.",
        "Makes a point clearly and appropriately for the audience in writing and speech, "
        "listens, and responds thoughtfully; the resume and cover letter are clear.",
        "Communicates with precision and confidence across forms and audiences, adjusts "
        "message and tone with skill, and helps others be heard.",
    ),
    "collaborator": (
        "Works mostly alone or contributes little to shared work.",
        "Does their part in a team when roles are set by others; sometimes makes room for "
        "other voices.",
        "Joins forces with others, shares the work fairly, makes room for different voices, "
        "and helps the team reach its goal; the commentary shows their role.",
        "Brings out the best in a team: organises shared work, resolves conflict, and draws "
        "in every member's strengths.",
    ),
    "ethical": (
        "The work shows little attention to honesty, fairness or the effect of choices on others.",
        "Follows rules about honesty and fairness when reminded; recognises right and wrong "
        "in clear-cut cases.",
        "Acts honestly and responsibly without being reminded, credits sources and others' "
        "work, and explains how they judged what was fair in a real situation.",
        "Holds to what is right when it is hard, weighs competing interests with care, and "
        "encourages others to do the same.",
    ),
    "self_directed": (
        "Waits to be told what to do; work is left unfinished without direction.",
        "Takes initiative now and then and finishes tasks with reminders; sets simple goals.",
        "Sets goals, plans and finishes work on their own, seeks feedback, and keeps going "
        "after setbacks; the commentary shows growth over time.",
        "Leads their own learning: creates opportunities, takes on challenges beyond what is "
        "expected, and helps others grow.",
    ),
}


def seed_scoring_guide() -> int:
    """Load the default guide; returns how many rows it added. Idempotent and respectful of
    staff edits: the levels are created only when there are none at all (a renamed, added or
    removed level stays as staff left it); a descriptor is added only where none exists for
    that level and outcome; the passing rule only when there is none. Flushes, never
    commits (``wbl.seeding.seed_reference`` commits)."""
    added = 0
    if db.session.scalar(select(func.count(ScoringLevel.id))) == 0:
        for rank, name in LEVELS:
            db.session.add(ScoringLevel(rank=rank, name=name))
            added += 1
        db.session.flush()
    if db.session.scalar(select(func.count(ScoringGuide.id))) == 0:
        db.session.add(ScoringGuide(pass_rank=PASS_RANK))
        added += 1
    levels = {level.rank: level for level in db.session.scalars(select(ScoringLevel))}
    outcomes = {o.code: o for o in db.session.scalars(select(PogOutcome))}
    existing = set(
        db.session.execute(select(ScoringDescriptor.level_id, ScoringDescriptor.outcome_id)).all()
    )
    for code, texts in DESCRIPTORS.items():
        outcome = outcomes.get(code)
        if outcome is None:
            continue
        for rank, text in enumerate(texts, start=1):
            level = levels.get(rank)
            if level is None or (level.id, outcome.id) in existing:
                continue
            db.session.add(ScoringDescriptor(level_id=level.id, outcome_id=outcome.id, text=text))
            added += 1
    db.session.flush()
    return added
