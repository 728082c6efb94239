"""The console adapter: every /papers command in a terminal or from a pipe, no tokens needed.

The local user is an admin of the workspace ``local``; the terminal is channel ``terminal``.
Daily posts and DMs for console feeds print here too.

The terminal is shared: while the prompt waits for a line, anything else that prints (a
daily post, a log warning on stderr) first ends the prompt's line and shows the prompt again
after itself, so nothing is written into the middle of it (:meth:`ConsoleAdapter.aside`).
What the user had typed stays in the terminal's line buffer and is still read on Enter.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from adapters.console.render import render_message
from bot.actions import decode
from bot.arxiv_ids import find_all
from bot.commands import COMMANDS
from bot.messages import Actions, Attachment, Message
from bot.models import ChannelRef, Platform, UserRef
from bot.ports import CommandHandler, DeliveryError, PostedRef, interim_reply

WORKSPACE = "local"
CHANNEL = "terminal"
PROMPT = "papers> "


def local_user() -> UserRef:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "you"
    return UserRef(Platform.CONSOLE.value, WORKSPACE, name, name, is_admin=True)


class ConsoleAdapter:
    platform = Platform.CONSOLE.value

    def __init__(
        self,
        out: TextIO | None = None,
        *,
        files_dir: Path | None = None,
        save: Callable[[Path, bytes], None] | None = None,
    ) -> None:
        """``save`` writes a file whole or not at all (the composition root passes
        bot.cli_export.write_atomically); files land in ``files_dir`` (default: the current
        directory). Without ``save`` the console takes no files."""
        self.out = out or sys.stdout
        self.files_dir = files_dir
        self.save = save
        self._ids = itertools.count(1)
        # Logging may write from other threads; the prompt state and stdout go together.
        self._lock = threading.RLock()
        self._prompt_shown = False
        self.quit_requested = False  # the user typed quit/exit (not just the end of input)

    def write(self, text: str) -> None:
        with self.aside():
            self.out.write(text.rstrip("\n") + "\n")
            self.out.flush()

    def show_prompt(self) -> None:
        with self._lock:
            self.out.write(PROMPT)
            self.out.flush()
            self._prompt_shown = True

    def prompt_answered(self) -> None:
        """A line was read: the user's Enter ended the prompt's line."""
        with self._lock:
            self._prompt_shown = False

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Around anything else printed on this terminal (stdout or stderr): if the prompt
        is waiting, end its line first and show it again afterwards."""
        with self._lock:
            shown = self._prompt_shown
            if shown:
                self.out.write("\n")
                self.out.flush()
                self._prompt_shown = False
            try:
                yield
            finally:
                if shown:
                    self.show_prompt()

    def _ref(self, channel: ChannelRef, thread: str | None = None) -> PostedRef:
        mid = f"m{next(self._ids)}"
        return PostedRef(channel=channel, message_id=mid, thread_id=thread)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        self.write(f"[#{channel.channel}]\n{render_message(message)}\n")
        return self._ref(channel)

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        ref = self._ref(channel)
        self.write(f"[#{channel.channel}] {render_message(header)}\n🧵 thread “{title}”")
        return PostedRef(channel, ref.message_id, thread_id=ref.message_id)

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        body = render_message(message).replace("\n", "\n  │ ")
        self.write(f"  │ {body}\n  │")
        return self._ref(thread.channel, thread.thread_id)

    async def edit(self, ref: PostedRef, message: Message) -> None:
        self.write(f"(edited {ref.message_id})\n{render_message(message)}")

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        self.write(f"✉ DM to {user.display_name or user.user_id}\n{render_message(message)}\n")
        return self._ref(ChannelRef(self.platform, user.workspace, f"dm-{user.user_id}"))

    async def reply_ephemeral(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        self.write(render_message(message))

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return None

    async def upload(
        self, channel: ChannelRef | None, user: UserRef, attachment: Attachment, comment: str
    ) -> str | None:
        """Write the file next to the user (never over an existing one) and print its path."""
        if self.save is None:
            raise DeliveryError("this console does not save files", permanent=True)
        folder = self.files_dir or Path.cwd()
        target = folder / attachment.name
        stem, suffix = target.stem, target.suffix
        for n in itertools.count(2):
            if not target.exists():
                break
            target = folder / f"{stem}-{n}{suffix}"
        try:
            self.save(target, attachment.data)
        except OSError as exc:
            raise DeliveryError(f"cannot write {target}: {exc.strerror or exc}") from None
        self.write(f"{comment}\nWrote {target}" if comment else f"Wrote {target}")
        return str(target)


def _reader(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines from ``stdin`` on a daemon thread. Not the loop's default executor: a thread
    blocked in readline() there would keep the process alive after SIGTERM."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def pump() -> None:
        while True:
            try:
                line = stdin.readline()
            except (OSError, ValueError):
                line = ""
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop is gone: we are shutting down
                return
            if not line:
                return

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    return queue


def nav_actions(message: Message) -> dict[str, str]:
    """Pagination buttons of a message, by console word (``next``/``previous``): buttons
    whose declared action replaces the message it sits on, under the word they show."""
    found = {}
    for block in message.blocks:
        if isinstance(block, Actions):
            for b in block.buttons:
                call = decode(b.action)
                if call is not None and call.action.replaces and b.command:
                    found[b.command] = b.action
    return found


def _links_only(line: str) -> bool:
    """A line that is no /papers command but links to papers (arXiv, HF, arXiv DOI)."""
    if line.startswith("/") or not find_all(line):
        return False
    head = line.split(maxsplit=1)[0].lower()
    return head not in {c.path[0] for c in COMMANDS}


async def run_console(engine: CommandHandler, adapter: ConsoleAdapter, stdin: TextIO) -> int:
    """Read lines until EOF (or ``quit``); answer each. Returns the exit code (0)."""
    user = local_user()
    channel = ChannelRef(adapter.platform, WORKSPACE, CHANNEL)
    interactive = stdin.isatty()
    nav: dict[str, str] = {}

    async def interim(message: Message) -> None:  # "Fetching…" while a command works
        adapter.write(render_message(message))

    if interactive:
        adapter.write("Paper Herald console. Type /papers help, or quit to leave.")
    lines = _reader(stdin)
    while True:
        if interactive:
            adapter.show_prompt()
        line = await lines.get()
        adapter.prompt_answered()
        if not line:
            break
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() in ("quit", "exit"):
            adapter.quit_requested = True
            break
        if not interactive:
            adapter.write(f"{PROMPT}{line}")
        word = line.lower().removeprefix("/papers ").strip()
        token = interim_reply.set(interim)
        try:
            if word in ("next", "previous", "prev"):
                action = nav.get("previous" if word == "prev" else word)
                if action is None:
                    adapter.write("There is no other page to show.")
                    continue
                reply = await engine.handle_action(user, action, channel)
            elif _links_only(line):  # a pasted link, not a command: its papers' cards
                reply = await engine.cards_for_links(user, line, channel)
            else:
                reply = await engine.handle_text(user, line, channel)
        finally:
            interim_reply.reset(token)
        nav = nav_actions(reply) or nav
        if reply.attachment is not None:
            try:
                await adapter.upload(channel, user, reply.attachment, render_message(reply))
            except DeliveryError as exc:
                adapter.write(f"The file could not be saved: {exc}.\n")
            continue
        adapter.write(render_message(reply) + "\n")
    return 0
