"""What the platforms' HTTP answers say about waiting, read the same way by every adapter
that speaks HTTP itself (Slack's outlet, Teams' outlet); beside the adapters, which never
import one another."""

from __future__ import annotations

from typing import Any


def retry_after(headers: Any, default: float = 1.0) -> float:
    """Seconds from a `Retry-After` header (delta-seconds); `default` when absent or not a
    number, never negative."""
    try:
        value = float((headers or {}).get("Retry-After", default))
    except (TypeError, ValueError):
        return default
    return max(value, 0.0)
