-- Discord direct messages were one workspace, "dm", shared by everyone: votes and /papers top
-- in DMs mixed people from every server. A DM is now the person's own workspace,
-- "dm:<user id>"; rows written in DMs before move to their author's.
UPDATE votes SET workspace = 'dm:' || user_id WHERE platform = 'discord' AND workspace = 'dm';
UPDATE subscriptions SET workspace = 'dm:' || user_id
    WHERE platform = 'discord' AND workspace = 'dm';
UPDATE dm_digests SET workspace = 'dm:' || user_id
    WHERE platform = 'discord' AND workspace = 'dm';
UPDATE user_notices SET workspace = 'dm:' || user_id
    WHERE platform = 'discord' AND workspace = 'dm';
-- Tastes learned from everyone's DM votes together: each person's is learned again from their
-- own votes (a workspace without taste_inputs is at version 0, so nothing stored is reused).
DELETE FROM tastes WHERE platform = 'discord' AND workspace = 'dm';
DELETE FROM taste_inputs WHERE platform = 'discord' AND workspace = 'dm';
