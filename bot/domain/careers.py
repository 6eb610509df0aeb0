"""What the careers pages publish about a role, and where the public pages live.

A role appears on the careers page only when config.yaml gives it a `careers:` block with
`published: true`; its description is plain text in sections (a heading and bullet points),
rendered escaped, so a posting cannot carry markup onto the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PostingSection:
    heading: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Posting:
    published: bool = False
    description: str = ""
    sections: tuple[PostingSection, ...] = ()


@dataclass(frozen=True)
class PublicSite:
    """The address candidates reach hirebot at (HIREBOT_PUBLIC_URL) and the key that signs the
    links it hands out (CV downloads, booking pages). The key never shows in a repr."""

    url: str
    secret: str = field(repr=False)

    def link(self, path: str) -> str:
        return self.url.rstrip("/") + "/" + path.lstrip("/")
