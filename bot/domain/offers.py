"""Offer rules with no I/O: reading pay, currency, period, start date and terms as people type
them, and checking pay against the role's range.

Every bad field is reported at once (`FieldErrors`), so an offer is fixed in one go; pay outside
the range is not an error but needs a reason and the hiring manager's approval.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from bot.domain.applicants import REASON_MAX, clean_text
from bot.domain.catalog import EmploymentType, PayRange, RoleSpec
from bot.domain.errors import FieldErrors, InvalidInput

PERIODS = ("hour", "day", "week", "month", "year")
TERMS = ("scope", "ip", "confidentiality")
PAY_MAX = Decimal("999999999999.99")
START_WITHIN_DAYS = 730
MILESTONES_MAX = 20
OFFER_STAGE = "offer"
APPROVE_ACTION, DECLINE_ACTION = "offer_approve", "offer_decline"  # the approver's buttons
OPTIONS = ("type", "pay", "currency", "period", "start", "terms", "milestones", "reason")
_AMOUNT = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
T = TypeVar("T")


class OfferStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    DECLINED_BY_MANAGER = "declined_by_manager"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = (OfferStatus.PENDING_APPROVAL, OfferStatus.APPROVED)
STATUS_LABELS = {
    OfferStatus.PENDING_APPROVAL: "waiting for approval",
    OfferStatus.APPROVED: "approved, waiting for the candidate",
    OfferStatus.DECLINED_BY_MANAGER: "declined by the approver",
    OfferStatus.ACCEPTED: "accepted",
    OfferStatus.DECLINED: "declined by the candidate",
    OfferStatus.WITHDRAWN: "withdrawn",
}


@dataclass(frozen=True)
class OfferStanding:
    """An applicant's offers as the hiring rule sees them: the open one (if any), who it waits
    on, and whether one was accepted."""

    open_id: int | None = None
    open_status: OfferStatus | None = None
    approver: str = ""
    accepted_id: int | None = None


def hire_refusal(role: RoleSpec, applicant_id: int, standing: OfferStanding) -> str | None:
    """Why the applicant cannot move to a hired stage now, or None when they can.

    Hiring follows the offer, whichever way the move is asked for (command, button, advance):
    an open offer must be settled first, and accepting it is what hires, so an approval cannot
    be walked around by a move; a role that requires an offer hires only with an accepted one.
    """
    if standing.open_id is not None:
        offer = standing.open_id
        if standing.open_status is OfferStatus.PENDING_APPROVAL:
            return (
                f"#{applicant_id} cannot be hired yet: offer #{offer} waits for "
                f"{standing.approver}'s approval. Once it is approved, record the candidate's "
                f"answer with offer accept {offer}, which moves them to Hired"
            )
        return (
            f"#{applicant_id} has offer #{offer}, approved and waiting for the candidate's "
            f"answer: record it with offer accept {offer} (which moves them to Hired) or "
            f"offer decline {offer} <reason>"
        )
    if role.offer_required and standing.accepted_id is None:
        return (
            f"{role.title} hires with an accepted offer, and #{applicant_id} has none: draft "
            f"one with offer {applicant_id} pay=… start=… terms=scope,ip,confidentiality, then "
            "record the candidate's answer with offer accept <offer id>"
        )
    return None


def parse_pay(text: str) -> Decimal:
    """'12000', '12,000' or '12000.50'; words, negatives, zero and more than two decimals are
    refused with the reason."""
    raw = text.strip()
    if raw.startswith("-"):
        raise InvalidInput(f"pay cannot be negative ('{raw[:30]}')")
    if not _AMOUNT.match(raw):
        raise InvalidInput(
            f"'{raw[:30]}' is not an amount: give a number such as 12000 or 12000.50, "
            "and the currency separately (currency=USD)"
        )
    try:
        amount = Decimal(raw.replace(",", ""))
    except InvalidOperation as exc:  # the pattern makes this unreachable; kept for safety
        raise InvalidInput(f"'{raw[:30]}' is not an amount") from exc
    if amount <= 0:
        raise InvalidInput("pay must be more than zero")
    if amount > PAY_MAX:
        raise InvalidInput("pay is larger than hirebot can store")
    return amount


def parse_currency(text: str) -> str:
    raw = text.strip()
    if not _CURRENCY.match(raw):
        raise InvalidInput(f"'{raw[:30]}' is not a currency code (three letters, e.g. USD, PKR)")
    return raw.upper()


def parse_period(text: str) -> str:
    word = text.strip().lower().removeprefix("per ").removesuffix("ly")
    word = {"annual": "year", "dai": "day"}.get(word, word)
    if word not in PERIODS:
        raise InvalidInput(f"'{text.strip()[:30]}' is not a pay period ({', '.join(PERIODS)})")
    return word


def parse_employment_type(text: str) -> EmploymentType:
    word = text.strip().lower().replace("-", "_").replace(" ", "_")
    word = {"fulltime": "full_time", "ft": "full_time", "contractor": "contract"}.get(word, word)
    try:
        return EmploymentType(word)
    except ValueError as exc:
        raise InvalidInput(
            f"'{text.strip()[:30]}' is not an employment type (full_time or contract)"
        ) from exc


def employment_label(kind: EmploymentType) -> str:
    return "contract" if kind is EmploymentType.CONTRACT else "full time"


def parse_start(text: str, today: date) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"'{text.strip()[:30]}' is not a date (YYYY-MM-DD)") from exc
    if day < today:
        raise InvalidInput(f"the start date {day.isoformat()} has passed")
    if day > today + timedelta(days=START_WITHIN_DAYS):
        raise InvalidInput(f"the start date {day.isoformat()} is more than two years away")
    return day


def parse_terms(text: str) -> dict[str, bool]:
    """Every contract term must be acknowledged: scope, IP and confidentiality."""
    given = [t.strip().lower() for t in re.split(r"[,;+ ]+", text) if t.strip()]
    unknown = [t for t in given if t not in TERMS]
    if unknown:
        raise InvalidInput(
            f"unknown term(s) {', '.join(u[:20] for u in unknown)}; terms are {', '.join(TERMS)}"
        )
    missing = [t for t in TERMS if t not in given]
    if missing:
        raise InvalidInput(
            f"not acknowledged: {', '.join(missing)} — the contract must cover scope, IP and "
            "confidentiality: terms=scope,ip,confidentiality"
        )
    return dict.fromkeys(TERMS, True)


@dataclass(frozen=True)
class OfferDraft:
    employment_type: EmploymentType
    pay: Decimal
    currency: str
    period: str
    start: date
    terms: dict[str, bool]
    milestones: tuple[tuple[str, date], ...] = ()
    reason: str = ""

    def pay_text(self) -> str:
        return f"{self.currency} {self.pay:,.2f} per {self.period}"


@dataclass(frozen=True)
class RangeCheck:
    """Where the pay sits against the role's range; `warning` is empty when inside it."""

    outside: bool
    warning: str = ""


