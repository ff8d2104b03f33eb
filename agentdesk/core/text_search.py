"""Full-text search of the conversation: what the agent types, made an FTS5 query. Pure.

The queue's search box is the fuzzy search over "#id subject customer"; a query that starts
with a double quote (or `text:`) searches the words of every message and note instead, where
order numbers and tracking ids live. Each typed word becomes an FTS5 phrase, so `ORD-9607273`
is the two tokens "ord" "9607273" side by side, not a column filter or a NOT, and nothing the
agent types is FTS5 syntax: a stray quote, a `-` or a `*` is never an error.
"""

from __future__ import annotations

TEXT_PREFIXES = ('"', "text:")
# The search bar's hint and the help screen say it this way.
TEXT_HINT = 'start with " (or text:) to search conversations and notes'
# A word being typed matches as a prefix once it has this many letters (the index keeps
# three-letter prefixes: V_H14C); a two-letter one ("re", "co") stands for thousands of
# words, 100-300 ms at 260,000 messages. A shorter last word after others waits to grow.
MIN_PREFIX = 3


def text_query(query: str) -> str | None:
    """The words of a full-text query, or None when the query is a fuzzy one."""
    stripped = query.strip()
    for prefix in TEXT_PREFIXES:
        if stripped[: len(prefix)].lower() == prefix:
            return stripped[len(prefix) :].strip()
    return None


def _word(raw: str) -> str:
    # Quotes are the one character FTS5 reads inside a phrase; the tokenizer splits on
    # punctuation anyway, so dropping them loses nothing.
    return raw.replace('"', " ").strip()


def match_expression(words: str) -> str | None:
    """The FTS5 MATCH expression for these words (all of them, each as a phrase), or None
    when nothing searchable is left. The last word is matched as a prefix while it is being
    typed (from MIN_PREFIX letters on), unless it holds a digit: ids are typed whole, and a
    prefix of one is another id."""
    phrases = [w for w in (_word(raw) for raw in words.split()) if any(c.isalnum() for c in w)]
    if not phrases:
        return None
    last = phrases[-1]
    typing = not any(c.isdigit() for c in last)
    if typing and len(last) < MIN_PREFIX and len(phrases) > 1:
        phrases.pop()  # "refund n": "n" is the start of a word, not the word "n"
        typing = False
    parts = [f'"{phrase}"' for phrase in phrases]
    if typing and len(last) >= MIN_PREFIX:
        parts[-1] += "*"
    return " ".join(parts)
