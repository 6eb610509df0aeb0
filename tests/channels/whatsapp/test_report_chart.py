"""`report` on WhatsApp: the numbers as text, then the chart uploaded to the number's media
(a multipart POST to /media) and sent as an image message captioned with its title, through
pywa's real client against the fake Cloud API."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from bot.channels.whatsapp.render import plain
from bot.messages import charts
from tests.channels.whatsapp.conftest import WhatsApp
from tests.report_history import seed_history


def test_the_report_arrives_as_text_then_an_image_with_its_caption(whatsapp: WhatsApp) -> None:
    wa = whatsapp
    seed_history(wa.hirebot)
    wa.say("report period=all", wa.omar)
    wa.deliver()
    shown = wa.shown(wa.omar)
    assert [m.type for m in shown][-1] == "image"
    image = shown[-1]
    assert image.text.startswith("Hiring report: ")
    assert len(image.text) <= 1024
    assert any("Applied: 8" in plain(m.text) for m in shown[:-1])
    uploaded = wa.fake.image_of(image)
    assert uploaded.mime_type == "image/png"
    assert uploaded.filename == "hiring-report.png"
    with Image.open(io.BytesIO(uploaded.content)) as picture:
        assert picture.format == "PNG"
        assert picture.size == (charts.WIDTH_PX, charts.HEIGHT_PX)
    assert wa.fake.refused == []


def test_a_rate_limit_before_the_image_sends_only_the_image_later(whatsapp: WhatsApp) -> None:
    wa = whatsapp
    seed_history(wa.hirebot)
    wa.say("whoami", wa.omar)
    wa.deliver()
    before = len(wa.shown(wa.omar))
    text_parts = 1
    # the text goes; Meta answers the image's send with 131056 (the upload passes)
    wa.fake.fail_next(131056, to=wa.omar.wa_id, after=text_parts)
    wa.say("report period=all", wa.omar)
    wa.deliver()
    first = wa.shown(wa.omar)[before:]
    assert [m.type for m in first] == ["text"]
    wa.clock.advance(timedelta(seconds=10))
    wa.deliver()
    after = wa.shown(wa.omar)[before:]
    assert [m.type for m in after] == ["text", "image"]


def test_an_interviewer_gets_no_report_and_no_image(whatsapp: WhatsApp) -> None:
    wa = whatsapp
    seed_history(wa.hirebot)
    assert "see hiring reports" in wa.type_in("report", wa.hina)
    assert all(m.type != "image" for m in wa.fake.sent)
    assert wa.fake.media == {}
