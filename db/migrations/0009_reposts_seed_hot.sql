-- Default "hot" level: a post reposted 1,000 times is raised to HOT_SHARDS counting shards
-- (action "shard"). Idempotent; admins replace the rules via PUT /v1/spread/thresholds.
INSERT OR IGNORE INTO `spread_thresholds` (`id`, `level`, `metric`, `value`, `action`, `category`, `verdict`, `created_at`) VALUES
  ('thr_default0hotreposts', 'hot', 'reposts', 1000, 'shard', NULL, NULL, 0);
