from __future__ import annotations

import io
import os

import pytest

from adapters.console.adapter import ConsoleAdapter, run_console
from adapters.console.render import render_message
from bot.actions import encode
from bot.bootstrap import Services
from bot.messages import Actions, Button, Message, Text
from bot.models import ChannelRef, UserRef
from bot.present.papers import paper_card
from storage.store import Repositories
from tests.action_table import declare_action
from tests.conftest import HF_DAY, alice, fixture_ids, make_batch
from tests.unused_engine import UnusedEngine


async def test_a_piped_session_answers_every_line_and_ends_at_eof(filled: Services) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    filled.attach(adapter)
    pid = fixture_ids()[0]
    script = (
        f"/papers help\n/papers search diffusion\n/papers upvote {pid}\n/papers top week\n"
        '/papers subscribe "gaussian splatting" -survey\n/papers subscriptions\n'
        "/papers channel setup 09:00 Europe/Berlin 5\n/papers channel status\nnext\n"
    )
    code = await run_console(filled.dispatcher, adapter, io.StringIO(script))
    text = out.getvalue()
    assert code == 0
    assert "== Paper Herald ==" in text
    assert f"[▲ Upvote → /papers upvote {pid}]" in text
    assert "Upvoted “Learned Step Schedules for Fast Diffusion Sampling” (1 vote here)" in text
    assert "[▲ Upvote · 1 → /papers upvote" in text  # top week shows the count
    assert "Your subscriptions (1/25)" in text
    assert "Next post:" in text and "Europe/Berlin" in text
    assert "There is no other page to show." in text


async def test_daily_thread_prints_as_a_thread(filled: Services) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    filled.attach(adapter)
    await run_console(
        filled.dispatcher,
        adapter,
        io.StringIO("/papers channel setup 09:00 UTC 2\n/papers post-now\n"),
    )
    text = out.getvalue()
    assert "🧵 thread “Papers · Thu 24 Sep”" in text
    assert text.count("  │ 1. ") == 1 and text.count("  │ 2. ") == 1


def test_card_rendering_shows_buttons_as_commands() -> None:
    from tests.conftest import HF_DAY, make_batch

    paper = make_batch(HF_DAY, 1).papers[0]
    text = render_message(Message("x", (paper_card(paper, votes=3, rank=1),)))
    assert text.startswith("1. Paper 0 on diffusion sampling")
    assert "[▲ Upvote · 3 → /papers upvote 2609.20000]" in text
    assert "[Abstract → /papers paper 2609.20000]" in text


async def test_the_local_user_explores_without_a_rate_limit(engine: Services) -> None:
    """31 commands in well under a minute, paging included: none answers "Slow down"
    (Discord and Slack keep their per-person limit: tests/core/test_engine_commands.py)."""
    from tests.conftest import HF_DAY, make_batch

    await engine.store.papers.upsert(make_batch(HF_DAY, 12))
    assert engine.settings.command_rate_limit == 20
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    engine.attach(adapter)
    script = "/papers search heraldic\n" + "next\nprevious\n" * 10 + "/papers help\n" * 10
    read_end, write_end = os.pipe()  # a real pipe as stdin, like `... | paperherald chat`
    os.write(write_end, script.encode())
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as stdin:
        assert await run_console(engine.dispatcher, adapter, stdin) == 0
    text = out.getvalue()
    assert "Slow down" not in text
    assert text.count("== Results 1–5 of 12 for heraldic ==") == 11
    assert text.count("== Results 6–10 of 12 for heraldic ==") == 10
    assert text.count("== Paper Herald ==") == 10


class PagingStub(UnusedEngine):
    """An engine whose every command answers with one ``flip:2`` button offered as "next"."""

    def __init__(self) -> None:
        self.clicks: list[str] = []

    async def handle_text(
        self, caller: UserRef, line: str, channel: ChannelRef | None = None
    ) -> Message:
        button = Button("Flip ▶", encode("flip", 2), "next")
        return Message("page 1", (Text("page 1"), Actions((button,))))

    async def handle_action(
        self, caller: UserRef, action: str, channel: ChannelRef | None = None
    ) -> Message:
        self.clicks.append(action)
        return Message("page 2", (Text("page 2"),))


@pytest.mark.parametrize("replaces", [True, False])
async def test_next_pages_through_actions_declared_to_replace(
    monkeypatch: pytest.MonkeyPatch, replaces: bool
) -> None:
    declare_action(monkeypatch, replaces=replaces)
    engine = PagingStub()
    out = io.StringIO()
    await run_console(engine, ConsoleAdapter(out), io.StringIO("/papers flip\nnext\n"))
    if replaces:
        assert engine.clicks == ["flip:2"] and "page 2" in out.getvalue()
    else:  # not a paging button: "next" has nothing to page through
        assert engine.clicks == [] and "There is no other page to show." in out.getvalue()


async def test_next_and_previous_page_through_a_search(
    filled: Services, store: Repositories
) -> None:
    await store.papers.upsert(make_batch(HF_DAY, 12))
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    script = "/papers search heraldic\nnext\nnext\nprevious\nprev\nprevious\n"
    await run_console(filled.dispatcher, adapter, io.StringIO(script))
    pages = [line.split(" of ")[0] for line in out.getvalue().splitlines() if "Results " in line]
    assert pages == [
        "== Results 1–5",
        "== Results 6–10",
        "== Results 11–12",
        "== Results 6–10",
        "== Results 1–5",
    ]
    assert out.getvalue().endswith("There is no other page to show.\n")


async def test_a_pasted_link_answers_with_its_cards_and_other_lines_as_before(
    filled: Services,
) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    filled.attach(adapter)
    a, b = fixture_ids()[:2]
    script = (
        f"have a look at https://arxiv.org/abs/{a}v1 and https://huggingface.co/papers/{b}\n"
        "hello there\n"
        f"/papers paper {a}\n"
    )
    expected_other = render_message(await filled.dispatcher.handle_text(alice(), "hello there"))
    code = await run_console(filled.dispatcher, adapter, io.StringIO(script))
    text = out.getvalue()
    assert code == 0
    first = text.split("papers> hello there")[0]
    assert f"[▲ Upvote → /papers upvote {a}]" in first
    assert f"[▲ Upvote → /papers upvote {b}]" in first
    assert expected_other in text  # a line with no link: the answer it always had


async def test_post_now_weekly_prints_the_recap(filled: Services) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    filled.attach(adapter)
    pid = fixture_ids()[0]
    script = (
        "/papers channel weekly fri\n/papers channel setup 09:00 UTC 2\n"
        f"/papers channel weekly fri\n/papers upvote {pid}\n/papers post-now weekly\n"
        "/papers post-now weekly\n/papers channel status\n"
    )
    assert await run_console(filled.dispatcher, adapter, io.StringIO(script)) == 0
    text = out.getvalue()
    assert "set up a daily thread here first with /papers channel setup." in text
    assert "Weekly recap set: Fridays at 09:00 (UTC)" in text
    assert "Weekly recap · Fri 18 Sep – Fri 25 Sep" in text
    assert "1 person voted (1 up-vote)." in text
    assert "1. Learned Step Schedules for Fast Diffusion Sampling" in text
    assert "▲ 1 vote this week" in text
    assert "Posted the weekly recap for the week to Fri 25 Sep." in text
    assert text.count("Weekly recap · ") == 1  # the second post-now posts nothing
    assert "That day's weekly recap is already posted here." in text
    assert "Last recap: Fri 25 Sep — posted" in text and "Next recap: Fri 2 Oct 09:00" in text
