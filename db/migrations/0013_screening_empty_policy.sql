-- Version 1 of the screening policy: the empty policy (no terms, no allow phrases, no blocked
-- domains; the seeded categories and contact rules of 0006), current from the first start, so
-- POST /v1/screen works at once: account states, news gating, contacts and outlets apply
-- before an admin publishes anything (issue #14.5).
-- Its matcher is not stored (chunk_count 0): the worker builds the empty matcher itself, so
-- this row stays valid whatever the engine's serialization format becomes.
-- content_hash is the hash readDraft() computes for exactly this content, so a fresh stack
-- shows no unpublished changes and publishing nothing answers 409 no_changes
-- (workers/screening/test/errors.test.ts checks both).
-- Idempotent, and a database that has published already keeps its versions and current one.
INSERT OR IGNORE INTO `policy_versions` (`version`, `content_hash`, `term_count`, `allow_count`, `byte_size`, `chunk_count`, `config`, `created_at`, `created_by`) VALUES (
  1,
  '718e2e1fcb9070bcde5d3ec33307233e98ec9111b70db3d1139a4508763b7775',
  0, 0, 0, 0,
  '{"categories":{"fraud":{"ranges":[{"min":1,"max":4,"action":"review"},{"min":5,"max":10,"action":"block"}],"licenceRequired":false},"political_news":{"ranges":[],"licenceRequired":true},"pornography":{"ranges":[{"min":1,"max":3,"action":"review"},{"min":4,"max":10,"action":"block"}],"licenceRequired":false},"rumour":{"ranges":[{"min":1,"max":5,"action":"review"},{"min":6,"max":10,"action":"block"}],"licenceRequired":false},"terrorism":{"ranges":[{"min":1,"max":3,"action":"review"},{"min":4,"max":10,"action":"block"}],"licenceRequired":false},"violence":{"ranges":[{"min":3,"max":6,"action":"review"},{"min":7,"max":10,"action":"block"}],"licenceRequired":false}},"contactRules":{"email":"review","phone":"review","qq":"review","url":"allow","wechat":"review"},"blockedDomains":[]}',
  CAST(strftime('%s', 'now') AS INTEGER) * 1000,
  'migration'
);
--> statement-breakpoint
INSERT OR IGNORE INTO `policy_current` (`id`, `version`, `updated_at`)
  SELECT 1, 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000
  WHERE EXISTS (SELECT 1 FROM `policy_versions` WHERE `version` = 1);
