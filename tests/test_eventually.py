"""`testkit.eventually`: the one poll-until helper tests and benches share."""

from __future__ import annotations

import pytest

from testkit.eventually import NeverHappened, eventually, reached


@pytest.mark.asyncio
async def test_it_returns_the_first_true_value_of_a_plain_or_async_check() -> None:
    calls = iter([None, 0, "", "found"])
    assert await eventually(lambda: next(calls), every=0) == "found"

    seen: list[int] = []

    async def third_time() -> int | None:
        seen.append(1)
        return len(seen) if len(seen) == 3 else None

    assert await eventually(third_time, every=0) == 3


@pytest.mark.asyncio
async def test_it_gives_up_with_a_message_naming_what_never_happened() -> None:
    state = {"left": 4}
    with pytest.raises(NeverHappened, match=r"^the inbox \(4 left\) did not happen within 0.05 s"):
        await eventually(
            lambda: False, within=0.05, every=0.01, what=lambda: f"the inbox ({state['left']} left)"
        )
    with pytest.raises(AssertionError):  # pytest shows it as a failed expectation
        await eventually(lambda: None, within=0.0)


@pytest.mark.asyncio
async def test_an_error_in_the_check_ends_the_wait_at_once() -> None:
    def died() -> bool:
        raise RuntimeError("the process exited")

    with pytest.raises(RuntimeError, match="exited"):
        await eventually(died, within=60)


@pytest.mark.asyncio
async def test_reached_gives_benches_a_time_or_none() -> None:
    ticks = iter(range(10))
    when = await reached(lambda: next(ticks) >= 2, within=5, every=0, clock=lambda: 42.0)
    assert when == 42.0
    assert await reached(lambda: False, within=0.02, every=0.005) is None
