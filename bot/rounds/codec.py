"""Storing the round engine's state: JSON for the session row.

Kept apart from the engine so that the rules and their persistence change independently;
the format carries a version so that a stored round survives an upgrade.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.rounds.engine import Held, Phase, RoundState
from bot.rounds.plan import TIMED_PHASES, Timings

_JSON_VERSION = 1


def _seconds(delta: timedelta) -> int | float:
    # Whole seconds stay integers so stored rows read naturally; microseconds survive as a
    # float, which is exact at these magnitudes (well under 2**52 microseconds).
    if delta.microseconds == 0:
        return delta.days * 86_400 + delta.seconds
    return delta / timedelta(seconds=1)


def _delta(raw: object) -> timedelta:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"expected seconds, got {raw!r}")
    if isinstance(raw, int):
        return timedelta(seconds=raw)
    return timedelta(microseconds=round(raw * 1_000_000))


def _moment(raw: object) -> datetime:
    if not isinstance(raw, str):
        raise ValueError(f"expected an ISO datetime, got {raw!r}")
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"stored datetime {raw!r} has no time zone")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def state_to_json(state: RoundState) -> str:
    """Serialise for the session row.  Datetimes are stored in UTC; timedeltas as seconds."""
    payload = {
        "version": _JSON_VERSION,
        "phase": state.phase.value,
        "presenters": list(state.presenters),
        "current": state.current,
        "phase_started_at": _iso(state.phase_started_at),
        "deadline": None if state.deadline is None else _iso(state.deadline),
        "paused_remaining": (
            None if state.paused_remaining is None else _seconds(state.paused_remaining)
        ),
        "warned": state.warned,
        "timings": {name: _seconds(getattr(state.timings, name)) for name in TIMED_PHASES},
    }
    # Written only when set, so rows stored before they existed read the same (version 1).
    if state.presenter_said_at is not None:
        payload["presenter_said_at"] = _iso(state.presenter_said_at)
    if state.held is not None:
        payload["held"] = state.held.value
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def state_from_json(raw: str) -> RoundState:
    """Inverse of `state_to_json`; a corrupt row raises ValueError rather than half-loading."""
    try:
        data = json.loads(raw)
        if data.get("version") != _JSON_VERSION:
            raise ValueError(f"unknown round state version {data.get('version')!r}")
        presenters, current, warned = data["presenters"], data["current"], data["warned"]
        if not isinstance(presenters, list) or not all(isinstance(p, str) for p in presenters):
            raise ValueError("presenters must be a list of strings")
        if isinstance(current, bool) or not isinstance(current, int) or type(warned) is not bool:
            raise ValueError("current must be an integer and warned true or false")
        timings = Timings(**{name: _delta(value) for name, value in data["timings"].items()})
        return RoundState(
            phase=Phase(data["phase"]),
            presenters=tuple(presenters),
            current=current,
            phase_started_at=_moment(data["phase_started_at"]),
            deadline=None if data["deadline"] is None else _moment(data["deadline"]),
            paused_remaining=(
                None if data["paused_remaining"] is None else _delta(data["paused_remaining"])
            ),
            warned=warned,
            timings=timings,
            presenter_said_at=(
                None
                if data.get("presenter_said_at") is None
                else _moment(data["presenter_said_at"])
            ),
            held=None if data.get("held") is None else Held(data["held"]),
        )
    except ValueError as exc:
        raise ValueError(f"Stored round state is not valid: {exc}") from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"Stored round state is not valid: {exc!r}") from exc


# --- who may do what ----------------------------------------------------------------------
