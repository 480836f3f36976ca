"""Do's: practical tips saved by reaction, with consent, into the set's searchable toolkit."""

from __future__ import annotations

from bot.dos import person_data, toolkit
from bot.router import Router
from bot.sets.hooks import PERSON_EXPORT, PERSON_FORGET


def register(router: Router) -> None:
    toolkit.register(router)
    router.hook(PERSON_EXPORT, person_data.export_person)
    router.hook(PERSON_FORGET, person_data.forget_person)
