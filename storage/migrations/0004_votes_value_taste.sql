-- Team taste (issue 14). A vote gets a value: +1 up (▲), -1 down (👎 "not for me"); every
-- earlier vote was an up-vote. Leaderboards and counts keep counting up-votes only.
ALTER TABLE votes ADD COLUMN value INTEGER NOT NULL DEFAULT 1 CHECK (value IN (1, -1));

-- What a workspace's tastes learn from changed: bumped in the same transaction as every vote
-- change and every first reply of a person to a paper's discussion. A stored taste trained
-- on an older number is stale. No row: 0.
CREATE TABLE taste_inputs (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    version   INTEGER NOT NULL,
    PRIMARY KEY (platform, workspace)
) WITHOUT ROWID;

-- Learned tastes: the workspace's (user_id '') and each person's who has signals of their own.
-- model is bot.taste's format: a JSON header and numpy arrays saved without pickle.
CREATE TABLE tastes (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    model      BLOB NOT NULL,
    trained_at TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, user_id)
) WITHOUT ROWID;
