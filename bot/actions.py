"""The button actions, declared once as data, like the commands in :mod:`bot.commands`.

A button carries its action as one short string, ``<name>:<arg>:<arg>…``
(``upvote:2411.01234``, ``search:1a2b3c4d5e6f:2``), built by :func:`encode` and read back by
:func:`decode`. The string outlives the process that wrote it: a card posted months ago is
still clicked after an upgrade, so a name and its arguments never change meaning; a new
behaviour gets a new name.

Adapters wrap the string in their own ids (Discord: ``ph:`` + the string as the custom_id;
Slack: ``ph_<name>`` as the action_id and the arguments as the value) and read the flags of
the decoded :class:`Action` instead of keeping their own lists:

* ``deferred``: the answer may take longer than a platform's 3 s, so the adapter acknowledges
  first ("thinking…") and answers after;
* ``replaces``: the answer replaces the message the button sits on (paging through results);
  the console offers such buttons as ``next``/``previous``;
* ``in_parent``: the answer belongs in the channel, also when the button is clicked inside
  one of its threads (a discussion opens beside the daily thread, not in it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEPARATOR = ":"
# The tightest platform limit: Discord's custom_id holds 100 characters, the adapter's "ph:"
# included (Slack allows 2,000 for a button's value and 255 for its action_id).
MAX_LENGTH = 97


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of an action: a name (for reading it back) and what it may look like."""

    name: str
    pattern: re.Pattern[str]

    def accepts(self, value: str) -> bool:
        return SEPARATOR not in value and self.pattern.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    args: tuple[Arg, ...]
    summary: str
    deferred: bool = False
    replaces: bool = False
    in_parent: bool = False


@dataclass(frozen=True, slots=True)
class ActionCall:
    """A decoded click: the declared action and its validated arguments, as strings."""

    action: Action
    args: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.action.name

    def get(self, name: str) -> str:
        for arg, value in zip(self.action.args, self.args, strict=True):
            if arg.name == name:
                return value
        raise KeyError(f"{self.action.name} has no argument {name!r}")

    def encode(self) -> str:
        return encode(self.action, *self.args)


# Every id the store holds is normalised (bot.arxiv_ids): 2411.01234 or hep-th/9901001.
PAPER = Arg("arxiv_id", re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}"))

UPVOTE = Action("upvote", (PAPER,), "toggle the caller's vote; relabels the button in place")
DOWNVOTE = Action(
    "downvote",
    (PAPER,),
    "toggle the caller's 👎 Not for me (replaces an upvote); a ranking signal, not a score",
)
ABSTRACT = Action("abstract", (PAPER,), "the paper's full card, only for the caller")
DISCUSS = Action(
    "discuss",
    (PAPER,),
    "open the paper's discussion thread in the channel, or link the open one",
    deferred=True,
    in_parent=True,
)
CITE = Action("cite", (PAPER,), "the paper's BibTeX entry, only for the caller")
SEARCH_PAGE = Action(
    "search",
    (Arg("query_key", re.compile(r"[0-9a-f]{1,40}")), Arg("page", re.compile(r"[0-9]{1,6}"))),
    "another page of a saved search",
    replaces=True,
)

# Shown only on a person's own page (Slack's App Home); a click anywhere else works the same.
REMOVE_TOPIC = Action(
    "unsubscribe",
    (Arg("subscription_id", re.compile(r"[0-9]{1,12}")),),
    "remove one of the caller's topics (only its owner can)",
)

ACTIONS: dict[str, Action] = {
    a.name: a for a in (UPVOTE, ABSTRACT, DISCUSS, CITE, SEARCH_PAGE, DOWNVOTE, REMOVE_TOPIC)
}


def encode(action: Action | str, *args: str | int) -> str:
    """The string a button carries. A wrong argument is a programming error: ValueError."""
    name = action.name if isinstance(action, Action) else action
    decl = ACTIONS.get(name)
    if decl is None or (isinstance(action, Action) and action != decl):
        raise ValueError(f"{name!r} is not a declared action")
    values = tuple(str(a) for a in args)
    if len(values) != len(decl.args):
        raise ValueError(f"{name} takes {len(decl.args)} argument(s), got {len(values)}")
    for arg, value in zip(decl.args, values, strict=True):
        if not arg.accepts(value):
            raise ValueError(f"{name}: {value!r} is not a valid {arg.name}")
    text = SEPARATOR.join((decl.name, *values))
    if len(text) > MAX_LENGTH:
        raise ValueError(f"{name}: {len(text)} characters, more than {MAX_LENGTH}")
    return text


def decode(text: str) -> ActionCall | None:
    """The declared action ``text`` names, with its arguments; None for anything else
    (an unknown name, a wrong number of arguments, an argument of the wrong shape)."""
    if not text or len(text) > MAX_LENGTH:
        return None
    name, sep, rest = text.partition(SEPARATOR)
    decl = ACTIONS.get(name)
    if decl is None:
        return None
    values = tuple(rest.split(SEPARATOR)) if sep else ()
    if len(values) != len(decl.args):
        return None
    if not all(arg.accepts(v) for arg, v in zip(decl.args, values, strict=True)):
        return None
    return ActionCall(decl, values)
