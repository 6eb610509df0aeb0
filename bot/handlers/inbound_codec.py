"""`Inbound` to and from JSON, in one place: what the inbox stores of a translated event.

pydantic's TypeAdapter reads the dataclasses' own fields (ActionEvent nested), so a field added
to `Inbound` is stored and read back with no edit here, and a stored event that no longer fits
fails loudly (the inbox retries, then keeps it as failed with the reason) instead of being
rebuilt by hand into something else.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from bot.handlers.inbound import Inbound

_ADAPTER: TypeAdapter[Inbound] = TypeAdapter(Inbound)


def dump(inbound: Inbound) -> dict[str, Any]:
    data: dict[str, Any] = _ADAPTER.dump_python(inbound, mode="json")
    return data


def load(data: dict[str, Any]) -> Inbound:
    return _ADAPTER.validate_python(data)
