"""Hypothesis strategies for the text people (and broken clients) send: control, zero-width
and right-to-left characters, emoji sequences, every mention form of both platforms, and
runs up to Slack's 40,000-character limit."""

from __future__ import annotations

from hypothesis import strategies as st

CONTROL = [chr(c) for c in (*range(0x00, 0x20), 0x7F, 0x85)]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u034f"]
BIDI = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
        "\u2067", "\u2068", "\u2069", "\u061c"]  # fmt: skip
EMOJI = ["😀", "👩‍👩‍👧", "🏳️‍🌈", "🇬🇧", "👍🏽", "✅", "❤️", "🧑‍💻", "\U0001fae0", "#️⃣"]
ODD_LETTERS = ["ﷺ", "𝕒", "İ", "ß", "é", "é", "Ω", "ﬁ", "Ⅻ", "𒐫", "ᄀ", "中", "ع", "א"]
MENTIONS = [
    "@everyone", "@here", "@channel", "<!channel>", "<!here>", "<!everyone>",
    "<!subteam^S0LEADS>", "<!subteam^S0LEADS|@leads>", "<@U0SOMEONE>", "<@U0SOMEONE|sam>",
    "<@W0ENTERPRISE>", "<#C0GENERAL>", "<#C0GENERAL|general>", "<@&123456789012345678>",
    "<@!123456789012345678>", "<@123456789012345678>", "<#123456789012345678>",
    "@\u200beveryone", "@\u200dhere", "＠everyone", "＠here", "@everyone\u200b", "@@everyone",
    "<<!channel>>", "&lt;!channel&gt;", "<!date^1392734382^{date}|x>", "<https://x.test|y>",
    "<mailto:a@b.test|mail>", "@everyone\u0000", "\\@everyone", "`@everyone`",
]  # fmt: skip
SYNTAX = ["*", "_", "~", "`", "```", ">", "|", "&", "&amp;", "<", ">", "||", "**", "\\",
          "[x](https://x.test)", "#", ":", ";", "\"", "'", "{", "}", "%s", "{0}", "\n", " "]  # fmt: skip
WORDS = ["by", "friday", "3 dec", "page", "2", "every", "week", "monthly on the", "last",
         "confirm", "remove", "export", "random", "md", "csv", "html", "10am", "in 3 days"]  # fmt: skip
PIECES = CONTROL + INVISIBLE + BIDI + EMOJI + ODD_LETTERS + MENTIONS + SYNTAX + WORDS


@st.composite
def _long(draw: st.DrawFn) -> str:
    """A run up to 40,000 characters of one odd piece (or a mix), as a paste might be."""
    piece = draw(st.sampled_from(PIECES) | st.text(min_size=1, max_size=5))
    size = draw(st.sampled_from([3_000, 4_001, 39_999, 40_000]) | st.integers(1, 40_000))
    return (piece * (size // len(piece) + 1))[:size]


odd_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=30).map(
    "".join
)
odd_or_long = st.one_of(odd_text, odd_text, odd_text, _long())
