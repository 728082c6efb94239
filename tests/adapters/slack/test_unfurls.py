"""Link unfurling: a ``link_shared`` event → ``chat.unfurl`` with each stored paper's card."""

from __future__ import annotations

import itertools
import json
from typing import Any

from tests.adapters.slack.conftest import ALICE, GENERAL, Slack, message_event_payload
from tests.adapters.slack.fake_slack import Call
from tests.conftest import fixture_ids

_ts = itertools.count(1)


def link_shared(urls: list[str], **extra: Any) -> dict[str, Any]:
    """An Events API callback for ``link_shared`` (as Slack sends it for unfurl domains)."""
    ts = f"1800000000.{next(_ts):06d}"
    payload = message_event_payload(user=ALICE, ts=ts, thread_ts=None)
    payload["event"] = {
        "type": "link_shared",
        "channel": GENERAL,
        "is_bot_user_member": True,
        "user": ALICE,
        "message_ts": ts,
        "event_ts": ts,
        "links": [{"domain": u.split("/")[2], "url": u} for u in urls],
        **extra,
    }
    return payload


async def unfurl_calls(slack: Slack, count: int) -> list[Call]:
    await slack.fake.wait_for(lambda: len(slack.fake.of("chat.unfurl")) >= count)
    return slack.fake.of("chat.unfurl")


def shown(attachment: dict[str, Any]) -> str:
    return json.dumps(attachment["blocks"], ensure_ascii=False)


async def test_links_to_stored_papers_unfurl_as_their_cards(slack: Slack) -> None:
    a, b = fixture_ids()[:2]
    paper = await slack.services.store.papers.get(a)
    assert paper is not None
    urls = [
        f"https://arxiv.org/abs/{a}",
        f"https://huggingface.co/papers/{b}",
        f"https://doi.org/10.48550/arXiv.{a}",
        "https://arxiv.org/abs/1501.99999",  # not in the store: no unfurl for it
    ]
    await slack.event(link_shared(urls))
    (call,) = await unfurl_calls(slack, 1)
    assert call.params["channel"] == GENERAL and call.params["ts"]
    unfurls = call.params["unfurls"]
    assert set(unfurls) == set(urls[:3])
    assert paper.title[:40] in shown(unfurls[urls[0]])
    assert not any(b["type"] == "actions" for u in unfurls.values() for b in u["blocks"])


async def test_composer_links_unfurl_by_unfurl_id(slack: Slack) -> None:
    url = f"https://arxiv.org/pdf/{fixture_ids()[0]}v1"
    await slack.event(
        link_shared([url], channel="COMPOSER", unfurl_id="C-1.2.3", source="composer")
    )
    (call,) = await unfurl_calls(slack, 1)
    assert call.params["unfurl_id"] == "C-1.2.3" and call.params["source"] == "composer"
    assert set(call.params["unfurls"]) == {url}


async def test_unknown_papers_are_not_unfurled(slack: Slack) -> None:
    await slack.event(link_shared(["https://arxiv.org/abs/1501.99999", "https://doi.org/10.1/x"]))
    # Then a known one: only that event is answered (events are handled in order per test).
    await slack.event(link_shared([f"https://arxiv.org/abs/{fixture_ids()[0]}"]))
    calls = await unfurl_calls(slack, 1)
    assert list(calls[0].params["unfurls"]) == [f"https://arxiv.org/abs/{fixture_ids()[0]}"]
    # No call ever names the unknown links (whatever order bolt ran the two listeners in).
    unfurled = [u for c in slack.fake.of("chat.unfurl") for u in c.params["unfurls"]]
    assert "https://arxiv.org/abs/1501.99999" not in unfurled
    assert "https://doi.org/10.1/x" not in unfurled
