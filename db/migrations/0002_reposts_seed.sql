-- Default spread thresholds (any category, any verdict): "spreading" labels a post,
-- "escalate" opens one review-queue item. Idempotent; admins replace them via the API.
INSERT OR IGNORE INTO `spread_thresholds` (`id`, `level`, `metric`, `value`, `action`, `category`, `verdict`, `created_at`) VALUES
  ('thr_default0spreadingreposts', 'spreading', 'reposts', 100, 'label', NULL, NULL, 0),
  ('thr_default0spreadingviews', 'spreading', 'views', 1000, 'label', NULL, NULL, 0),
  ('thr_default0escalatereposts', 'escalate', 'reposts', 500, 'escalate', NULL, NULL, 0),
  ('thr_default0escalateviews', 'escalate', 'views', 5000, 'escalate', NULL, NULL, 0);
