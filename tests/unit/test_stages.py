from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput, InvalidMove
from bot.domain.stages import DEFAULT_STAGES, Pipeline, Stage, StageKind


@pytest.fixture
def pipeline() -> Pipeline:
    return Pipeline(DEFAULT_STAGES)


def test_default_pipeline_moves_forward_one_stage_or_closes(pipeline: Pipeline) -> None:
    allowed = [s.key for s in pipeline.allowed_next("applied")]
    assert allowed == ["screening", "rejected", "withdrawn"]
    assert [s.key for s in pipeline.allowed_next("offer")] == ["hired", "rejected", "withdrawn"]


def test_closed_and_hired_stages_are_final(pipeline: Pipeline) -> None:
    for key in ("hired", "rejected", "withdrawn"):
        assert pipeline.allowed_next(key) == []
    with pytest.raises(InvalidMove, match="cannot move any further"):
        pipeline.check_move("rejected", "screening")


def test_invalid_move_names_the_allowed_next_stages(pipeline: Pipeline) -> None:
    with pytest.raises(InvalidMove) as info:
        pipeline.check_move("applied", "offer")
    assert "allowed next stages: screening, rejected, withdrawn" in info.value.message


def test_parse_accepts_keys_labels_and_separators(pipeline: Pipeline) -> None:
    assert pipeline.parse("Technical Assessment").key == "technical_assessment"
    assert pipeline.parse("technical-assessment").key == "technical_assessment"
    assert pipeline.parse(" FINAL_interview ").key == "final_interview"


def test_parse_suggests_the_closest_stage(pipeline: Pipeline) -> None:
    with pytest.raises(InvalidInput, match="unknown stage 'intervew' — did you mean 'interview'"):
        pipeline.parse("intervew")


def test_custom_next_overrides_the_default_order() -> None:
    custom = Pipeline(
        [
            Stage("new", "New", next=("call", "test")),
            Stage("call", "Call"),
            Stage("test", "Test"),
            Stage("done", "Done", StageKind.HIRED),
            Stage("no", "No", StageKind.CLOSED),
        ]
    )
    assert [s.key for s in custom.allowed_next("new")] == ["call", "test", "no"]
    assert custom.advance_target("new") is not None
    assert custom.advance_target("test") == custom.get("done")


def test_pipeline_refuses_unknown_next_stage() -> None:
    with pytest.raises(ValueError, match="unknown next stage"):
        Pipeline([Stage("a", "A", next=("zzz",))])


def test_stage_words_across_several_pipelines(pipeline: Pipeline) -> None:
    from bot.domain.stages import stage_keys

    short = Pipeline([Stage("new", "New"), Stage("done", "Done", StageKind.HIRED)])
    assert stage_keys([pipeline, short], "all") is None
    assert stage_keys([pipeline, short], "closed") == ["done", "hired", "rejected", "withdrawn"]
    assert stage_keys([pipeline, short], "New") == ["new"]
    with pytest.raises(InvalidInput, match="did you mean 'screening'"):
        stage_keys([pipeline, short], "screning")
