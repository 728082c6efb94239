-- Weekly recaps (issue 15): a feed may also post, once a week on weekly_day (0 = Monday,
-- NULL = no recap) at its post time, the week's most upvoted and most discussed papers.
-- A recap is claimed, resumed and finished as a daily thread is, by the same repository code
-- over tables of the same shape: one row per (feed, local day of the recap).
ALTER TABLE feeds ADD COLUMN weekly_day INTEGER CHECK (weekly_day BETWEEN 0 AND 6);

CREATE TABLE recaps (
    feed_id         INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    day             TEXT NOT NULL,              -- the recap's local day
    status          TEXT NOT NULL,              -- claimed | done | skipped | missed | failed
    owner           TEXT,
    root_message_id TEXT,                       -- the recap message, once posted
    thread_id       TEXT,
    note            TEXT,
    plan            TEXT,                       -- JSON ids the recap lists
    content_day     TEXT,                       -- the last day of the week it covers
    claimed_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (feed_id, day)
);

-- Same shape as delivery_items (the shared repository reads it); a recap is one message.
CREATE TABLE recap_items (
    feed_id    INTEGER NOT NULL,
    day        TEXT NOT NULL,
    arxiv_id   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    posted_at  TEXT NOT NULL,
    PRIMARY KEY (feed_id, day, arxiv_id),
    FOREIGN KEY (feed_id, day) REFERENCES recaps(feed_id, day) ON DELETE CASCADE
) WITHOUT ROWID;
