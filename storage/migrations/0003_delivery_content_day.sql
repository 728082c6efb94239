-- The Hugging Face day a daily thread shows. Usually the post's own content day, but an
-- admin's post-now with the sources down shows the latest day stored; the channel status
-- and a resumed thread need to know which. NULL on older rows: derived from the feed.
ALTER TABLE deliveries ADD COLUMN content_day TEXT;
