"""The pywa client on WHATSAPP_API_URL.

pywa's `GraphAPI` sets its httpx session's base URL to Meta's
(`https://graph.facebook.com/v{api_version}`) when the client is built; hirebot's setting
carries the whole base URL, version included, so it is set on that session right after.
No pywa server is attached (`server=None`): hirebot's own routes receive the webhook.
"""

from __future__ import annotations

import httpx
from pywa.client import WhatsApp

from bot.channels.whatsapp.settings import WhatsAppSettings

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def make_client(settings: WhatsAppSettings) -> WhatsApp:
    """A client that sends from WHATSAPP_PHONE_NUMBER_ID (and parses updates for it)."""
    if not settings.token:
        raise ValueError("WHATSAPP_TOKEN is not set")
    session = httpx.Client(timeout=TIMEOUT)
    client = WhatsApp(
        phone_id=settings.phone_number_id,
        token=settings.token,
        session=session,
        server=None,
        verify_token=settings.verify_token,
        app_secret=settings.app_secret,
        # hirebot's inbox de-duplicates by message id, and every update has been verified at
        # the door: pywa only parses here.
        skip_duplicate_updates=False,
        validate_updates=False,
    )
    session.base_url = httpx.URL(settings.api_url.rstrip("/") + "/")
    return client
