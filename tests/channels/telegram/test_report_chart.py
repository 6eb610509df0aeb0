"""`/report` on Telegram: the numbers as messages, then the chart as a photo (sendPhoto, a
multipart upload) with its title as the caption, in the asker's private chat."""

from __future__ import annotations

import io

from PIL import Image

from bot.messages import charts
from tests.channels.telegram.conftest import GROUP, HINA, OMAR, Telegram
from tests.report_history import seed_history


def test_the_report_arrives_as_text_then_a_photo_of_the_right_size(telegram: Telegram) -> None:
    seed_history(telegram.hirebot)
    telegram.say("/report period=all", user=OMAR)
    assert telegram.deliver() == 1

    [sent] = telegram.fake.calls_to("sendPhoto")
    assert sent.status == 200, sent.response
    assert sent.params["chat_id"] == OMAR
    photo = sent.params["photo"]
    assert photo.filename == "hiring-report.png"
    with Image.open(io.BytesIO(photo.content)) as image:
        assert image.format == "PNG"
        assert image.size == (charts.WIDTH_PX, charts.HEIGHT_PX)
    assert sent.response["result"]["photo"][0]["width"] == charts.WIDTH_PX
    shown = telegram.fake.messages[OMAR]
    last = shown[max(shown)]
    assert last["caption"].startswith("Hiring report: ")
    assert len(last["caption"]) <= 1024
    assert any("Applied: 8" in m["plain_text"] for m in shown.values())
    assert GROUP not in telegram.fake.messages  # nothing of it in the role's group


def test_an_interviewer_gets_no_report_and_no_photo(telegram: Telegram) -> None:
    seed_history(telegram.hirebot)
    telegram.say("/report", user=HINA)
    telegram.deliver()
    assert "see hiring reports" in telegram.last(HINA)
    assert telegram.fake.calls_to("sendPhoto") == []