def check_range(draft: OfferDraft, pay: PayRange | None) -> RangeCheck:
    if pay is None:
        return RangeCheck(outside=False)
    if draft.pay < pay.minimum:
        side = f"below the range's minimum by {pay.currency} {pay.minimum - draft.pay:,.2f}"
    elif draft.pay > pay.maximum:
        side = f"above the range's maximum by {pay.currency} {draft.pay - pay.maximum:,.2f}"
    else:
        return RangeCheck(outside=False)
    return RangeCheck(outside=True, warning=f"{draft.pay_text()} is {side} ({pay.describe()})")


def build_offer(
    role: RoleSpec,
    options: Mapping[str, str],
    *,
    today: date,
    milestones: Sequence[tuple[str, date]] = (),
    milestone_problem: str | None = None,
) -> tuple[OfferDraft, RangeCheck]:
    """Validate an offer for `role` from typed options; defaults come from the role (type,
    currency and period of its pay range). Raises FieldErrors naming every bad option."""
    problems: dict[str, str] = {}
    if milestone_problem:
        problems["milestones"] = milestone_problem

    def take(name: str, fn: Callable[..., T], *args: Any) -> T | None:
        try:
            return fn(*args)
        except InvalidInput as exc:
            problems[name] = exc.message
            return None

    kind = (
        take("type", parse_employment_type, options["type"])
        if "type" in options
        else role.employment_type
    )
    if kind is not None and kind not in role.hires_as:
        problems["type"] = (
            f"{role.title} hires as {' or '.join(employment_label(t) for t in role.hires_as)} "
            f"only, not {employment_label(kind)}; "
            + " or ".join(f"type={t.value}" for t in role.hires_as)
        )
    pay = take("pay", parse_pay, options["pay"]) if "pay" in options else None
    if "pay" not in options:
        problems["pay"] = "give the pay, e.g. pay=12000" + (
            f" (range: {role.pay.describe()})" if role.pay else ""
        )
    currency = (
        take("currency", parse_currency, options["currency"])
        if "currency" in options
        else (role.pay.currency if role.pay else None)
    )
    if currency is None and "currency" not in options:
        problems["currency"] = "give the currency, e.g. currency=USD"
    period = (
        take("period", parse_period, options["period"])
        if "period" in options
        else (role.pay.period if role.pay else "month")
    )
    if isinstance(currency, str) and role.pay is not None and currency != role.pay.currency:
        problems["currency"] = (
            f"{role.title} is paid in {role.pay.currency}, not {currency}; "
            f"give the pay in {role.pay.currency}"
        )
    if isinstance(period, str) and role.pay is not None and period != role.pay.period:
        problems["period"] = (
            f"{role.title}'s range is per {role.pay.period}; give the pay per {role.pay.period}"
        )
    start = take("start", parse_start, options["start"], today) if "start" in options else None
    if "start" not in options:
        problems["start"] = (
            "give the start date, e.g. start=" + (today + timedelta(days=30)).isoformat()
        )
    terms = take("terms", parse_terms, options["terms"]) if "terms" in options else None
    if "terms" not in options:
        problems["terms"] = (
            "the contract's terms must be acknowledged: terms=scope,ip,confidentiality"
        )
    reason = take(
        "reason",
        lambda v: clean_text(v, what="reason", limit=REASON_MAX),
        options.get("reason", ""),
    )
    if milestones and kind is not EmploymentType.CONTRACT:
        problems["milestones"] = "milestones are for contract offers (type=contract)"
    if len(milestones) > MILESTONES_MAX:
        problems["milestones"] = f"{len(milestones)} milestones; at most {MILESTONES_MAX}"
    if isinstance(start, date):
        early = [title for title, due in milestones if due < start]
        if early:
            problems["milestones"] = (
                f"'{early[0][:60]}' is due before the start date {start.isoformat()}"
            )
    if (
        problems
        or kind is None
        or pay is None
        or currency is None
        or period is None
        or start is None
        or terms is None
        or reason is None
    ):
        raise FieldErrors(problems)
    draft = OfferDraft(kind, pay, currency, period, start, terms, tuple(milestones), reason)
    check = check_range(draft, role.pay)
    if check.outside and not reason:
        raise FieldErrors(
            {
                "reason": f"{check.warning}; say why with reason='…' — the offer will then need "
                "the hiring manager's approval"
            }
        )
    return draft, check
