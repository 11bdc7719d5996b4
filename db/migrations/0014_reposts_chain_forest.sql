-- The repost chain (repost -> root) stays a flat forest whoever writes it: a repost's root is
-- never itself a repost, a repost is never the root of another repost, and no post is its own
-- root. So it can never loop. The reposts worker writes edges with one conditional statement
-- that already keeps this (workers/reposts/src/chain.ts); these triggers refuse any other edge.
CREATE TRIGGER `repost_chain_forest` BEFORE INSERT ON `repost_chain`
WHEN NEW.repost_post_id = NEW.root_post_id
  OR EXISTS (SELECT 1 FROM `repost_chain` WHERE `repost_post_id` = NEW.root_post_id)
  OR EXISTS (SELECT 1 FROM `repost_chain` WHERE `root_post_id` = NEW.repost_post_id)
BEGIN
  SELECT RAISE(ABORT, 'repost_chain_not_a_forest');
END;
--> statement-breakpoint
-- Edges are never rewritten (re-rooting would move counts between posts).
CREATE TRIGGER `repost_chain_append_only` BEFORE UPDATE ON `repost_chain`
BEGIN
  SELECT RAISE(ABORT, 'repost_chain_append_only');
END;
