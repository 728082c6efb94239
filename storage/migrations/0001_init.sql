-- Paper Herald schema v1. Forward-only; each file runs in one transaction.

CREATE TABLE papers (
    id            INTEGER PRIMARY KEY,          -- rowid; FTS content_rowid
    arxiv_id      TEXT NOT NULL UNIQUE,         -- without version
    version       INTEGER,
    title         TEXT NOT NULL,
    abstract      TEXT NOT NULL DEFAULT '',
    authors       TEXT NOT NULL DEFAULT '[]',   -- JSON array; FTS tokenizes it as words
    categories    TEXT NOT NULL DEFAULT '[]',   -- JSON array, primary first
    keywords      TEXT NOT NULL DEFAULT '[]',   -- JSON array (HF ai_keywords)
    published_at  TEXT,                         -- ISO-8601 UTC
    hf_upvotes    INTEGER,
    hf_comments   INTEGER,
    github_repo   TEXT,
    github_stars  INTEGER,
    project_page  TEXT,
    ai_summary    TEXT,
    thumbnail     TEXT,
    first_seen_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX papers_published ON papers(published_at);

CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, authors, abstract, keywords,
    content='papers', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER papers_ai AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts(rowid, title, authors, abstract, keywords)
    VALUES (new.id, new.title, new.authors, new.abstract, new.keywords);
END;
CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, authors, abstract, keywords)
    VALUES ('delete', old.id, old.title, old.authors, old.abstract, old.keywords);
END;
-- Only text changes touch the index: refreshing upvotes every 30 minutes must stay cheap.
CREATE TRIGGER papers_au AFTER UPDATE ON papers
WHEN old.title IS NOT new.title OR old.authors IS NOT new.authors
  OR old.abstract IS NOT new.abstract OR old.keywords IS NOT new.keywords
BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, authors, abstract, keywords)
    VALUES ('delete', old.id, old.title, old.authors, old.abstract, old.keywords);
    INSERT INTO papers_fts(rowid, title, authors, abstract, keywords)
    VALUES (new.id, new.title, new.authors, new.abstract, new.keywords);
END;

CREATE TABLE featured (
    day         TEXT NOT NULL,                  -- YYYY-MM-DD
    arxiv_id    TEXT NOT NULL REFERENCES papers(arxiv_id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    source_rank INTEGER NOT NULL,
    PRIMARY KEY (day, arxiv_id, source)
) WITHOUT ROWID;
CREATE INDEX featured_paper ON featured(arxiv_id);

CREATE TABLE votes (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    arxiv_id   TEXT NOT NULL REFERENCES papers(arxiv_id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, user_id, arxiv_id)
) WITHOUT ROWID;
CREATE INDEX votes_paper ON votes(platform, workspace, arxiv_id);
CREATE INDEX votes_time ON votes(platform, workspace, created_at);

CREATE TABLE subscriptions (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    workspace     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    query         TEXT NOT NULL,
    paused        INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    created_at    TEXT NOT NULL,
    UNIQUE (platform, workspace, user_id, query)
);

CREATE TABLE notifications (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    arxiv_id        TEXT NOT NULL,
    sent_at         TEXT NOT NULL,
    PRIMARY KEY (subscription_id, arxiv_id)
) WITHOUT ROWID;

CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    platform        TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    post_time       TEXT NOT NULL,              -- HH:MM local
    timezone        TEXT NOT NULL,
    top_n           INTEGER NOT NULL,
    topic           TEXT,
    weekdays        TEXT NOT NULL DEFAULT '0123456',
    empty_day       TEXT NOT NULL DEFAULT 'note',
    created_by      TEXT NOT NULL DEFAULT '',
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (platform, workspace, channel)
);

CREATE TABLE deliveries (
    feed_id         INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    day             TEXT NOT NULL,
    status          TEXT NOT NULL,              -- claimed | done | skipped | missed | failed
    owner           TEXT,
    root_message_id TEXT,
    thread_id       TEXT,
    note            TEXT,
    plan            TEXT,                       -- JSON ids chosen at claim time; a resume posts the same list
    claimed_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (feed_id, day)
);

CREATE TABLE delivery_items (
    feed_id    INTEGER NOT NULL,
    day        TEXT NOT NULL,
    arxiv_id   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    posted_at  TEXT NOT NULL,
    PRIMARY KEY (feed_id, day, arxiv_id),
    FOREIGN KEY (feed_id, day) REFERENCES deliveries(feed_id, day) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE dm_digests (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    day       TEXT NOT NULL,
    sent_at   TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, user_id, day)
) WITHOUT ROWID;

CREATE TABLE user_notices (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    notice     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, user_id)
) WITHOUT ROWID;

CREATE TABLE saved_queries (
    key        TEXT PRIMARY KEY,                -- short hash used in button ids
    query      TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE fetch_log (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    day         TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    ok          INTEGER NOT NULL,
    papers      INTEGER NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX fetch_log_time ON fetch_log(finished_at);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
