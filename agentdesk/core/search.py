"""Fuzzy ticket search over "#id subject customer" strings. Pure: the corpus is passed in.

Scoring every string with rapidfuzz takes 50-250 ms at 50,000 tickets, too slow for a
keystroke. So a word index narrows first: each query word matches corpus words exactly, as a
prefix (the word being typed), inside a word, or fuzzily (a typo); rapidfuzz only ranks the few
thousand candidates that match every query word.
"""

from __future__ import annotations

import re
from array import array
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
# Corpus strings joined per this many while the index is built.
_CHUNK = 1_000

_TICKET_ID = re.compile(r"^\s*#?\s*(\d+)\s*$")


def normalize(text: str) -> str:
    """Lower case, punctuation to spaces: how both the corpus and the query are compared."""
    return str(utils.default_process(text))


class _SortedWords:
    """The index's sorted words, each read out of the one string of them (a bisection
    reads ~17): a sequence for bisect, without a str object kept per word."""

    __slots__ = ("_joined", "_starts")

    def __init__(self, joined: str, starts: array[int]) -> None:
        self._joined = joined
        self._starts = starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, at: int) -> str:
        if not 0 <= at < len(self._starts) - 1:
            raise IndexError(at)
        return self._joined[self._starts[at] : self._starts[at + 1] - 1]


