"""Fuzzy search over the macro library, ranked: title first, then tags, then body.

Per keystroke: rapidfuzz scores the query against every title and every tag line (short
strings, a few ms at 5,000 macros); bodies are long, so they go through a word index
instead: the share of query words that start a word of the body. An empty query lists the
most used macros first.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from agentdesk.core.macros.model import Category, Macro

TITLE_WEIGHT = 1.0
TAG_WEIGHT = 0.6
BODY_WEIGHT = 0.45
# Below this, a fuzzy title or tag score is noise ("re" is in half the titles).
FUZZY_CUTOFF = 60.0
DEFAULT_LIMIT = 50
_CATEGORY_ORDER = {category: index for index, category in enumerate(Category)}


def normalize(text: str) -> str:
    return str(utils.default_process(text))


@dataclass(frozen=True)
class MacroHit:
    macro: Macro
    score: float


class MacroIndex:
    """Built once per library version (in a worker); searched on every keystroke."""

    def __init__(self, macros: Sequence[Macro]) -> None:
        self.macros = list(macros)
        self._titles = [normalize(macro.title) for macro in self.macros]
        self._tags = [
            normalize(" ".join((*macro.tags, macro.category.value))) for macro in self.macros
        ]
        postings: dict[str, set[int]] = {}
        for index, macro in enumerate(self.macros):
            for word in set(normalize(macro.body).split()):
                postings.setdefault(word, set()).add(index)
        self._postings = postings
        self._words = sorted(postings)

    def __len__(self) -> int:
        return len(self.macros)

    def search(
        self, query: str, usage: Mapping[str, int] | None = None, limit: int = DEFAULT_LIMIT
    ) -> list[MacroHit]:
        usage = usage or {}
        normalized = normalize(query)
        words = normalized.split()
        if not words:
            ordered = sorted(
                range(len(self.macros)),
                key=lambda i: (
                    -usage.get(self.macros[i].id, 0),
                    _CATEGORY_ORDER[self.macros[i].category],
                    self._titles[i],
                ),
            )
            return [MacroHit(self.macros[i], 0.0) for i in ordered[:limit]]
        scores: dict[int, float] = {}
        for weight, corpus in ((TITLE_WEIGHT, self._titles), (TAG_WEIGHT, self._tags)):
            for _choice, score, index in process.extract(
                normalized,
                corpus,
                scorer=fuzz.WRatio,
                processor=None,
                score_cutoff=FUZZY_CUTOFF,
                limit=None,
            ):
                scores[index] = scores.get(index, 0.0) + weight * score
        for index, share in self._body_shares(words).items():
            scores[index] = scores.get(index, 0.0) + BODY_WEIGHT * 100.0 * share
        ranked = sorted(
            scores,
            key=lambda i: (-scores[i], -usage.get(self.macros[i].id, 0), self._titles[i]),
        )
        return [MacroHit(self.macros[i], scores[i]) for i in ranked[:limit]]

    def _body_shares(self, words: list[str]) -> dict[int, float]:
        """For each macro whose body has a word starting with a query word: the share of
        query words it matches."""
        counts: dict[int, int] = {}
        for word in dict.fromkeys(words):
            matched: set[int] = set()
            start = bisect_left(self._words, word)
            end = bisect_left(self._words, word + "\uffff", lo=start)
            for body_word in self._words[start:end]:
                matched |= self._postings[body_word]
            for index in matched:
                counts[index] = counts.get(index, 0) + 1
        total = len(set(words))
        return {index: count / total for index, count in counts.items()}
