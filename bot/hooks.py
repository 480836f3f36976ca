"""Extension points through which one feature package adds to another's work.

A hook is a typed object declared once, by the package that calls it, next to the code that
calls it; other packages register against that object. A misspelt hook is then a NameError
at import instead of a handler that silently never runs, and a handler of the wrong shape is
a type error. The dependency points the right way too: the caller (say, rounds) knows
nothing of who extends it (do's, follow-up), so feature packages need no import cycles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

H = TypeVar("H", bound=Callable[..., Awaitable[Any]])


class Hook(Generic[H]):
    """A named extension point whose handlers have the signature `H`."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Hook({self.name!r})"


class Hooks:
    """Which handlers each hook has, in registration order."""

    def __init__(self) -> None:
        self._handlers: dict[Hook[Any], list[Any]] = {}

    def add(self, hook: Hook[H], handler: H) -> None:
        handlers = self._handlers.setdefault(hook, [])
        if handler in handlers:
            raise ValueError(f"{handler.__qualname__} is already registered for {hook.name}")
        handlers.append(handler)

    def __call__(self, hook: Hook[H]) -> list[H]:
        return list(self._handlers.get(hook, ()))

    def names(self) -> dict[str, int]:
        """How many handlers each hook has: for docs and tests, not for dispatch."""
        return {hook.name: len(handlers) for hook, handlers in self._handlers.items()}