class SearchIndex:
    """Search over a fixed corpus; build it once in a worker, query it per keystroke.

    Kept compact (issue 17: ~7 MiB at 50,000 tickets, where a set of ticket positions per
    word took ~60 MiB): the corpus strings are one UTF-8 string with their offsets (one
    accented name made a str of the whole corpus two bytes a character), the sorted words
    are one string with theirs, read through _SortedWords (a str object per word was 3.5
    MiB), and each word's tickets are a run of positions in one array, in the order of the
    sorted words, so the tickets of every word with a prefix are one slice."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
        order = sorted(range(len(ids)), key=ids.__getitem__, reverse=True)
        self._build((ids[at], texts[at]) for at in order)

    @classmethod
    def newest_first(cls, rows: Iterable[tuple[int, str]]) -> SearchIndex:
        """The index of (id, text) rows that come newest first (id descending), read one at
        a time: no list of the whole corpus is held while the index is built."""
        index = cls.__new__(cls)
        index._build(rows)
        return index

    def _build(self, rows: Iterable[tuple[int, str]]) -> None:
        # Newest first, so that index order is the tie-break among equal matches. Negated
        # ids ascend: a ticket's position is a bisection, with no dict of 50,000.
        self._negated = negated = array("q")
        starts = array("Q", [0])
        chunks: list[bytes] = []
        pending: list[bytes] = []
        postings: dict[str, array[int]] = {}
        for index, (ticket_id, text) in enumerate(rows):
            if negated and -ticket_id <= negated[-1]:
                raise ValueError(f"ticket #{ticket_id} out of order: ids must descend")
            negated.append(-ticket_id)
            encoded = text.encode()
            starts.append(starts[-1] + len(encoded))
            pending.append(encoded)
            if len(pending) >= _CHUNK:  # few strings alive at once: less heap left behind
                chunks.append(b"".join(pending))
                pending.clear()
            for word in set(normalize(text).split()):
                found = postings.get(word)
                if found is None:
                    postings[word] = found = array("I")
                found.append(index)  # positions ascend per word
        chunks.append(b"".join(pending))
        self._corpus = b"".join(chunks)
        self._corpus_starts = starts
        words = sorted(postings)
        self._offsets = array("Q", accumulate((len(postings[w]) for w in words), initial=0))
        self._postings = array("I")
        for word in words:
            self._postings.extend(postings[word])
        del postings
        # One string of all words, so an infix search is str.find in C, not a Python loop.
        self._joined = "\n".join(words) + "\n"
        self._starts = array("Q", accumulate((len(word) + 1 for word in words), initial=0))
        # Digits are ids and order numbers: a typo there is a different ticket.
        typo = [at for at, word in enumerate(words) if not word.isdigit()]
        self._typo_at = array("I", typo)
        del words
        self._words = _SortedWords(self._joined, self._starts)
        # Fresh strings, cut after the build's scraps are freed: the keys of the dict were
        # strewn among them and would keep their heap pages from being given back.
        self._typo_words = [self._words[at] for at in typo]

    def __len__(self) -> int:
        return len(self._negated)

    def __contains__(self, ticket_id: object) -> bool:
        return isinstance(ticket_id, int) and self._position(ticket_id) is not None

    def _position(self, ticket_id: int) -> int | None:
        at = bisect_left(self._negated, -ticket_id)
        return at if at < len(self._negated) and self._negated[at] == -ticket_id else None

    def _original(self, index: int) -> str:
        starts = self._corpus_starts
        return self._corpus[starts[index] : starts[index + 1]].decode()

    def text(self, ticket_id: int) -> str:
        """The corpus string of a ticket as it was given (for showing a hit)."""
        index = self._position(ticket_id)
        if index is None:
            raise KeyError(ticket_id)
        return self._original(index)

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[int]:
        """Ticket ids, best first: an exact "#123"/"123" id, then tickets matching every
        query word exactly, then as prefixes, then inside words or with typos."""
        found: list[int] = []
        exact_id = _TICKET_ID.match(query)
        if exact_id:
            index = self._position(int(exact_id.group(1)))
            if index is not None:
                found.append(index)
        words = normalize(query).split()
        if words and len(found) < limit:
            for tier in self._tiers(words):
                tier.difference_update(found)
                if tier:
                    found.extend(self._rank(normalize(query), tier, limit - len(found)))
                if len(found) >= limit:
                    break
        return [-self._negated[index] for index in found[:limit]]

    def _tiers(self, words: list[str]) -> list[set[int]]:
        """Best first: every word exact; every word exact or a prefix; every word matched at
        all; all words but one (so a stray word like "please" does not empty the list)."""
        exact: list[set[int]] = []
        prefix: list[set[int]] = []
        loose: list[set[int]] = []
        for word in words:
            start, end = self._prefixed(word)
            exact.append(self._tickets(start, start + 1) if self._is_word(start, word) else set())
            prefix.append(self._tickets(start, end))
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

    def _is_word(self, at: int, word: str) -> bool:
        return at < len(self._words) and self._words[at] == word

    def _tickets(self, start: int, end: int) -> set[int]:
        """The positions of the tickets holding any of the words start..end (sorted order)."""
        return set(self._postings[self._offsets[start] : self._offsets[end]])

    def _union(self, word_indexes: Iterable[int]) -> set[int]:
        found: set[int] = set()
        for at in word_indexes:
            found.update(self._postings[self._offsets[at] : self._offsets[at + 1]])
        return found

    def _prefixed(self, word: str) -> tuple[int, int]:
        """The words that start with this one: a range of the sorted words."""
        start = bisect_left(self._words, word)
        return start, bisect_left(self._words, word + "\uffff", lo=start)

    def _near(self, word: str) -> list[int]:
        """Words containing the query word, or within a typo of it."""
        if len(word) < MIN_INFIX:
            return []
        near = [at for at in self._infixed(word) if not self._words[at].startswith(word)]
        if not word.isdigit():
            near.extend(
                self._typo_at[at]
                for _choice, _score, at in process.extract(
                    word,
                    self._typo_words,
                    scorer=fuzz.ratio,
                    processor=None,
                    score_cutoff=TYPO_CUTOFF,
                    limit=None,
                )
            )
        return near

    def _infixed(self, word: str) -> list[int]:
        found: list[int] = []
        at = self._joined.find(word)
        while at != -1:
            index = bisect_right(self._starts, at) - 1
            found.append(index)
            at = self._joined.find(word, self._starts[index + 1])
        return found

    def _rank(self, query: str, candidates: set[int], limit: int) -> list[int]:
        # A short query can match thousands: only the newest are worth ranking.
        pool = sorted(candidates)[:RERANK_LIMIT]
        ranked = process.extract(
            query,
            {index: normalize(self._original(index)) for index in pool},
            scorer=fuzz.WRatio,
            processor=None,
            limit=limit,
        )
        return [index for _text, _score, index in ranked]
