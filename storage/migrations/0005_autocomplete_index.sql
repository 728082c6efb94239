-- Autocomplete of paper titles: "title starts with" as a range on this index (NOCASE folds
-- ASCII case as LIKE does), so a prefix that matches nothing reads nothing instead of every
-- title. Id prefixes use the arxiv_id UNIQUE index.
CREATE INDEX papers_title_nocase ON papers(title COLLATE NOCASE);
