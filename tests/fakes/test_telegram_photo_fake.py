"""The fake's sendPhoto takes python-telegram-bot's multipart upload and checks a photo as
the Bot API does: present, an image, within its size limits, a caption of 1,024 at most."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator

import pytest
from PIL import Image
from telegram import Bot, Message
from telegram.error import BadRequest

from tests.fakes.telegram_api import FakeTelegramAPI, Upload, image_size


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as server:
        yield server


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def send(fake: FakeTelegramAPI, photo: bytes, caption: str | None = None) -> Message:
    async def main() -> Message:
        bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        async with bot:
            return await bot.send_photo(
                42, photo, caption=caption, parse_mode="HTML", filename="chart.png"
            )

    return asyncio.run(main())


def test_a_photo_is_stored_with_its_size_and_caption(fake: FakeTelegramAPI) -> None:
    message = send(fake, png(300, 200), "<b>Chart</b> &lt;1&gt;")
    assert (message.photo[-1].width, message.photo[-1].height) == (300, 200)
    assert message.caption == "Chart <1>"
    [call] = fake.calls_to("sendPhoto")
    assert isinstance(call.params["photo"], Upload)
    assert call.params["photo"].filename == "chart.png"
    assert fake.messages[42][message.message_id]["photo_size"] == (300, 200)


def test_what_the_bot_api_refuses(fake: FakeTelegramAPI) -> None:
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        send(fake, b"not an image at all")
    with pytest.raises(BadRequest, match="caption is too long"):
        send(fake, png(10, 10), "x" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
        send(fake, png(9000, 1001))
    send(fake, png(10, 10), "x" * 1024)


def test_image_size_reads_png_and_jpeg_headers() -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 48)).save(out, format="JPEG")
    assert image_size(out.getvalue()) == (64, 48)
    assert image_size(png(7, 5)) == (7, 5)
    assert image_size(b"GIF89a") is None
