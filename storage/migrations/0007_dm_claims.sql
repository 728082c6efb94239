-- Two `run` processes on one database both sent the day's DM: each checked dm_digests, then
-- sent. A (person, day) is now claimed with a unique insert before sending, as daily threads
-- are; a claim left by a run that crashed mid-send can be taken over after its lease.
CREATE TABLE IF NOT EXISTS dm_claims (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    day        TEXT NOT NULL,
    owner      TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, user_id, day)
) WITHOUT ROWID;
