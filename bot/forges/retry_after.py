"""Reading a `Retry-After` header, which both forges send as seconds or as an HTTP date."""

from __future__ import annotations

from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str, wall_clock: float) -> float | None:
    """Seconds to wait, never negative; None when the header is unreadable."""
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - wall_clock, 0.0)
    except (TypeError, ValueError):
        return None
