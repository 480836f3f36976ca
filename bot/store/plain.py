"""Rows as plain JSON-ready dicts, for the files people download (`export-me`)."""

from __future__ import annotations

from typing import Any


def plain(row: Any) -> dict[str, Any]:
    """A result row as a dict whose dates and times are ISO strings."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()}
