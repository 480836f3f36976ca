"""Counts in words: "1 rating", "2 ratings", "1 do", "2 do's", "energising ×2, focused".

Kernel-level so that every feature package (and the reports below them) words a count the
same way; pure, no imports of the bot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def counted(n: int, one: str, many: str | None = None) -> str:
    """`n` with the noun that reads naturally: counted(1, "rating") == "1 rating"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def tally(words: Iterable[str | None], *, limit: int | None = None) -> str:
    """The words people gave, most given first (ties in the order first given), case
    folded: ["Energising", "focused", "energising"] -> "energising ×2, focused"."""
    counts = Counter(w.strip().lower() for w in words if w and w.strip())
    ranked = sorted(counts.items(), key=lambda item: -item[1])  # stable: first given first
    if limit is not None:
        ranked = ranked[:limit]
    return ", ".join(word if n == 1 else f"{word} ×{n}" for word, n in ranked)
