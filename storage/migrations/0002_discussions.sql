-- Discussions: one thread per (channel, paper), and the replies counted per paper.

CREATE TABLE discussions (
    platform        TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    arxiv_id        TEXT NOT NULL REFERENCES papers(arxiv_id) ON DELETE CASCADE,
    root_message_id TEXT,                      -- NULL while it is being opened
    thread_id       TEXT,
    opened_by       TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, channel, arxiv_id)
) WITHOUT ROWID;
CREATE INDEX discussions_thread ON discussions(platform, workspace, thread_id);
CREATE INDEX discussions_root ON discussions(platform, workspace, root_message_id);

-- Daily-thread replies that reference a paper's message are found through this index.
CREATE INDEX delivery_items_message ON delivery_items(message_id);

CREATE TABLE replies (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    message_id TEXT NOT NULL,
    arxiv_id   TEXT NOT NULL REFERENCES papers(arxiv_id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, message_id)
) WITHOUT ROWID;
CREATE INDEX replies_paper ON replies(platform, workspace, arxiv_id, created_at);
CREATE INDEX replies_time ON replies(platform, workspace, created_at);
