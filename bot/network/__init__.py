"""Keeping the set talking between sessions (issue 18): offers and wants matched with each
other and introduced only on both people's yes (`items.py`, `matching.py`, `proposals.py`),
a prompt of the week in the channel (`prompts.py`), pairs who check in (`pairs.py`).

Above `bot.dos` and `bot.followup` (pairs' starters come from the set's do's; prompts skip
the weeks the schedule has a session), beside `bot.reports`."""

from __future__ import annotations

from bot.network import items, pairs, prompts, proposals
from bot.router import Router


def register(router: Router) -> None:
    # Proposals before items: on `forget-me` the proposals' hook must still find the
    # proposals on the person's items, which deleting the items takes with them.
    proposals.register(router)
    items.register(router)
    prompts.register(router)
    pairs.register(router)
