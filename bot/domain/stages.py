"""Pipelines: the stages an applicant passes through and which moves between them are allowed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import InvalidInput, InvalidMove
from bot.domain.suggest import did_you_mean


class StageKind(StrEnum):
    """Open stages are in progress; hired and closed ones end the application."""

    OPEN = "open"
    HIRED = "hired"
    CLOSED = "closed"


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    kind: StageKind = StageKind.OPEN
    next: tuple[str, ...] | None = None
    time_limit_days: int | None = None

    @property
    def is_open(self) -> bool:
        return self.kind is StageKind.OPEN


REJECTED = "rejected"
WITHDRAWN = "withdrawn"
HIRED = "hired"

DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("applied", "Applied", time_limit_days=3),
    Stage("screening", "Screening", time_limit_days=5),
    Stage("technical_assessment", "Technical assessment", time_limit_days=7),
    Stage("interview", "Interview", time_limit_days=7),
    Stage("final_interview", "Final interview", time_limit_days=5),
    Stage("offer", "Offer", time_limit_days=7),
    Stage(HIRED, "Hired", StageKind.HIRED),
    Stage(REJECTED, "Rejected", StageKind.CLOSED),
    Stage(WITHDRAWN, "Withdrawn", StageKind.CLOSED),
)

_SEPARATORS = re.compile(r"[\s\-]+")


def normalise_stage_word(word: str) -> str:
    """Accept 'Technical Assessment', 'technical-assessment' and 'technical_assessment' alike."""
    return _SEPARATORS.sub("_", word.strip().lower())


class Pipeline:
    """An ordered set of stages with the moves allowed between them.

    By default an open stage may move to the next open stage (or hired, after the last one),
    and to any closed stage; a stage may list its own `next` stages instead.
    """

    def __init__(self, stages: Sequence[Stage]) -> None:
        if not stages:
            raise ValueError("a pipeline needs at least one stage")
        self.stages: tuple[Stage, ...] = tuple(stages)
        self._by_key = {stage.key: stage for stage in self.stages}
        if len(self._by_key) != len(self.stages):
            raise ValueError("stage keys must be unique")
        self._labels = {normalise_stage_word(s.label): s.key for s in self.stages}
        for stage in self.stages:
            for target in stage.next or ():
                if target not in self._by_key:
                    raise ValueError(f"stage '{stage.key}' lists unknown next stage '{target}'")

    @property
    def first(self) -> Stage:
        return self.stages[0]

    @property
    def keys(self) -> list[str]:
        return [stage.key for stage in self.stages]

    def get(self, key: str) -> Stage:
        return self._by_key[key]

    def label(self, key: str) -> str:
        stage = self._by_key.get(key)
        return stage.label if stage else key

    def parse(self, word: str) -> Stage:
        """Find a stage by key or label, or fail with a hint naming the closest one."""
        norm = normalise_stage_word(word)
        key = norm if norm in self._by_key else self._labels.get(norm)
        if key is None:
            hint = did_you_mean(norm, self.keys)
            raise InvalidInput(
                f"unknown stage '{word.strip()}'{hint} (stages: {', '.join(self.keys)})"
            )
        return self._by_key[key]

    def allowed_next(self, key: str) -> list[Stage]:
        stage = self._by_key[key]
        if not stage.is_open:
            return []
        if stage.next is not None:
            targets = [self._by_key[k] for k in stage.next]
        else:
            targets = []
            later = self.stages[self.stages.index(stage) + 1 :]
            following = next((s for s in later if s.kind is not StageKind.CLOSED), None)
            if following is not None:
                targets.append(following)
        closed = [s for s in self.stages if s.kind is StageKind.CLOSED and s not in targets]
        return targets + closed

    def advance_target(self, key: str) -> Stage | None:
        """The stage 'Advance' moves to: the first allowed stage that is not a closing one."""
        return next((s for s in self.allowed_next(key) if s.kind is not StageKind.CLOSED), None)

    def check_move(self, from_key: str, to_key: str) -> Stage:
        """Return the target stage, or refuse with the allowed next stages named."""
        target = self._by_key[to_key]
        allowed = self.allowed_next(from_key)
        if target in allowed:
            return target
        current = self._by_key[from_key]
        if not current.is_open:
            raise InvalidMove(
                f"the applicant is {current.label.lower()}; a {current.kind.value} application "
                "cannot move any further"
            )
        if from_key == to_key:
            raise InvalidMove(f"the applicant is already in {current.label}")
        names = ", ".join(s.key for s in allowed)
        raise InvalidMove(
            f"cannot move from {current.key} to {target.key}; allowed next stages: {names}"
        )

    def closing_stage(self, key: str) -> Stage:
        stage = self._by_key.get(key)
        if stage is None or stage.kind is not StageKind.CLOSED:
            raise ValueError(f"pipeline has no closing stage '{key}'")
        return stage


def stage_keys(pipelines: Sequence[Pipeline], word: str) -> list[str] | None:
    """A stage word across several roles' pipelines: None means every stage; `open` and
    `closed` (hired included) group stages by kind; otherwise the stage in any pipeline that
    has it, or the first pipeline's "did you mean" error when none does."""
    word = word.strip().lower()
    if word == "all":
        return None
    if word in {"open", "closed"}:
        kinds = {StageKind.OPEN} if word == "open" else {StageKind.CLOSED, StageKind.HIRED}
        return sorted({s.key for p in pipelines for s in p.stages if s.kind in kinds})
    keys: set[str] = set()
    first_error: InvalidInput | None = None
    for pipeline in pipelines:
        try:
            keys.add(pipeline.parse(word).key)
        except InvalidInput as exc:
            first_error = first_error or exc
    if not keys and first_error is not None:
        raise first_error
    return sorted(keys)
