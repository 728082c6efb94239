"""Every repository on one database, built in one place: the composition root's helper."""

from __future__ import annotations

from storage.db import Database
from storage.deliveries import SqliteDeliveryRepo
from storage.discussions import SqliteDiscussionRepo
from storage.feeds import SqliteFeedRepo
from storage.kv import SqliteKV
from storage.notifications import SqliteNotificationRepo
from storage.papers import SqlitePaperRepo
from storage.subscriptions import SqliteSubscriptionRepo
from storage.votes import SqliteVoteRepo


class Repositories:
    """Every repository on one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.papers = SqlitePaperRepo(db)
        self.votes = SqliteVoteRepo(db)
        self.subscriptions = SqliteSubscriptionRepo(db)
        self.notifications = SqliteNotificationRepo(db)
        self.feeds = SqliteFeedRepo(db)
        self.deliveries = SqliteDeliveryRepo(db)
        self.kv = SqliteKV(db)
        self.discussions = SqliteDiscussionRepo(db)
