"""Upstream text made safe to store and to show: no control characters.

Titles, authors and abstracts are written by strangers. A C0 control (ESC starts terminal
sequences: window title, OSC 8 links, OSC 52 clipboard writes, clear screen), DEL or a C1
control (U+0080-U+009F; U+009B is a one-character CSI on some terminals) has no business in
a paper's metadata, so every parser passes its strings through :func:`one_line` (or
:func:`clean`) and nothing stored can drive a terminal. The CLI strips again on output
(:func:`strip_controls`) for databases filled before this was done.
"""

from __future__ import annotations

import re

# Every C0 control but TAB and LF, DEL, and every C1 control.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without control characters; tabs and line breaks stay."""
    return _CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """Hard-wrapped upstream text -> one line without control characters.

    Controls that count as whitespace (CR, VT, FF, the separators, NEL) separate words, as
    ``str.split`` treats them; any other control is dropped from inside its word.
    """
    words = (_CONTROLS.sub("", word) for word in text.split())
    return " ".join(word for word in words if word)


def clean(text: str) -> str:
    """A single upstream value (an id, a URL, a name): controls removed, ends trimmed."""
    return _CONTROLS.sub("", text).strip()
