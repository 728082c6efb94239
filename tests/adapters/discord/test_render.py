"""Neutral messages -> Discord payloads, always within Discord's limits."""

from __future__ import annotations

from dataclasses import dataclass

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord import limits
from adapters.discord import render as r
from adapters.discord.views import ActionButton, ButtonSpec, build_view, relabel
from bot.messages import (
    Actions,
    Block,
    BlockRenderers,
    Button,
    Context,
    Header,
    Link,
    Message,
    PaperCard,
    Text,
    UnknownBlockError,
)


def card(i: int = 1, **changes: object) -> PaperCard:
    base: dict[str, object] = {
        "arxiv_id": f"2609.{10000 + i}",
        "title": f"Paper number {i}",
        "url": f"https://huggingface.co/papers/2609.{10000 + i}",
        "authors": "Ada Lovelace, Grace Hopper",
        "summary": "One line.",
        "categories": ("cs.LG",),
        "reason": "▲ 10 on HF",
        "rank": i,
        "links": (Link("arXiv", "https://arxiv.org/abs/x"), Link("PDF", "https://arxiv.org/pdf/x")),
        "buttons": (
            Button("▲ Upvote", f"upvote:2609.{10000 + i}", style="primary"),
            Button("Abstract", f"abstract:2609.{10000 + i}"),
        ),
        "thumbnail": "https://cdn.example/t.png",
    }
    base.update(changes)
    return PaperCard(**base)  # type: ignore[arg-type]


def check_limits(out: r.Rendered) -> None:
    assert len(out.content) <= limits.CONTENT_MAX
    assert out.content or out.embeds
    assert len(out.embeds) <= limits.EMBEDS_MAX
    assert sum(len(e) for e in out.embeds) <= limits.EMBED_TOTAL_MAX
    for e in out.embeds:
        assert (
            len(e.title or "") <= limits.TITLE_MAX
            and len(e.description or "") <= limits.DESCRIPTION_MAX
        )
        assert all(len(f.value or "") <= limits.FIELD_VALUE_MAX for f in e.fields)
        assert (
            len(e.footer.text or "") <= limits.FOOTER_MAX
            and len(e.author.name or "") <= limits.AUTHOR_MAX
        )
    assert len(out.rows) <= limits.ROWS_MAX and all(
        0 < len(row) <= limits.ROW_WIDTH for row in out.rows
    )
    ids = [b.custom_id for row in out.rows for b in row if b.custom_id]
    assert len(ids) == len(set(ids)) and all(len(i) <= limits.CUSTOM_ID_MAX for i in ids)
    assert all(len(b.label) <= limits.LABEL_MAX for row in out.rows for b in row)


def test_every_block_kind_has_a_renderer_and_unknown_kinds_fail() -> None:
    r.renderers.check_complete()

    @dataclass(frozen=True)
    class Poll:
        question: str

    with pytest.raises(UnknownBlockError):
        r.render_message(Message(text="?", blocks=(Poll("?"),)))  # type: ignore[arg-type]
    with pytest.raises(UnknownBlockError):
        BlockRenderers[str]().check_complete()


def test_one_card_is_a_full_embed_with_buttons_and_links() -> None:
    out = r.render_message(
        Message(text="x", blocks=(card(1, abstract="The full abstract.", rank=None),))
    )
    (embed,) = out.embeds
    assert (
        embed.title == "Paper number 1" and embed.url == "https://huggingface.co/papers/2609.10001"
    )
    assert embed.description == "The full abstract."
    assert embed.author.name == "Ada Lovelace, Grace Hopper"
    assert embed.fields[0].value == "▲ 10 on HF"
    assert embed.footer.text == "2609.10001 · cs.LG"
    assert embed.image.url == "https://cdn.example/t.png"
    assert [[b.label for b in row] for row in out.rows] == [
        ["▲ Upvote", "Abstract"],
        ["arXiv", "PDF"],
    ]
    assert out.rows[0][0].custom_id == "ph:upvote:2609.10001" and out.rows[1][0].url
    assert out.content == ""


def test_plain_text_is_escaped_not_formatted() -> None:
    out = r.render_message(
        Message(
            text="x", blocks=(Header("*Top* papers"), Text("__init__ and `code`"), Context("a\nb"))
        )
    )
    assert out.content == "### \\*Top\\* papers\n\\_\\_init\\_\\_ and \\`code\\`\n-# a\n-# b"


