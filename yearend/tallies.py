"""计票: what the ballots say of each member — online and paper counted together — and the result the
count suggests to the committee. Officers see these tallies; no one sees who voted what."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from accounts.models import Member
from scoring.core.ruleset import EvaluationKind
from yearend.models import Ballot, EvaluationSession, PaperTally

CENT = Decimal("0.01")


@dataclass
class MemberTally:
    """One member's count: votes per level (levels kind) or the mean vote score (score kind)."""

    member: Member
    online_counts: Counter = field(default_factory=Counter)
    paper_counts: Counter = field(default_factory=Counter)
    online_ballots: int = 0
    paper_ballots: int = 0
    online_score_sum: Decimal = Decimal(0)
    paper_score: Decimal | None = None
    self_assessment: str = ""
    self_level: str = ""

    @property
    def counts(self) -> Counter:
        return self.online_counts + self.paper_counts

    def rows(self, counts: Counter, levels: list[str]) -> list[tuple[str, int]]:
        """(level, votes) in the session's order, for templates (a Counter answers 0 to ``.items``)."""
        return [(level, counts[level]) for level in levels if counts[level]]

    @property
    def ballots(self) -> int:
        return self.online_ballots + self.paper_ballots

    @property
    def score(self) -> Decimal | None:
        """The mean vote score over every ballot, paper ones weighted by their number; None without votes."""
        weight = self.online_ballots + (self.paper_ballots if self.paper_score is not None else 0)
        if not weight:
            return None
        total = self.online_score_sum + (self.paper_score or 0) * (
            self.paper_ballots if self.paper_score is not None else 0
        )
        return (total / weight).quantize(CENT, rounding=ROUND_HALF_UP)

    suggestion: str | Decimal | None = None
    levels: list[str] = field(default_factory=list)

    @property
    def online_rows(self) -> list[tuple[str, int]]:
        return self.rows(self.online_counts, self.levels)

    @property
    def count_rows(self) -> list[tuple[str, int]]:
        return self.rows(self.counts, self.levels)


def _suggested_level(counts: Counter, levels: list[str]) -> str | None:
    """The level most votes named; a tie goes to the better level (the benefit of the doubt)."""
    if not counts:
        return None
    best = max(counts.values())
    return next(level for level in levels if counts.get(level) == best)


def session_tallies(session: EvaluationSession) -> list[MemberTally]:
    """Every member evaluated with their count, in roster order — a fixed number of queries."""
    participants = (
        session.participants.filter(evaluated=True).select_related("member").order_by("member__real_name")
    )
    tallies = {p.member_id: MemberTally(member=p.member, levels=list(session.levels)) for p in participants}
    for subject_id, level, score in Ballot.objects.filter(session=session).values_list(
        "subject_id", "level", "score"
    ):
        tally = tallies.get(subject_id)
        if tally is None:
            continue
        tally.online_ballots += 1
        if level:
            tally.online_counts[level] += 1
        if score is not None:
            tally.online_score_sum += score
    seen: set[int] = set()
    for paper in PaperTally.objects.filter(session=session).order_by("-entered_at", "-id"):
        if paper.subject_id in seen or paper.subject_id not in tallies:
            continue  # a later entry corrects the earlier ones
        seen.add(paper.subject_id)
        tally = tallies[paper.subject_id]
        tally.paper_ballots = paper.ballots
        tally.paper_counts = Counter(paper.counts)
        tally.paper_score = paper.score
    for assessment in session.self_assessments.all():
        if assessment.member_id in tallies:
            tallies[assessment.member_id].self_assessment = assessment.text
            tallies[assessment.member_id].self_level = assessment.level
    for tally in tallies.values():
        if session.kind == EvaluationKind.LEVELS:
            tally.suggestion = _suggested_level(tally.counts, session.levels)
        else:
            tally.suggestion = tally.score
    return list(tallies.values())
