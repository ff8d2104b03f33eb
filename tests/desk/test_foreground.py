"""The queue's reads go ahead of the search index build (desk/foreground.py; issue 17)."""

from __future__ import annotations

import threading

import pytest

from agentdesk.desk.foreground import Foreground, paced


class Recording(Foreground):
    """A gate that notes, each time the build looks at it, whether a read was running."""

    def __init__(self) -> None:
        super().__init__(longest_wait=0.0)  # never holds the test up: it only records
        self.looks: list[bool] = []

    def wait_idle(self) -> bool:
        self.looks.append(self.idle)
        return super().wait_idle()


def test_the_gate_is_busy_while_any_read_runs_and_after_a_failed_one_idle() -> None:
    gate = Foreground()
    assert gate.idle
    with gate.reading():
        assert not gate.idle
        with gate.reading():
            assert not gate.idle
        assert not gate.idle  # the outer read still runs
    assert gate.idle
    with pytest.raises(RuntimeError), gate.reading():
        raise RuntimeError("the read failed")
    assert gate.idle and gate.wait_idle()


def test_paced_rows_come_whole_in_order_with_a_look_before_each_chunk() -> None:
    gate = Recording()
    assert list(paced(range(10), gate, chunk=4)) == list(range(10))
    assert gate.looks == [True, True, True]  # before rows 0, 4 and 8
    with gate.reading():
        assert list(paced(range(3), gate, chunk=4)) == [0, 1, 2]
    assert gate.looks[3:] == [False]


def test_the_build_waits_while_a_read_runs_and_goes_on_once_it_ends() -> None:
    gate = Foreground(longest_wait=60.0)
    taken: list[int] = []
    asked = threading.Event()

    class Telling(Foreground):
        def wait_idle(self) -> bool:
            asked.set()
            return gate.wait_idle()

    with gate.reading():
        build = threading.Thread(target=lambda: taken.extend(paced(range(5), Telling(), 2)))
        build.start()
        asked.wait()
        assert taken == []  # held before its first row, for as long as the read runs
    build.join()
    assert taken == [0, 1, 2, 3, 4]
