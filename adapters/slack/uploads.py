"""Files on Slack (an export): uploaded with files_upload_v2 to the caller's direct message.

A slash command's answer cannot carry a file, and a file in a channel is never ephemeral, so
a list someone asked for (``mine`` is personal) goes to them privately: conversations.open
(``im:write``), then files.getUploadURLExternal, the upload, files.completeUploadExternal
(``files:write``). The command's own answer then says where the file went.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import slack_error_code
from bot.messages import Attachment, Message, error, plain

log = logging.getLogger(__name__)


async def send_file(
    client: AsyncWebClient, user_id: str, attachment: Attachment, comment: str
) -> Message:
    """Upload ``attachment`` to ``user_id``'s DM; the answer to show in the channel."""
    try:
        opened = await client.conversations_open(users=user_id)
        dm = str((opened.get("channel") or {}).get("id"))
        await client.files_upload_v2(
            channel=dm,
            filename=attachment.name,
            title=attachment.name,
            content=attachment.data,
            initial_comment=comment,
        )
    except (SlackApiError, SlackRequestError) as exc:
        log.warning("uploading %s failed: %s", attachment.name, exc)
        return error(f"{comment} Slack did not take the file ({_reason(exc)}); try again later.")
    return plain(f"{comment} I sent you the file, {attachment.name}, in a direct message.")


def _reason(exc: Exception) -> str:
    return slack_error_code(exc) if isinstance(exc, SlackApiError) else "the upload failed"
