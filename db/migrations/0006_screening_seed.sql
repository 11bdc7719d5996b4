-- Default screening categories: severity 1-10, ranges not covered are allowed.
INSERT OR IGNORE INTO `screening_categories` (`name`, `ranges`, `licence_required`, `updated_at`) VALUES
  ('terrorism', '[{"min":1,"max":3,"action":"review"},{"min":4,"max":10,"action":"block"}]', 0, 0),
  ('violence', '[{"min":3,"max":6,"action":"review"},{"min":7,"max":10,"action":"block"}]', 0, 0),
  ('pornography', '[{"min":1,"max":3,"action":"review"},{"min":4,"max":10,"action":"block"}]', 0, 0),
  ('rumour', '[{"min":1,"max":5,"action":"review"},{"min":6,"max":10,"action":"block"}]', 0, 0),
  ('fraud', '[{"min":1,"max":4,"action":"review"},{"min":5,"max":10,"action":"block"}]', 0, 0),
  ('political_news', '[]', 1, 0);
--> statement-breakpoint
-- Default actions for contacts and adverts found in a post.
INSERT OR IGNORE INTO `contact_rules` (`kind`, `action`, `updated_at`) VALUES
  ('phone', 'review', 0),
  ('qq', 'review', 0),
  ('wechat', 'review', 0),
  ('email', 'review', 0),
  ('url', 'allow', 0);
