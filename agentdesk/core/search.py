"""Fuzzy ticket search over "#id subject customer" strings. Pure: the corpus is passed in.

Scoring every string with rapidfuzz takes 50-250 ms at 50,000 tickets, too slow for a
keystroke. So a word index narrows first: each query word matches corpus words exactly, as a
prefix (the word being typed), inside a word, or fuzzily (a typo); rapidfuzz only ranks the few
thousand candidates that match every query word.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate

from rapidfuzz import fuzz, process, utils

DEFAULT_LIMIT = 500
# Candidates per tier that rapidfuzz ranks; beyond this the newest tickets win.
RERANK_LIMIT = 2_000
# A typo still matches: "refnd" scores 91 against "refund".
TYPO_CUTOFF = 80.0
# Shorter words match only as a prefix: "re" inside every word is noise.
MIN_INFIX = 3

_TICKET_ID = re.compile(r"^\s*#?\s*(\d+)\s*$")


def normalize(text: str) -> str:
    """Lower case, punctuation to spaces: how both the corpus and the query are compared."""
    return str(utils.default_process(text))


class SearchIndex:
    """Search over a fixed corpus; build it once in a worker, query it per keystroke."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
        # Newest first, so that index order is the tie-break among equal matches.
        pairs = sorted(zip(ids, texts, strict=True), key=lambda pair: pair[0], reverse=True)
        self._ids = [ticket_id for ticket_id, _text in pairs]
        self._originals = [text for _id, text in pairs]
        self._texts = [normalize(text) for text in self._originals]
        self._position = {ticket_id: index for index, ticket_id in enumerate(self._ids)}
        postings: dict[str, set[int]] = {}
        for index, text in enumerate(self._texts):
            for word in set(text.split()):
                postings.setdefault(word, set()).add(index)
        self._postings = postings
        self._words = sorted(postings)
        # One string of all words, so an infix search is str.find in C, not a Python loop.
        self._joined = "\n".join(self._words) + "\n"
        self._starts = list(accumulate((len(word) + 1 for word in self._words), initial=0))
        # Digits are ids and order numbers: a typo there is a different ticket.
        self._typo_words = [word for word in self._words if not word.isdigit()]

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._position

    def text(self, ticket_id: int) -> str:
        """The corpus string of a ticket as it was given (for showing a hit)."""
        return self._originals[self._position[ticket_id]]

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[int]:
        """Ticket ids, best first: an exact "#123"/"123" id, then tickets matching every
        query word exactly, then as prefixes, then inside words or with typos."""
        found: list[int] = []
        exact_id = _TICKET_ID.match(query)
        if exact_id and int(exact_id.group(1)) in self._position:
            found.append(self._position[int(exact_id.group(1))])
        words = normalize(query).split()
        if words and len(found) < limit:
            for tier in self._tiers(words):
                tier.difference_update(found)
                if tier:
                    found.extend(self._rank(normalize(query), tier, limit - len(found)))
                if len(found) >= limit:
                    break
        return [self._ids[index] for index in found[:limit]]

    def _tiers(self, words: list[str]) -> list[set[int]]:
        """Best first: every word exact; every word exact or a prefix; every word matched at
        all; all words but one (so a stray word like "please" does not empty the list)."""
        exact: list[set[int]] = []
        prefix: list[set[int]] = []
        loose: list[set[int]] = []
        for word in words:
            exact.append(self._postings.get(word, set()))
            prefix.append(self._union(self._prefixed(word)))
            loose.append(prefix[-1] | self._union(self._near(word)))
        all_exact = set.intersection(*exact)
        all_prefix = set.intersection(*prefix)
        all_loose = set.intersection(*loose)
        tiers = [all_exact, all_prefix - all_exact, all_loose - all_prefix]
        if len(words) > 1:
            but_one = set().union(
                *(
                    set.intersection(*(loose[:skip] + loose[skip + 1 :]))
                    for skip in range(len(words))
                )
            )
            tiers.append(but_one - all_loose)
        return tiers

    def _union(self, words: Iterable[str]) -> set[int]:
        sets = [self._postings[word] for word in words]
        return set().union(*sets) if sets else set()

    def _prefixed(self, word: str) -> list[str]:
        start = bisect_left(self._words, word)
        end = bisect_left(self._words, word + "\uffff", lo=start)
        return self._words[start:end]

    def _near(self, word: str) -> list[str]:
        """Words containing the query word, or within a typo of it."""
        if len(word) < MIN_INFIX:
            return []
        near = [w for w in self._infixed(word) if not w.startswith(word)]
        if not word.isdigit():
            near.extend(
                choice
                for choice, _score, _index in process.extract(
                    word,
                    self._typo_words,
                    scorer=fuzz.ratio,
                    processor=None,
                    score_cutoff=TYPO_CUTOFF,
                    limit=None,
                )
            )
        return near

    def _infixed(self, word: str) -> list[str]:
        found: list[str] = []
        at = self._joined.find(word)
        while at != -1:
            index = bisect_right(self._starts, at) - 1
            found.append(self._words[index])
            at = self._joined.find(word, self._starts[index + 1])
        return found

    def _rank(self, query: str, candidates: set[int], limit: int) -> list[int]:
        # A short query can match thousands: only the newest are worth ranking.
        pool = sorted(candidates)[:RERANK_LIMIT]
        ranked = process.extract(
            query,
            {index: self._texts[index] for index in pool},
            scorer=fuzz.WRatio,
            processor=None,
            limit=limit,
        )
        return [index for _text, _score, index in ranked]
