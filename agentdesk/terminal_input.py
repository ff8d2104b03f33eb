"""The terminal input parser, with bracketed paste taken whole.

Textual 8's XTermParser keeps a paste's characters in its buffer only while it is not inside
an escape sequence: after an ESC in the pasted text, the characters of the would-be sequence
are re-issued as key presses at once, and the paste event (with what came before the ESC)
follows at the end. A paste of `AAA ESC[31mBBB ESC[0m CCC` reached the composer as the keys
`^[31mBBB^[0m CCC`, then the paste `AAA `: reordered, and with the escape codes as text.

PasteSafeParser lets Textual's parser see the start marker (so its state stays its own), then
reads everything up to the end marker itself and sends one Paste event with the text exactly
as pasted, in order. What may be kept of it is the text area's business (the sanitiser).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator

from textual import events
from textual._parser import Peek1, Read1, TokenCallback
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.message import Message


class PasteSafeParser(XTermParser):
    def parse(self, token_callback: TokenCallback[Message]) -> Generator[Read1 | Peek1, str, None]:
        from textual._parser import ParseEOF, ParseTimeout

        drop_empty_paste = False

        def forward(token: Message) -> None:
            nonlocal drop_empty_paste
            if drop_empty_paste and isinstance(token, events.Paste):
                drop_empty_paste = False
                if not token.text:
                    return  # Textual's own (empty) paste for the end marker we fed it
            token_callback(token)

        inner = super().parse(forward)
        request = next(inner)
        recent = ""
        while True:
            try:
                character = yield request
            except ParseTimeout:
                try:
                    request = inner.throw(ParseTimeout())
                except StopIteration:
                    return
                continue
            except ParseEOF:
                with contextlib.suppress(StopIteration):
                    inner.throw(ParseEOF())
                return
            try:
                request = inner.send(character)
            except StopIteration:
                return
            if isinstance(request, Peek1):
                continue  # the same character comes again
            recent = (recent + character)[-len(BRACKETED_PASTE_START) :]
            if recent != BRACKETED_PASTE_START:
                continue
            recent = ""
            pasted: list[str] = []
            ended = False
            while not ended:
                try:
                    character = yield self.read1()
                except ParseEOF:
                    break
                pasted.append(character)
                if character == "~" and "".join(pasted[-len(BRACKETED_PASTE_END) :]) == (
                    BRACKETED_PASTE_END
                ):
                    del pasted[-len(BRACKETED_PASTE_END) :]
                    ended = True
            # NUL dropped as Textual does (https://github.com/Textualize/textual/issues/1661).
            token_callback(events.Paste("".join(pasted).replace("\x00", "")))
            if not ended:
                return
            # Textual's parser saw the start marker: let it see the end marker too.
            drop_empty_paste = True
            for character in BRACKETED_PASTE_END:
                request = inner.send(character)


def install() -> None:
    """Make Textual's terminal drivers read input with PasteSafeParser."""
    from textual.drivers import linux_driver, linux_inline_driver

    # The drivers look the name up when their input thread starts.
    for driver in (linux_driver, linux_inline_driver):
        setattr(driver, "XTermParser", PasteSafeParser)  # noqa: B010
