"""/papers export on Slack: files_upload_v2 (URL, upload, completion) into the caller's DM."""

from __future__ import annotations

import bibtexparser

from tests.adapters.slack.conftest import ALICE, Slack
from tests.conftest import fixture_ids


async def test_export_uploads_the_file_to_the_callers_dm(slack: Slack) -> None:
    pid = fixture_ids()[0]
    await slack.command(f"upvote {pid}")
    answer = await slack.command("export top bibtex")
    assert answer["response_type"] == "ephemeral"
    assert "I sent you the file" in answer["text"] and "in a direct message" in answer["text"]
    (upload,) = slack.fake.uploads.values()
    assert upload["channel"] == "D" + ALICE
    assert upload["filename"].startswith("paperherald-top-") and upload["filename"].endswith(".bib")
    assert "1 paper of the list top, as BibTeX." in upload["comment"]
    (entry,) = bibtexparser.parse_string(upload["data"].decode()).entries  # type: ignore[attr-defined]  # re-exported without __all__
    assert entry["eprint"] == pid
    assert [c.method for c in slack.fake.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


async def test_an_empty_export_uploads_nothing(slack: Slack) -> None:
    answer = await slack.command("export discussed ris")
    assert "No paper has been discussed here yet" in answer["text"]
    assert not slack.fake.uploads


async def test_a_refused_upload_is_one_sentence(slack: Slack) -> None:
    from tests.adapters.slack.fake_slack import Failure

    await slack.command(f"upvote {fixture_ids()[0]}")
    slack.fake.fail("files.getUploadURLExternal", Failure(error="not_allowed_token_type"))
    answer = await slack.command("export top")
    assert "Slack did not take the file (not_allowed_token_type)" in answer["text"]
