"""The CV upload's checks: at most 5 MB, and a PDF or DOCX by its content, never its name.

The content sniffer is `filetype` (pure Python, no libmagic to install, reads the magic
numbers): a PDF starts with `%PDF-`, a DOCX is a zip whose entries include `word/`. A DOCX
is then opened with `zipfile` to be sure it is a whole document (`word/document.xml`), not
just a zip that starts like one.
"""

from __future__ import annotations

import io
import zipfile

import filetype

from bot.domain.errors import InvalidInput
from bot.services.cv_files import Upload

MAX_BYTES = 5 * 1000 * 1000
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {PDF: "PDF", DOCX: "DOCX"}


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def check_cv(filename: str, data: bytes, size: int | None = None) -> Upload | None:
    """The upload as stored, None when no file was chosen; InvalidInput saying what is wrong.

    `size` is the whole upload's, when only its start was read into `data`."""
    size = len(data) if size is None else size
    if not data and not filename:
        return None
    if not data:
        raise InvalidInput("the file is empty")
    if size > MAX_BYTES:
        raise InvalidInput(
            f"the file is {size / 1_000_000:.1f} MB; the limit is {MAX_BYTES // 1_000_000} MB"
        )
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime == DOCX and not _is_docx(data):
        mime = None
    if mime not in KINDS:
        raise InvalidInput("the file is not a PDF or a Word (DOCX) document, whatever its name")
    safe_name = "".join(c for c in filename if c.isprintable() and c not in '/\\"').strip()
    return Upload(
        filename=safe_name[:200] or f"cv.{KINDS[mime].lower()}", content_type=mime, data=data
    )
