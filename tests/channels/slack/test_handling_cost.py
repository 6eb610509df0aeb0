"""What handling a Slack command costs, through the real endpoint and inbox: an event claimed
for the first time is not looked up in the audit log again (the door already skipped its
redeliveries), and one handled again after its replica died is still recognised and changes
nothing twice. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.runtime.leases import LEASE
from storage.models import Applicant
from tests.channels.slack.harness import Slack, new_trigger
from tests.helpers import statements

ADD = 'add senior-backend "Ayesha Khan" email=ayesha@example.com'


def dedup_lookups(seen: list[str]) -> int:
    return sum(1 for s in seen if s.startswith("SELECT audit_events.id FROM audit_events"))


def applicants(slack: Slack) -> int:
    with slack.hirebot.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Applicant)) or 0


def test_a_first_delivery_is_not_looked_up_again(slack: Slack) -> None:
    with statements(slack.hirebot.engine) as seen:
        assert "Added #1 Ayesha Khan" in slack.ask(ADD)
    assert dedup_lookups(seen) == 0


def test_an_event_handled_again_after_its_replica_died_changes_nothing(
    slack: Slack, clock: FrozenClock
) -> None:
    trigger = new_trigger()
    assert slack.command(ADD, trigger_id=trigger, process=False).status_code == 200
    inbox = slack.hirebot.inbox
    [item] = inbox._claim()
    # handled and committed on its own (as a processor outside the dispatcher does, or a
    # release before the done mark shared the handling's commit); the replica dies then
    inbox.processors["slack"](item.data.payload)
    inbox.leases.drop([item.id])
    assert applicants(slack) == 1
    clock.set(clock.now() + LEASE + timedelta(seconds=1))
    with statements(slack.hirebot.engine) as seen:
        assert slack.process() == 1  # taken again, as attempt 2
    assert dedup_lookups(seen) == 1  # a retry is looked up
    assert applicants(slack) == 1
    assert len(slack.answers(f"cmd-{trigger}")) == 1  # answered once, by the first handling
