"""Every repository on one database and one clock, built in one place: the composition root's
helper."""

from __future__ import annotations

from bot.ports import Clock
from storage.db import Database
from storage.deliveries import SqliteDeliveryRepo
from storage.discussions import SqliteDiscussionRepo
from storage.feeds import SqliteFeedRepo
from storage.kv import SqliteKV
from storage.notifications import SqliteNotificationRepo
from storage.papers import SqlitePaperRepo
from storage.person_settings import SqlitePersonSettingsRepo
from storage.subscriptions import SqliteSubscriptionRepo
from storage.tastes import SqliteTasteRepo
from storage.votes import SqliteVoteRepo


class Repositories:
    """Every repository on one database."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock  # every time a repository writes comes from it
        self.papers = SqlitePaperRepo(db, clock)
        self.votes = SqliteVoteRepo(db, clock)
        self.subscriptions = SqliteSubscriptionRepo(db, clock)
        self.notifications = SqliteNotificationRepo(db, clock)
        self.person_choices = SqlitePersonSettingsRepo(db, clock)
        self.feeds = SqliteFeedRepo(db, clock)
        self.deliveries = SqliteDeliveryRepo(db, clock)
        # weekly recaps: claimed, resumed and finished by the same code as daily threads
        self.recaps = SqliteDeliveryRepo(db, clock, table="recaps", items="recap_items")
        self.kv = SqliteKV(db)
        self.discussions = SqliteDiscussionRepo(db, clock)
        self.tastes = SqliteTasteRepo(db, clock)
