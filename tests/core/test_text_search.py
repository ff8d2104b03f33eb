"""What the agent types in the queue's search becomes an FTS5 query that is never an error."""

from __future__ import annotations

import sqlite3

import pytest

from agentdesk.core.text_search import match_expression, text_query


def test_a_leading_quote_or_text_prefix_makes_a_full_text_query() -> None:
    assert text_query('"ORD-9607273') == "ORD-9607273"
    assert text_query('  "ORD-9607273"') == 'ORD-9607273"'
    assert text_query("TEXT: 1Z999AA1") == "1Z999AA1"
    assert text_query("ORD-9607273") is None  # the fuzzy search, unchanged
    assert text_query("#12") is None


def test_each_word_is_a_phrase_and_the_last_word_a_prefix_unless_it_is_an_id() -> None:
    assert match_expression("ORD-9607273") == '"ORD-9607273"'
    assert match_expression("courier claim") == '"courier" "claim"*'
    assert match_expression("parcel ORD-96") == '"parcel" "ORD-96"'
    assert match_expression("a") == '"a"'
    assert match_expression("re") == '"re"'  # two letters: the word, not 2,000 words
    assert match_expression("refund n") == '"refund"'  # "n" is still being typed
    assert match_expression("refund not") == '"refund" "not"*'
    assert match_expression(' " - * ') is None
    assert match_expression("") is None


@pytest.mark.parametrize(
    "typed",
    ['"', 'ORD-1" OR', "NOT AND", "a* (b", "body:x", "NEAR(a b)", "x^y", "-refund", "'quoted'"],
)
def test_fts5_syntax_typed_by_the_agent_is_searched_for_not_obeyed(typed: str) -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    connection.execute("INSERT INTO t (body) VALUES ('refund for ORD-1 not and or near')")
    match = match_expression(typed)
    if match is not None:
        connection.execute("SELECT rowid FROM t WHERE t MATCH ?", (match,)).fetchall()
