"""Fuzzy search over the macro library, ranked: title first, then tags, then body.

Per keystroke, each query word is matched against the library's vocabulary once: as a prefix
(the word being typed) or, from four letters on, within a typo (rapidfuzz ratio >= 80). A
macro scores by the share of query words each of its fields matches, the title weighing most;
the best few are then re-ranked with rapidfuzz's WRatio on the title, so the closest title wins
among equals. Scoring the whole query against 5,000 titles and bodies with rapidfuzz would cost
tens of ms; this stays within a frame. An empty query lists the most used macros first.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from agentdesk.core.macros.model import Category, Macro

TITLE_WEIGHT = 1.0
TAG_WEIGHT = 0.6
BODY_WEIGHT = 0.45
# How much the title's closeness (WRatio, 0-100) adds among the best matches.
CLOSENESS_WEIGHT = 0.2
RERANK = 200
TYPO_CUTOFF = 80.0
MIN_TYPO_LENGTH = 4
DEFAULT_LIMIT = 50
_CATEGORY_ORDER = {category: index for index, category in enumerate(Category)}


def normalize(text: str) -> str:
    return str(utils.default_process(text))


@dataclass(frozen=True)
class MacroHit:
    macro: Macro
    score: float


class _Field:
    """One searchable field of every macro: word -> the macros whose field has it."""

    def __init__(self, texts: Sequence[str]) -> None:
        postings: dict[str, set[int]] = {}
        for index, text in enumerate(texts):
            for word in set(text.split()):
                postings.setdefault(word, set()).add(index)
        self.postings = postings

    def matching(self, words: Sequence[str]) -> set[int]:
        found: set[int] = set()
        for word in words:
            hit = self.postings.get(word)
            if hit:
                found |= hit
        return found


class MacroIndex:
    """Built once per library version (in a worker); searched on every keystroke."""

    def __init__(self, macros: Sequence[Macro]) -> None:
        self.macros = list(macros)
        self._titles = [normalize(macro.title) for macro in self.macros]
        self._fields = (
            (TITLE_WEIGHT, _Field(self._titles)),
            (
                TAG_WEIGHT,
                _Field([normalize(" ".join((*m.tags, m.category.value))) for m in macros]),
            ),
            (BODY_WEIGHT, _Field([normalize(macro.body) for macro in self.macros])),
        )
        vocabulary: set[str] = set()
        for _weight, field in self._fields:
            vocabulary.update(field.postings)
        self._words = sorted(vocabulary)
        # Digits are order numbers and ids: a "typo" there is a different one.
        self._typo_words = [word for word in self._words if not word.isdigit()]
        by_title = sorted(range(len(self.macros)), key=lambda i: self._titles[i])
        self._title_rank = [0] * len(self.macros)
        for rank, index in enumerate(by_title):
            self._title_rank[index] = rank
        # The order for an empty query before usage: category, then title.
        self._browse = sorted(
            range(len(self.macros)),
            key=lambda i: (_CATEGORY_ORDER[self.macros[i].category], self._titles[i]),
        )
        self._expansions: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self.macros)

    def search(
        self, query: str, usage: Mapping[str, int] | None = None, limit: int = DEFAULT_LIMIT
    ) -> list[MacroHit]:
        usage = usage or {}
        normalized = normalize(query)
        words = list(dict.fromkeys(normalized.split()))
        if not words:
            return self._most_used(usage, limit)
        # Per field, how many query words each macro matches (Counter.update runs in C).
        title, tags, body = (Counter[int](), Counter[int](), Counter[int]())
        for (_weight, field), counts in zip(self._fields, (title, tags, body), strict=True):
            for word in words:
                counts.update(field.matching(self._expand(word)))
        candidates = title.keys() | tags.keys() | body.keys()
        if not candidates:
            return []
        per_word = 100.0 / len(words)
        in_title, in_tags, in_body = title.get, tags.get, body.get
        scores = {
            i: per_word
            * (
                TITLE_WEIGHT * in_title(i, 0)
                + TAG_WEIGHT * in_tags(i, 0)
                + BODY_WEIGHT * in_body(i, 0)
            )
            for i in candidates
        }
        best = heapq.nlargest(max(RERANK, limit), scores, key=scores.__getitem__)
        for _title, closeness, index in process.extract(
            normalized,
            {index: self._titles[index] for index in best},
            scorer=fuzz.WRatio,
            processor=None,
            limit=None,
        ):
            scores[index] += CLOSENESS_WEIGHT * closeness
        best.sort(key=lambda i: (-scores[i], -usage.get(self.macros[i].id, 0), self._title_rank[i]))
        return [MacroHit(self.macros[i], scores[i]) for i in best[:limit]]

    def _expand(self, word: str) -> list[str]:
        """The vocabulary words a query word stands for: prefixes, and typos from 4 letters."""
        cached = self._expansions.get(word)
        if cached is not None:
            return cached
        start = bisect_left(self._words, word)
        end = bisect_left(self._words, word + "\uffff", lo=start)
        found = self._words[start:end]
        if len(word) >= MIN_TYPO_LENGTH and not word.isdigit():
            found = found + [
                choice
                for choice, _score, _index in process.extract(
                    word,
                    self._typo_words,
                    scorer=fuzz.ratio,
                    processor=None,
                    score_cutoff=TYPO_CUTOFF,
                    limit=None,
                )
                if not choice.startswith(word)
            ]
        if len(self._expansions) > 4_096:
            self._expansions.clear()
        self._expansions[word] = found
        return found

    def _most_used(self, usage: Mapping[str, int], limit: int) -> list[MacroHit]:
        used = sorted(
            (i for i, macro in enumerate(self.macros) if usage.get(macro.id, 0) > 0),
            key=lambda i: (-usage[self.macros[i].id], self._title_rank[i]),
        )
        chosen = used[:limit]
        if len(chosen) < limit:
            taken = set(chosen)
            for index in self._browse:
                if index not in taken:
                    chosen.append(index)
                    if len(chosen) >= limit:
                        break
        return [MacroHit(self.macros[i], 0.0) for i in chosen]
