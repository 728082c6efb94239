"""Block Kit rendering: escaping, limits, and the action round-trip (no network)."""

from __future__ import annotations

import pytest

from adapters.slack.render import (
    MAX_BLOCKS,
    chunks,
    decode_action,
    encode_action,
    escape,
    fit,
    link,
    memory_key,
    relabel,
    render_message,
    renderers,
)
from bot.messages import (
    Actions,
    Button,
    Context,
    Divider,
    Header,
    Link,
    Message,
    PaperCard,
    Text,
    UnknownBlockError,
)
from tests.adapters.slack.fake_slack import block_kit_problems


def test_escape_only_the_three_characters() -> None:
    assert escape("<!channel> & <@U1> 'q' \"x\"") == "&lt;!channel&gt; &amp; &lt;@U1&gt; 'q' \"x\""


@pytest.mark.parametrize("limit", [1, 2, 5, 10, 75, 150])
def test_fit_measures_the_escaped_text(limit: int) -> None:
    out = fit("<&>" * 100, limit)
    assert len(out) <= limit
    assert out.endswith("…")
    assert "&l…" not in out and "&am…" not in out  # never half an entity


def test_fit_keeps_short_text() -> None:
    assert fit("short & sweet", 100) == "short &amp; sweet"


def test_chunks_split_between_words_and_lose_nothing() -> None:
    text = " ".join(f"w{i}" for i in range(1400))  # ~8,000 chars
    parts = chunks(text, [3000, 3000, 3000])
    assert all(len(p) <= 3000 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_links_escape_the_label_and_refuse_odd_schemes() -> None:
    assert link("https://a.b/x?y=1&z=2", "<b>") == "<https://a.b/x?y=1&amp;z=2|&lt;b&gt;>"
    assert link("javascript:alert(1)", "x") == "x"
    assert "|" not in link("https://a.b/p|q>r", "x").split("|")[0][1:]


@pytest.mark.parametrize(
    "action", ["upvote:2411.01234", "search:0a1b2c3d4e5f:2", "abstract:hep-th/9901001", "help"]
)
def test_actions_round_trip(action: str) -> None:
    action_id, value = encode_action(action)
    assert decode_action(action_id, value) == action
    assert decode_action(action_id + "#1", value) == action  # de-duplicated ids


def test_a_button_whose_action_cannot_fit_is_dropped_not_fatal() -> None:
    message = Message(
        "x", (Actions((Button("Huge", "search:" + "k" * 2500), Button("Ok", "help"))),)
    )
    blocks = render_message(message).blocks
    assert [e["action_id"] for e in blocks[0]["elements"]] == ["ph_help"]


def test_long_labels_headers_and_texts_are_cut() -> None:
    message = Message(
        "t" * 50_000,
        (
            Header("H" * 500),
            Text("x " * 10_000),
            Context("c" * 5000),
            Actions(tuple(Button("B" * 200, f"upvote:{i}") for i in range(30))),
        ),
    )
    out = render_message(message)
    assert block_kit_problems(out.blocks) == []
    assert len(out.text) <= 3000
    assert out.blocks[0]["text"]["text"].endswith("…")


def test_fifty_blocks_at_most_with_a_note_of_what_is_left() -> None:
    message = Message("x", tuple(Divider() for _ in range(80)))
    blocks = render_message(message).blocks
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["elements"][0]["text"] == "…and 31 more"


def test_exactly_fifty_blocks_are_not_cut() -> None:
    blocks = render_message(Message("x", tuple(Divider() for _ in range(50)))).blocks
    assert len(blocks) == 50 and all(b["type"] == "divider" for b in blocks)


def test_total_text_budget_cuts_before_slack_does() -> None:
    # 13 x 2,900 chars: under 50 blocks but over Slack's ~13k msg_blocks_too_long.
    message = Message("x", tuple(Text("y" * 2900) for _ in range(13)))
    blocks = render_message(message).blocks
    assert sum(len(b.get("text", {}).get("text", "")) for b in blocks) < 12_000
    assert blocks[-1]["type"] == "context"


def card(**extra: object) -> PaperCard:
    values: dict[str, object] = {
        "arxiv_id": "2609.10001",
        "title": "A <b>title</b>",
        "url": "https://huggingface.co/papers/2609.10001",
        "authors": "Ada & Bo",
        "summary": "One line.",
        "categories": ("cs.LG", "cs.AI"),
        "links": (Link("arXiv", "https://arxiv.org/abs/2609.10001"),),
        "buttons": (Button("▲ Upvote", "upvote:2609.10001", style="primary"),),
        "thumbnail": "https://cdn.example/t.png",
    }
    values.update(extra)
    return PaperCard(**values)  # type: ignore[arg-type]


def test_card_layout() -> None:
    section, context, actions = render_message(Message("x", (card(rank=2),))).blocks
    assert section["text"]["text"].startswith(
        "*2. <https://huggingface.co/papers/2609.10001|A &lt;b&gt;title&lt;/b&gt;>*"
    )
    assert "Ada &amp; Bo" in section["text"]["text"]
    assert section["accessory"] == {
        "type": "image",
        "image_url": "https://cdn.example/t.png",
        "alt_text": "A &lt;b&gt;title&lt;/b&gt;",
    }
    assert context["elements"][0]["text"] == "cs.LG · cs.AI"
    assert "<https://arxiv.org/abs/2609.10001|arXiv>" in context["elements"][1]["text"]
    (button,) = actions["elements"]
    assert (button["action_id"], button["value"], button["style"]) == (
        "ph_upvote",
        "2609.10001",
        "primary",
    )


def test_card_without_a_thumbnail_has_no_accessory() -> None:
    section = render_message(Message("x", (card(thumbnail=None),))).blocks[0]
    assert "accessory" not in section


def test_relabel_changes_only_the_matching_button() -> None:
    message = Message(
        "x",
        (
            card(),
            card(arxiv_id="2", buttons=(Button("▲ Upvote", "upvote:2"),)),
        ),
    )
    blocks = render_message(message).blocks
    new, changed = relabel(blocks, (Button("▲ Upvote · 1", "upvote:2609.10001"),))
    assert changed == 1
    labels = [e["text"]["text"] for b in new if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["▲ Upvote · 1", "▲ Upvote"]
    assert blocks != new  # a copy: the input is untouched


def test_ephemeral_memory_keys_ride_in_block_ids() -> None:
    blocks = render_message(Message("x", (card(),)), memory_key="0123456789ab").blocks
    assert {memory_key(b["block_id"]) for b in blocks} == {"0123456789ab"}
    assert memory_key("random-slack-id") is None


def test_every_block_kind_has_a_renderer() -> None:
    renderers.check_complete()

    class Odd:
        pass

    with pytest.raises(UnknownBlockError):
        render_message(Message("x", (Odd(),)))  # type: ignore[arg-type]


def test_code_is_one_fenced_section_with_only_slacks_three_escapes() -> None:
    from bot.messages import Code

    entry = "@misc{a,\n  title = {A \\& B <x> ```c```},\n}\n"
    out = render_message(Message(entry, (Code(entry, "bibtex"),)))
    assert block_kit_problems(out.blocks) == []
    (section,) = out.blocks
    text = section["text"]["text"]
    assert text.startswith("```\n@misc{a,") and text.endswith("}\n```")
    assert "A \\&amp; B &lt;x&gt;" in text and "```c" not in text
    long = render_message(Message("x", (Code("y" * 10_000),))).blocks
    assert block_kit_problems(long) == [] and long[0]["text"]["text"].endswith("…\n```")
