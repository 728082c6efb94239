-- Each person's daily-DM settings (/papers settings), keyed like subscriptions. Only what the
-- person chose is stored: NULL means "the server's default" (PAPERHERALD_DM_TIME,
-- PAPERHERALD_TIMEZONE), so changing a server default moves everyone who never chose.
CREATE TABLE IF NOT EXISTS person_settings (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    dm_time    TEXT,     -- HH:MM, local time in the person's zone
    timezone   TEXT,     -- IANA name
    dms        INTEGER,  -- 1 on, 0 off (paused; topics kept)
    dm_size    INTEGER,  -- papers per DM, 1-25
    updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, user_id)
) WITHOUT ROWID;
