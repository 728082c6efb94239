-- Weekly recaps (issue 15): a feed may also post, once a week on one weekday at its post
-- time, the week's most upvoted and most discussed papers. A recap is claimed, resumed and
-- finished as a daily thread is, by the same repository code over tables of the same shape:
-- one row per (feed, local day of the recap). Every statement can run again on a database
-- that has it (tests rewind user_version to replay older migrations), hence IF NOT EXISTS.

-- The weekday of a feed's recap (0 = Monday); no row: no recap. Apart from feeds, so a new
-- /papers channel setup (which replaces the feed's options) keeps it.
CREATE TABLE IF NOT EXISTS feed_recaps (
    feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6)
);

CREATE TABLE IF NOT EXISTS recaps (
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
CREATE TABLE IF NOT EXISTS recap_items (
    feed_id    INTEGER NOT NULL,
    day        TEXT NOT NULL,
    arxiv_id   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    posted_at  TEXT NOT NULL,
    PRIMARY KEY (feed_id, day, arxiv_id),
    FOREIGN KEY (feed_id, day) REFERENCES recaps(feed_id, day) ON DELETE CASCADE
) WITHOUT ROWID;
