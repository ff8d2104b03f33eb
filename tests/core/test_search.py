"""The fuzzy ticket search: ranking rules, typos, ids, limits, and speed at 50,000 tickets."""

from __future__ import annotations

import random

import pytest

from agentdesk.core.search import SearchIndex, normalize

CORPUS = {
    1: "#1 Refund not received after return Maria Garcia",
    2: "#2 Card declined at checkout John Smith",
    3: "#3 Where is my refund for ORD-123? Wei Chen",
    4: "#4 Login fails after password reset Aisha Khan",
    12: "#12 Charged twice for order ORD-0042 Maria Lopez",
    123: "#123 App crashes on launch Olaf Berg",
    1234: "#1234 Refund status? Yuki Tanaka",
}


@pytest.fixture
def index() -> SearchIndex:
    return SearchIndex(list(CORPUS), list(CORPUS.values()))


def test_normalize_lowercases_and_drops_punctuation() -> None:
    assert normalize("  #12 Refund, NOW! ") == "12 refund  now"


def test_words_match_subjects_and_customers(index: SearchIndex) -> None:
    assert index.search("card declined") == [2]
    assert index.search("maria") == [12, 1]  # newest first among equal matches
    # The ticket with both words first; tickets with all words but one after it.
    assert index.search("refund maria") == [1, 1234, 12, 3]


def test_a_stray_word_does_not_empty_the_results(index: SearchIndex) -> None:
    assert set(index.search("refund please")) == {1, 3, 1234}
    assert index.search("card please thanks") == []


def test_a_word_being_typed_matches_as_a_prefix(index: SearchIndex) -> None:
    assert set(index.search("refu")) == {1, 3, 1234}
    assert index.search("crash") == [123]


def test_a_typo_still_finds_the_ticket(index: SearchIndex) -> None:
    assert {1, 3, 1234} <= set(index.search("refnud"))
    assert 1 in index.search("refnd recieved")
    assert index.search("pasword") == [4]


def test_exact_matches_rank_before_prefixes_and_typos(index: SearchIndex) -> None:
    found = index.search("refund")
    assert set(found[:3]) == {1, 3, 1234}


@pytest.mark.parametrize("query", ["#123", "123", " # 123 "])
def test_an_exact_ticket_id_ranks_first(index: SearchIndex, query: str) -> None:
    found = index.search(query)
    assert found[0] == 123
    assert len(found) == len(set(found))
    # Other tickets whose words start with 123 follow (#1234, ORD-123).
    assert set(found[1:]) == {1234, 3}


def test_an_unknown_id_finds_no_ticket_by_that_id(index: SearchIndex) -> None:
    assert 999 not in index.search("#999")


def test_nothing_matches_nonsense(index: SearchIndex) -> None:
    assert index.search("xyzzy") == []
    assert index.search("   ") == []
    assert index.search("") == []


def test_the_limit_is_kept(index: SearchIndex) -> None:
    assert len(index.search("r", limit=2)) == 2
    assert index.search("#123", limit=1) == [123]


def test_text_returns_the_corpus_string(index: SearchIndex) -> None:
    assert index.text(12) == CORPUS[12]
    assert 12 in index and 13 not in index
    assert len(index) == len(CORPUS)


def test_mismatched_ids_and_texts_are_refused() -> None:
    with pytest.raises(ValueError, match="2 ids but 1 texts"):
        SearchIndex([1, 2], ["#1 a"])


def test_a_large_corpus_keeps_the_rules() -> None:
    """50,000 tickets; bench/bench_queue.py measures the per-keystroke time (no timing here)."""
    rng = random.Random(3)
    words = ["refund", "card", "payment", "declined", "delivery", "late", "missing", "parcel"]
    names = ["Maria Garcia", "John Smith", "Wei Chen", "Aisha Khan", "Olaf Berg"]
    ids = list(range(1, 50_001))
    texts = [
        f"#{i} {' '.join(rng.sample(words, 4))} ORD-{rng.randint(10**6, 10**7)} "
        f"{rng.choice(names)}{rng.randint(0, 500)}"
        for i in ids
    ]
    index = SearchIndex(ids, texts)
    typed = "refund not received"
    for end in range(1, len(typed) + 1):
        found = index.search(typed[:end])
        assert len(found) == len(set(found)) <= 500
    assert index.search("#49999")[0] == 49_999


def test_an_index_read_newest_first_is_the_same_index(index: SearchIndex) -> None:
    """The store streams its corpus newest first; that index answers as the sorted one."""
    streamed = SearchIndex.newest_first(sorted(CORPUS.items(), reverse=True))
    for query in ["refund maria", "refu", "#123", "pasword", "card please thanks", "r"]:
        assert streamed.search(query) == index.search(query)
    assert streamed.text(12) == CORPUS[12] and len(streamed) == len(CORPUS)
    assert 13 not in streamed and "12" not in streamed


def test_a_stream_out_of_order_is_refused() -> None:
    with pytest.raises(ValueError, match="ticket #5 out of order"):
        SearchIndex.newest_first([(4, "#4 a"), (5, "#5 b")])
    with pytest.raises(ValueError, match="ticket #4 out of order"):
        SearchIndex.newest_first([(4, "#4 a"), (4, "#4 b")])


def test_an_unknown_ticket_has_no_text(index: SearchIndex) -> None:
    with pytest.raises(KeyError):
        index.text(13)


def test_an_empty_corpus_finds_nothing() -> None:
    empty = SearchIndex([], [])
    assert empty.search("refund") == [] and empty.search("#1") == [] and len(empty) == 0


def test_texts_beyond_ascii_come_back_whole_and_are_found() -> None:
    """The corpus is kept as UTF-8 (issue 17: memory): every text comes back as given, its
    neighbours' too, and its words match exactly, as prefixes and with typos."""
    corpus = {
        7: "#7 Refund not received Zoë Ångström",
        8: "#8 Card declined 東京 customer",
        9: "#9 Parcel missing José Müller",
        10: "#10 Login fails Ada Lovelace",
    }
    index = SearchIndex(list(corpus), list(corpus.values()))
    assert [index.text(n) for n in corpus] == list(corpus.values())
    assert index.search("zoë") == [7]
    assert index.search("ångs") == [7]  # a prefix, accented
    assert index.search("müler") == [9]  # a typo
    assert index.search("東京") == [8]
    assert index.search("lovelace") == [10]
