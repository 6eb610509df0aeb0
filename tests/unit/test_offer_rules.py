"""Offer rules: pay, currency, period, start date and terms as typed, and the role's range."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.catalog import EmploymentType, PayRange, RoleSpec
from bot.domain.errors import FieldErrors, InvalidInput
from bot.domain.offers import (
    build_offer,
    parse_currency,
    parse_employment_type,
    parse_pay,
    parse_period,
    parse_start,
    parse_terms,
)
from bot.domain.stages import DEFAULT_STAGES, Pipeline

TODAY = date(2026, 11, 23)
ROLE = RoleSpec(
    key="senior-backend",
    title="Senior Backend Engineer",
    team="Platform",
    location="Karachi",
    employment_type=EmploymentType.FULL_TIME,
    hiring_manager="omar",
    recruiter="sana",
    pipeline=Pipeline(DEFAULT_STAGES),
    pay=PayRange(Decimal("11670.34"), Decimal("14174.54"), "USD", "month"),
)
UNPRICED = RoleSpec(
    key="backend-contract",
    title="Backend Engineer (Contract)",
    team="Platform",
    location="Islamabad",
    employment_type=EmploymentType.CONTRACT,
    hiring_manager="omar",
    recruiter="sana",
    pipeline=Pipeline(DEFAULT_STAGES),
)
GOOD = {"pay": "12000", "start": "2027-01-10", "terms": "scope,ip,confidentiality"}


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12000", "12000"),
        ("12,000", "12000"),
        ("12000.5", "12000.5"),
        (" 1,234,567.89 ", "1234567.89"),
    ],
)
def test_pay_amounts(text: str, amount: str) -> None:
    assert parse_pay(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("twelve thousand", "not an amount"),
        ("12k", "not an amount"),
        ("$12000", "not an amount"),
        ("12000 USD", "not an amount"),
        ("-5", "cannot be negative"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("12.345", "not an amount"),
        ("1,2,3", "not an amount"),
        ("NaN", "not an amount"),
        ("1e5", "not an amount"),
        ("9" * 13, "larger than"),
    ],
)
def test_pay_given_as_text_or_negative_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_pay(text)


def test_currencies_periods_types() -> None:
    assert parse_currency("usd") == "USD"
    for bad in ("dollars", "US", "U$D", ""):
        with pytest.raises(InvalidInput, match="not a currency code"):
            parse_currency(bad)
    assert [parse_period(p) for p in ("month", "monthly", "per year", "hourly", "daily")] == [
        "month",
        "month",
        "year",
        "hour",
        "day",
    ]
    with pytest.raises(InvalidInput, match="not a pay period"):
        parse_period("fortnight")
    assert parse_employment_type("Full-Time") is EmploymentType.FULL_TIME
    assert parse_employment_type("contractor") is EmploymentType.CONTRACT
    with pytest.raises(InvalidInput, match="full_time or contract"):
        parse_employment_type("intern")


def test_start_dates() -> None:
    assert parse_start("2026-11-23", TODAY) == TODAY
    with pytest.raises(InvalidInput, match="has passed"):
        parse_start("2026-11-22", TODAY)
    with pytest.raises(InvalidInput, match="not a date"):
        parse_start("next monday", TODAY)
    with pytest.raises(InvalidInput, match="more than two years"):
        parse_start("2030-01-01", TODAY)


def test_every_term_must_be_acknowledged() -> None:
    assert parse_terms("IP; scope confidentiality") == {
        "scope": True,
        "ip": True,
        "confidentiality": True,
    }
    with pytest.raises(InvalidInput, match="not acknowledged: ip, confidentiality"):
        parse_terms("scope")
    with pytest.raises(InvalidInput, match="unknown term"):
        parse_terms("scope,ip,confidentiality,nda")


def test_a_good_offer_takes_the_role_defaults() -> None:
    draft, check = build_offer(ROLE, GOOD, today=TODAY)
    assert draft.employment_type is EmploymentType.FULL_TIME
    assert (draft.pay, draft.currency, draft.period) == (Decimal("12000"), "USD", "month")
    assert draft.start == date(2027, 1, 10)
    assert not check.outside


def test_every_bad_option_is_named_at_once() -> None:
    with pytest.raises(FieldErrors) as caught:
        build_offer(
            ROLE,
            {"pay": "lots", "currency": "EUR", "period": "year", "start": "2020-01-01"},
            today=TODAY,
        )
    assert set(caught.value.fields) == {"pay", "currency", "period", "start", "terms"}
    assert "paid in USD, not EUR" in caught.value.fields["currency"]
    assert "per month" in caught.value.fields["period"]


def test_missing_pay_names_the_range() -> None:
    with pytest.raises(FieldErrors) as caught:
        build_offer(ROLE, {"start": "2027-01-10", "terms": "scope,ip,confidentiality"}, today=TODAY)
    assert "USD 11,670.34 – 14,174.54 per month" in caught.value.fields["pay"]


@pytest.mark.parametrize(
    ("pay", "side"), [("16000", "above the range's maximum by USD 1,825.46"), ("9000", "below")]
)
def test_outside_the_range_needs_a_reason(pay: str, side: str) -> None:
    with pytest.raises(FieldErrors) as caught:
        build_offer(ROLE, {**GOOD, "pay": pay}, today=TODAY)
    assert side in caught.value.fields["reason"]
    assert "reason=" in caught.value.fields["reason"]
    draft, check = build_offer(ROLE, {**GOOD, "pay": pay, "reason": "rare skills"}, today=TODAY)
    assert check.outside
    assert side in check.warning
    assert draft.reason == "rare skills"


def test_the_range_edges_are_inside() -> None:
    for pay in ("11670.34", "14174.54"):
        assert not build_offer(ROLE, {**GOOD, "pay": pay}, today=TODAY)[1].outside


def test_a_role_without_a_range_needs_a_currency_and_takes_milestones() -> None:
    with pytest.raises(FieldErrors) as caught:
        build_offer(UNPRICED, GOOD, today=TODAY)
    assert set(caught.value.fields) == {"currency"}
    draft, check = build_offer(
        UNPRICED,
        {**GOOD, "currency": "pkr", "period": "hour"},
        today=TODAY,
        milestones=[("API v1", date(2027, 2, 15))],
    )
    assert (draft.currency, draft.period, draft.employment_type) == (
        "PKR",
        "hour",
        EmploymentType.CONTRACT,
    )
    assert draft.milestones == (("API v1", date(2027, 2, 15)),)
    assert not check.outside


def test_milestones_belong_to_contracts_and_fall_after_the_start() -> None:
    with pytest.raises(FieldErrors, match="milestones are for contract offers"):
        build_offer(ROLE, GOOD, today=TODAY, milestones=[("API", date(2027, 2, 1))])
    with pytest.raises(FieldErrors, match="'Kick-off' is due before the start date 2027-01-10"):
        build_offer(
            ROLE,
            {**GOOD, "type": "contract"},
            today=TODAY,
            milestones=[("Kick-off", date(2027, 1, 1))],
        )
