"""Paste a link, get the paper: Dispatcher.cards_for_links (Discord's Show paper, Slack unfurls)."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.messages import PaperCard
from bot.models import UserRef
from tests.conftest import alice, fixture_ids


def cards(message: object) -> list[PaperCard]:
    return [b for b in getattr(message, "blocks", ()) if isinstance(b, PaperCard)]


async def test_every_link_form_names_a_stored_paper(filled: Services) -> None:
    a, b = fixture_ids()[:2]
    text = (
        f"see https://arxiv.org/abs/{a}v2, <https://arxiv.org/pdf/{a}.pdf> and "
        f"https://huggingface.co/papers/{b} — also https://doi.org/10.48550/arXiv.{b}"
    )
    answer = await filled.dispatcher.cards_for_links(alice(), text)
    assert not answer.is_error and answer.ephemeral
    assert [c.arxiv_id for c in cards(answer)] == [a, b]  # in order, once each
    assert all(c.reason for c in cards(answer))


async def test_unknown_papers_have_no_card_and_none_known_is_one_sentence(
    filled: Services,
) -> None:
    known = fixture_ids()[0]
    some = await filled.dispatcher.cards_for_links(
        alice(), f"arxiv.org/abs/1501.99999 and arxiv.org/abs/{known}"
    )
    assert [c.arxiv_id for c in cards(some)] == [known]
    none = await filled.dispatcher.cards_for_links(alice(), "https://arxiv.org/abs/1501.99999")
    assert none.is_error and not cards(none) and "1501.99999" in none.text
    empty = await filled.dispatcher.cards_for_links(alice(), "just words, https://example.com")
    assert empty.is_error and "no arXiv" in empty.text
    huge = await filled.dispatcher.cards_for_links(alice(), "x" * 1_000_000)
    assert huge.is_error


async def test_links_are_rate_limited_like_commands(filled: Services) -> None:
    filled.dispatcher.limiter.limit = 2
    ann = UserRef("slack", "W1", "ann", "Ann")
    text = f"https://arxiv.org/abs/{fixture_ids()[0]}"
    replies = [await filled.dispatcher.cards_for_links(ann, text) for _ in range(3)]
    assert "Slow down" in replies[-1].text and not cards(replies[-1])
