"""The button actions table: every action round-trips, fits every platform, junk is refused,
and the strings already posted in channels keep working after an upgrade."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import actions
from bot.actions import ACTIONS, MAX_LENGTH, Action, Arg, decode, encode
from bot.bootstrap import Services
from bot.commands import COMMANDS
from bot.messages import INTERNAL_ERROR, Actions, admin_refusal
from bot.models import Paper, UserRef
from bot.present.lists import search_results
from bot.present.papers import paper_card
from storage.store import Repositories
from tests.action_table import declare_action
from tests.conftest import HF_DAY, alice, fixture_ids, make_batch

# Examples for every kind of argument; a new kind of argument needs examples here.
SAMPLES: dict[str, list[str]] = {
    "arxiv_id": ["2411.01234", "0704.0001", "hep-th/9901001", "math/0309136", "2411.01234v2"],
    "query_key": ["0a1b2c3d4e5f", "f" * 40],
    "page": ["1", "2", "999999"],
    "subscription_id": ["7", "1", "999999999999"],
}
DISCORD_CUSTOM_ID_MAX = 100  # with the adapter's "ph:" prefix
SLACK_VALUE_MAX = 2000
SLACK_ACTION_ID_MAX = 255  # "ph_" + name (+ "#n" to keep ids unique in a block)

# Literal strings that buttons already posted in channels carry (see git history of render).
POSTED = {
    "upvote:2411.01234": ("upvote", ("2411.01234",)),
    "upvote:hep-th/9901001": ("upvote", ("hep-th/9901001",)),
    "abstract:2411.01234": ("abstract", ("2411.01234",)),
    "discuss:2411.01234": ("discuss", ("2411.01234",)),
    "search:0a1b2c3d4e5f:2": ("search", ("0a1b2c3d4e5f", "2")),
}


@pytest.mark.parametrize("action", list(ACTIONS.values()), ids=lambda a: a.name)
def test_every_action_round_trips_and_fits_every_platform(action: Action) -> None:
    assert all(arg.name in SAMPLES for arg in action.args), "add samples for the new argument"
    longest = [max(SAMPLES[arg.name], key=len) for arg in action.args]
    for args in (longest, [SAMPLES[arg.name][0] for arg in action.args]):
        text = encode(action, *args)
        call = decode(text)
        assert call is not None and call.action is action and list(call.args) == args
        assert encode(action.name, *args) == text == call.encode()
        assert len("ph:" + text) <= DISCORD_CUSTOM_ID_MAX
        name, _, value = text.partition(":")
        assert len(value) <= SLACK_VALUE_MAX and len(f"ph_{name}#99") <= SLACK_ACTION_ID_MAX
        for arg, value in zip(action.args, args, strict=True):
            assert call.get(arg.name) == value


@given(st.sampled_from(list(ACTIONS.values())), st.data())
def test_anything_an_argument_pattern_allows_round_trips(
    action: Action, data: st.DataObject
) -> None:
    args = [data.draw(st.from_regex(arg.pattern, fullmatch=True)) for arg in action.args]
    try:
        text = encode(action, *args)
    except ValueError:
        return  # a separator inside a value, or too long: refused, never mangled
    assert len(text) <= MAX_LENGTH
    call = decode(text)
    assert call is not None and call.action is action and list(call.args) == args


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "upvote",
        "upvote:",
        "UPVOTE:2411.01234",
        "frobnicate:1",
        "upvote:2411.01234:extra",
        "upvote:a b",
        "upvote:<!channel>",
        "upvote:" + "1" * 200,
        "search:0a1b2c3d4e5f",
        "search:0a1b2c3d4e5f:x",
        "search:0a1b2c3d4e5f:1:2",
        "search:NOT-HEX:1",
        "search::1",
        ":",
        "\x00",
    ],
)
def test_junk_decodes_to_none(junk: str) -> None:
    assert decode(junk) is None


@given(st.text(max_size=120))
def test_decode_never_raises_and_what_it_accepts_re_encodes(text: str) -> None:
    call = decode(text)
    assert call is None or call.encode() == text


def test_encode_refuses_what_could_not_be_decoded() -> None:
    with pytest.raises(ValueError, match="not a declared action"):
        encode("frobnicate", "1")
    with pytest.raises(ValueError, match="not a declared action"):
        encode(Action("upvote", (), "an impostor"), "2411.01234")
    with pytest.raises(ValueError, match="argument"):
        encode(actions.UPVOTE)
    with pytest.raises(ValueError, match="argument"):
        encode(actions.SEARCH_PAGE, "0a1b2c3d4e5f")
    for bad in ("2411.01234:1", "a b", "", "x" * 65):
        with pytest.raises(ValueError, match="valid arxiv_id"):
            encode(actions.UPVOTE, bad)


def test_a_declaration_that_allows_long_arguments_is_still_capped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wide = Action("wide", (Arg("text", re.compile(r"[a-z]{1,500}")),), "too wide a pattern")
    monkeypatch.setitem(ACTIONS, "wide", wide)
    assert decode(encode(wide, "a" * (MAX_LENGTH - 5))) is not None
    with pytest.raises(ValueError, match="more than 97"):
        encode(wide, "a" * (MAX_LENGTH - 4))
    assert decode("wide:" + "a" * (MAX_LENGTH - 4)) is None


@pytest.mark.parametrize("text", list(POSTED))
def test_strings_already_posted_in_channels_still_decode(text: str) -> None:
    name, args = POSTED[text]
    call = decode(text)
    assert call is not None and call.name == name and call.args == args
    assert call.encode() == text


def test_render_builds_todays_strings_through_the_table() -> None:
    paper = Paper("2411.01234", "A title", "An abstract.")
    card = paper_card(paper, votes=2)
    assert [b.action for b in card.buttons] == [
        "upvote:2411.01234",
        "downvote:2411.01234",
        "discuss:2411.01234",
        "abstract:2411.01234",
    ]
    results = search_results(
        "q", [(paper, 0)], total=30, page=2, page_size=5, query_key="0a1b2c3d4e5f"
    )
    (nav,) = [b for b in results.blocks if isinstance(b, Actions)]
    assert [(b.action, b.command) for b in nav.buttons] == [
        ("search:0a1b2c3d4e5f:1", "previous"),
        ("search:0a1b2c3d4e5f:3", "next"),
    ]


def test_the_flags_of_todays_actions() -> None:
    flags = {a.name: (a.deferred, a.replaces, a.in_parent) for a in ACTIONS.values()}
    assert flags == {
        "upvote": (False, False, False),
        "abstract": (False, False, False),
        "discuss": (True, False, True),  # slow, and opens beside the daily thread
        "search": (False, True, False),  # a page replaces the page
        "cite": (False, False, False),
        "downvote": (False, False, False),
        "unsubscribe": (False, False, False),  # the Home tab's Remove; re-published after
    }


async def test_the_engine_answers_posted_strings_and_refuses_the_rest(
    filled: Services, store: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = fixture_ids()[0]
    assert "1 vote here" in (await filled.dispatcher.handle_action(alice(), f"upvote:{pid}")).text
    abstract = await filled.dispatcher.handle_action(alice(), f"abstract:{pid}")
    assert not abstract.is_error and pid in abstract.text
    await store.papers.upsert(make_batch(HF_DAY, 12))
    first = await filled.dispatcher.handle_text(alice(), "/papers search heraldic")
    (nav,) = [b for b in first.blocks if isinstance(b, Actions)]
    key = nav.buttons[0].action.split(":")[1]
    page2 = await filled.dispatcher.handle_action(alice(), f"search:{key}:2")
    assert "Results 6–10 of 12" in page2.text
    expired = await filled.dispatcher.handle_action(alice(), "search:0a1b2c3d4e5f:2")
    assert expired.is_error and "expired" in expired.text
    for junk in ("frobnicate:1", "search:zz:1", "upvote:"):
        answer = await filled.dispatcher.handle_action(alice(), junk)
        assert answer.is_error and answer.text == (
            "That button is no longer supported; run the command again."
        )
    declare_action(monkeypatch)  # declared, but the engine has no handler for it
    assert "no longer supported" in (await filled.dispatcher.handle_action(alice(), "flip:1")).text


def test_one_admin_check_and_one_failure_sentence() -> None:
    setup = next(c for c in COMMANDS if c.path == ("channel", "setup"))
    search = next(c for c in COMMANDS if c.path == ("search",))
    member = UserRef("discord", "g", "u", is_admin=False)
    admin = UserRef("discord", "g", "a", is_admin=True)
    refusal = admin_refusal(setup, member, hint="Here that is Manage Server.")
    assert refusal is not None and refusal.is_error
    assert refusal.text == "Only admins can use /papers channel setup. Here that is Manage Server."
    assert admin_refusal(setup, admin) is None and admin_refusal(search, member) is None
    assert INTERNAL_ERROR == (
        "Something went wrong on our side; it has been logged. Please try again."
    )


async def test_the_engine_uses_the_one_failure_sentence(
    filled: Services, store: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(store.votes, "toggle", broken)
    answer = await filled.dispatcher.handle_action(alice(), f"upvote:{fixture_ids()[0]}")
    assert answer.is_error and answer.text == INTERNAL_ERROR