def test_twenty_five_cards_fit_and_fold_the_rest() -> None:
    cards = tuple(card(i, summary="s" * 400, title="T" * 200) for i in range(1, 26))
    nav = Actions((Button("Next ▶", "search:abc:2"),))
    out = r.render_message(Message(text="x", blocks=(Header("Top 25"), *cards, nav)))
    check_limits(out)
    assert out.embeds[-1].title == "More papers"
    assert out.embeds[0].thumbnail.url and not out.embeds[0].image.url  # compact cards
    assert out.rows[-1][0].custom_id == "ph:search:abc:2"  # navigation is never dropped
    assert out.rows[0][0].label == "#1 ▲ Upvote"
    assert all(b.url is None for row in out.rows for b in row)  # no link rows for lists


def test_a_huge_card_is_cut_not_refused() -> None:
    big = card(
        1,
        title="T" * 1000,
        authors="A" * 1000,
        reason="R" * 5000,
        abstract="word " * 2000,
        categories=("c" * 3000,),
        links=(
            Link("L" * 200, "https://x.example/" + "p" * 600),
            Link("bad", "javascript:alert(1)"),
        ),
        thumbnail="not a url",
        url="ftp://nope",
    )
    out = r.render_message(Message(text="t" * 5000, blocks=(Text("t" * 5000), big)))
    check_limits(out)
    embed = out.embeds[0]
    assert embed.description is not None and embed.description.endswith("…")
    assert embed.url is None and not embed.image.url
    assert [b.label for b in out.rows[-1]] == ["▲ Upvote", "Abstract"]  # both bad links dropped


def test_an_action_too_long_for_a_custom_id_is_dropped() -> None:
    long_action = "search:" + "k" * 120 + ":2"
    out = r.render_message(Message(text="x", blocks=(Actions((Button("Next", long_action),)),)))
    assert out.rows == [] and out.content == "x"


def test_duplicate_cards_keep_custom_ids_unique() -> None:
    out = r.render_message(Message(text="x", blocks=(card(1), card(1))))
    check_limits(out)


def test_an_empty_message_still_says_something() -> None:
    assert r.render_message(Message(text="")).content == "…"
    assert r.render_message(Message(text="plain *text*")).content == "plain \\*text\\*"


def test_clip() -> None:
    assert limits.clip("abc", 3) == "abc"
    assert limits.clip("abcdef", 4) == "abc…"
    assert limits.clip("ab\\*cd", 4) == "ab…"  # no dangling escape before the ellipsis
    assert limits.thread_name("  a \n b  ") == "a b" and len(limits.thread_name("x" * 300)) == 100


async def test_view_is_persistent_and_relabel_keeps_the_card_number() -> None:
    out = r.render_message(Message(text="x", blocks=(card(1), card(2))))
    view = out.view()
    assert view is not None and view.timeout is None and view.is_persistent()
    assert all(isinstance(c, ActionButton) for c in view.children)
    assert relabel(view, (Button("▲ Upvote · 3", "upvote:2609.10002"),)) == 1
    labels = [c.item.label for c in view.children if isinstance(c, ActionButton)]
    assert labels == ["#1 ▲ Upvote", "#1 Abstract", "#2 ▲ Upvote · 3", "#2 Abstract"]
    link_view = build_view([[ButtonSpec("arXiv", url="https://arxiv.org")]])
    assert isinstance(link_view.children[0], discord.ui.Button)


text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=7000)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=text,
    abstract=text,
    reason=text,
    extra=st.lists(text, max_size=3),
    n=st.integers(min_value=1, max_value=30),
)
def test_any_text_fits(title: str, abstract: str, reason: str, extra: list[str], n: int) -> None:
    cards = tuple(card(i, title=title, abstract=abstract, reason=reason) for i in range(1, n + 1))
    blocks: tuple[Block, ...] = (*[Text(t) for t in extra], *cards)
    check_limits(r.render_message(Message(text=title, blocks=blocks)))


def test_code_is_fenced_as_is_and_fits_the_content() -> None:
    from bot.messages import Code

    entry = "@misc{a,\n  title = {A_B *c* ```x```},\n}\n"
    out = r.render_message(Message(entry, (Code(entry, "bibtex"),)))
    assert out.content.startswith("```bibtex\n@misc{a,\n  title = {A_B *c* `\u200b``x")
    assert out.content.endswith("}\n```")
    long = r.render_message(Message("x", (Code("y" * 10_000),)))
    assert len(long.content) <= 2000 and long.content.endswith("…\n```")
