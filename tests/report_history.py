"""A hiring history with known answers, written as rows (stage moves, offers, interviews,
scorecards) at chosen instants, for the report tests.

Eight applicants to senior-backend, all applying 60 days before the clock's now (T0); day
numbers below are days after T0:

    #  source      moves (day)                                            outcome
    1  LinkedIn    screening 2, tech 5, interview 10, final 14, offer 16, hired 20
    2  referral    screening 1, tech 4, interview 8, final 10, offer 12, hired 30
    3  referral    screening 4, tech 6, interview 9, rejected 12
    4  LinkedIn    screening 2, rejected 3
    5  job board   rejected 1
    6  (none)      still in Applied
    7  referral    screening 5, tech 10, interview 15, final 20, offer 25, hired 40
    8  LinkedIn    screening 1, tech 2, interview 3, final 4, offer 5, withdrawn 9

Known answers: the funnel reaches 8, 6, 5, 5, 4, 4, 3 (Applied … Hired); time to hire is 20, 30
and 40 days (median 30, middle half 25–35); the stays in Applied are 1, 1, 1, 2, 2, 4, 5 and 60
days (median 2, three over the 3-day limit); offers: 3 accepted and 1 declined of 4 made.

Interviews (60 minutes, on the day of the move to interview, 10:00 UTC): #1 with hina and lucas
(hina scores 4, 4 and a no-signal, submitted after 2 h; lucas 3, 3 after 30 h: late), #2 with
hina (4, 3) and lucas (2, 2), both on time, #3 with hina (3, 3) and omar (owes his), and a
cancelled one on #4 that counts for nobody. So hina is +1.25 against the panel (softer),
lucas -1.25 (harsher), omar has nothing to compare.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.bootstrap import Hirebot
from storage.models import Applicant, Feedback, Interview, Offer, Panelist, StageMove
from storage.unit_of_work import UnitOfWork

DAYS_BEFORE_NOW = 60
STAGES = ("screening", "technical_assessment", "interview", "final_interview", "offer", "hired")
HISTORY: list[tuple[str, str, list[tuple[str, int]]]] = [
    ("Applicant One", "LinkedIn", list(zip(STAGES, (2, 5, 10, 14, 16, 20), strict=True))),
    ("Applicant Two", "referral", list(zip(STAGES, (1, 4, 8, 10, 12, 30), strict=True))),
    (
        "Applicant Three",
        "referral",
        [("screening", 4), ("technical_assessment", 6), ("interview", 9), ("rejected", 12)],
    ),
    ("Applicant Four", "LinkedIn", [("screening", 2), ("rejected", 3)]),
    ("Applicant Five", "job board", [("rejected", 1)]),
    ("Applicant Six", "", []),
    ("Applicant Seven", "referral", list(zip(STAGES, (5, 10, 15, 20, 25, 40), strict=True))),
    (
        "Applicant Eight",
        "LinkedIn",
        [
            ("screening", 1),
            ("technical_assessment", 2),
            ("interview", 3),
            ("final_interview", 4),
            ("offer", 5),
            ("withdrawn", 9),
        ],
    ),
]
OFFERS = {1: "accepted", 2: "accepted", 7: "accepted", 8: "declined"}
# applicant number -> [(person, scores or None when owed, hours after the end it came in)]
PANELS: dict[int, list[tuple[str, tuple[str, ...] | None, float]]] = {
    1: [("hina", ("4", "4", "n"), 2), ("lucas", ("3", "3"), 30)],
    2: [("hina", ("4", "3"), 1), ("lucas", ("2", "2"), 5)],
    3: [("hina", ("3", "3"), 3), ("omar", None, 0)],
}


def seed_history(app: Hirebot) -> list[int]:
    """Write the history; the applicants' ids, in the table's order."""
    now = app.clock.now()
    start = now - timedelta(days=DAYS_BEFORE_NOW)
    ids: list[int] = []
    with app.uow() as uow:
        role = uow.roles.by_key("senior-backend")
        assert role is not None
        people = {p.key: p.id for p in uow.people.all()}
        for name, source, moves in HISTORY:
            stage, entered = "applied", start
            if moves:
                stage, day = moves[-1]
                entered = start + timedelta(days=day)
            applicant = Applicant(
                role_id=role.id,
                name=name,
                email=f"{name.split()[-1].lower()}@example.com",
                email_normalized=f"{name.split()[-1].lower()}@example.com",
                source=source,
                stage=stage,
                stage_entered_at=entered,
                created_at=start,
                updated_at=entered,
            )
            uow.applicants.add(applicant)
            uow.flush()
            ids.append(applicant.id)
            previous: str | None = None
            for to_stage, day in [("applied", 0), *moves]:
                uow.moves.add(
                    StageMove(
                        applicant_id=applicant.id,
                        from_stage=previous,
                        to_stage=to_stage,
                        at=start + timedelta(days=day),
                        correlation_id="seed",
                    )
                )
                previous = to_stage
        for number, status in OFFERS.items():
            uow.offers.add(
                Offer(
                    applicant_id=ids[number - 1],
                    employment_type="full_time",
                    pay_amount=Decimal("12000"),
                    currency="USD",
                    period="month",
                    start_date=date(2027, 1, 4),
                    status=status,
                    created_at=start,
                    updated_at=start,
                )
            )
        for number, panel in PANELS.items():
            day = dict(HISTORY[number - 1][2])["interview"]
            starts = (start + timedelta(days=day)).replace(hour=10, minute=0)
            _interview(uow, ids[number - 1], starts, panel, people)
        cancelled = Interview(
            applicant_id=ids[3],
            stage="screening",
            starts_at=start + timedelta(days=2),
            duration_minutes=30,
            timezone="UTC",
            status="cancelled",
            created_at=start,
            updated_at=start,
        )
        uow.interviews.add(cancelled)
        uow.flush()
        uow.session.add(Panelist(interview_id=cancelled.id, person_id=people["lucas"]))
        uow.commit()
    return ids


def _interview(
    uow: UnitOfWork,
    applicant_id: int,
    starts: datetime,
    panel: list[tuple[str, tuple[str, ...] | None, float]],
    people: dict[str, int],
) -> None:
    interview = Interview(
        applicant_id=applicant_id,
        stage="interview",
        starts_at=starts,
        duration_minutes=60,
        timezone="UTC",
        created_at=starts,
        updated_at=starts,
    )
    uow.interviews.add(interview)
    uow.flush()
    ends = starts + timedelta(minutes=60)
    for person, scores, hours in panel:
        uow.session.add(
            Panelist(
                interview_id=interview.id,
                person_id=people[person],
                feedback_status="pending" if scores is None else "submitted",
                requested_at=ends,
            )
        )
        if scores is None:
            continue
        uow.session.add(
            Feedback(
                interview_id=interview.id,
                applicant_id=applicant_id,
                person_id=people[person],
                ratings={f"c{i}": {"score": s, "comment": ""} for i, s in enumerate(scores)},
                recommendation="yes",
                submitted_at=ends + timedelta(hours=hours),
            )
        )
