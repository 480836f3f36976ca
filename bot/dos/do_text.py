"""Pure helpers for do's: the text used to merge duplicates, hashtags, search terms.

A do is stored with the raw text people wrote; everything that shows it (chat replies as
`Plain` parts, the md/csv/html exports) escapes it for its own medium.  What is computed
here only decides identity (two messages saying the same thing are one do) and grouping.
"""

from __future__ import annotations

import re
import unicodedata

# `#listening`, `#follow-up`, `#été`; not a Slack/Discord channel link (`<#C123|x>`,
# `<#123>`), not an HTML entity (`&#39;`), not a bare number (`#12` names a message or a do).
_HASHTAG = re.compile(r"(?<![\w&<#/])#(\w[\w-]{0,49})", re.UNICODE)
_TRAILING_TAGS = re.compile(r"(?:\s*(?<![\w&<#/])#\w[\w-]{0,49})+\s*$", re.UNICODE)
_NOT_WORD = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)
_TOKEN = re.compile(r"\w+", re.UNICODE)

MAX_TERMS = 8


def normalise_text(raw: str) -> str:
    """The text two do's must share to be merged: case, Unicode forms, punctuation, spacing
    and hashtags at the end do not count, so "Ask open questions!" and
    "ask  open questions #coaching" are one do (a `#word` mid-sentence stays a word)."""
    value = _TRAILING_TAGS.sub("", raw or "")
    value = unicodedata.normalize("NFKC", value).casefold()
    value = value.replace("_", " ")
    value = _NOT_WORD.sub(" ", value)
    return _SPACE.sub(" ", value).strip()


def hashtags(raw: str) -> list[str]:
    """Tags in the order they first appear, lower-cased, without `#`; numbers are not tags."""
    seen: list[str] = []
    for match in _HASHTAG.finditer(raw or ""):
        tag = unicodedata.normalize("NFKC", match[1]).casefold().rstrip("-")
        if tag and not tag.isdigit() and tag not in seen:
            seen.append(tag)
    return seen


def search_terms(raw: str) -> list[str]:
    """The words of a search, as plain tokens (never query syntax), at most `MAX_TERMS`."""
    out: list[str] = []
    for token in _TOKEN.findall(unicodedata.normalize("NFKC", raw or "").casefold()):
        token = token.strip("_")
        if token and token not in out:
            out.append(token)
    return out[:MAX_TERMS]


def fts5_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression: every term, as a quoted prefix (`"listen"*`)."""
    return " ".join('"' + t.replace('"', '""') + '"*' for t in terms)


def tsquery(terms: list[str]) -> str:
    """A PostgreSQL `to_tsquery` expression: every term as a prefix (`listen:*`).

    Terms are `\\w+` tokens, so none of tsquery's operators can come from the user.
    """
    return " & ".join(f"{t}:*" for t in terms)


def snippet(raw: str, limit: int = 280) -> str:
    """One do as a short single paragraph for chat listings."""
    value = _SPACE.sub(" ", raw or "").strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def display_name(user_key: str | None) -> str:
    """How an exported toolkit names a person: their platform id, never the full key."""
    if not user_key:
        return "someone"
    return "@" + user_key.rsplit(":", 1)[-1]
