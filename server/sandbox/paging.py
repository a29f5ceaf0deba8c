"""Opaque, tamper-evident cursors for the Aftercare GET endpoints.

A cursor is urlsafe base64 of ``job id : offset : checksum``; the checksum is keyed by the sandbox
seed, so an edited, truncated or other-job cursor is rejected (400 "Invalid cursor") instead of
silently returning a wrong page.
"""

from __future__ import annotations

import base64
import hashlib


def _sig(secret: str, payload: str) -> str:
    return hashlib.sha256(f"{secret}|{payload}".encode()).hexdigest()[:10]


def encode_cursor(secret: str, job_id: str, offset: int) -> str:
    payload = f"{job_id}:{offset}"
    raw = f"{payload}:{_sig(secret, payload)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(secret: str, job_id: str, cursor: str) -> int | None:
    """The offset encoded in ``cursor`` for ``job_id``, or None when it is not a valid cursor for it."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        cur_job, offset_text, sig = raw.rsplit(":", 2)
        offset = int(offset_text)
    except (ValueError, UnicodeDecodeError):
        return None
    if cur_job != job_id or offset < 0 or sig != _sig(secret, f"{cur_job}:{offset_text}"):
        return None
    return offset


def page(total: int, offset: int, limit: int) -> tuple[int, int, int | None]:
    """(start, stop, next offset or None) for a page of ``limit`` items starting at ``offset``."""
    stop = min(total, offset + limit)
    return offset, stop, (stop if stop < total else None)
