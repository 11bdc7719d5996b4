-- Every review item's events become signals, and each subject keeps one open item.
-- 1. Items opened by screening, spread and registration: the item's own event is its one signal
--    (same dedupe key, so a redelivery of that event stays a no-op). Screening severity is the
--    worst `review` reason recorded on the post; category the first one named in the details.
INSERT INTO review_signals (id, review_item_id, dedupe_key, subject_type, subject_id, source, reason_code, category, severity, details, status, created_at, closed_at)
SELECT 'sig_' || lower(hex(randomblob(12))), q.id, q.dedupe_key, q.subject_type, q.subject_id, q.source, q.reason_code,
  json_extract(q.details, '$.categories[0]'),
  CASE q.source
    WHEN 'screening' THEN coalesce((SELECT max(json_extract(j.value, '$.severity')) FROM posts p, json_each(p.reasons) j
                                    WHERE p.id = q.subject_id AND json_extract(j.value, '$.action') = 'review'), 5)
    WHEN 'spread' THEN 5
    ELSE 4 END,
  q.details, CASE q.status WHEN 'open' THEN 'open' ELSE 'closed' END, q.created_at, q.decided_at
FROM review_queue q
WHERE q.source <> 'report' OR NOT EXISTS (SELECT 1 FROM reports r WHERE r.review_item_id = q.id);
--> statement-breakpoint
-- 2. Report items: one signal per report (one reporter each), as POST /v1/reports now writes them.
INSERT INTO review_signals (id, review_item_id, dedupe_key, subject_type, subject_id, source, reason_code, category, severity, details, status, created_at, closed_at)
SELECT 'sig_' || lower(hex(randomblob(12))), r.review_item_id, 'report:' || r.id, r.subject_type, r.subject_id, 'report', 'reported_' || r.reason, r.reason,
  CASE r.reason WHEN 'terrorism' THEN 9 WHEN 'violence' THEN 8 WHEN 'pornography' THEN 7 WHEN 'fraud' THEN 6
    WHEN 'rumour' THEN 5 WHEN 'harassment' THEN 5 WHEN 'spam' THEN 3 ELSE 2 END,
  json_object('reportId', r.id, 'reason', r.reason), CASE q.status WHEN 'open' THEN 'open' ELSE 'closed' END, r.created_at, q.decided_at
FROM reports r JOIN review_queue q ON q.id = r.review_item_id;
--> statement-breakpoint
-- 3. Merge: the oldest open item of a subject takes the open signals and reports of the others,
--    which are then deleted (an open item has no decision or audit row to keep).
UPDATE review_signals SET review_item_id = (
  SELECT s.id FROM review_queue s WHERE s.subject_type = review_signals.subject_type AND s.subject_id = review_signals.subject_id AND s.status = 'open'
  ORDER BY s.created_at, s.id LIMIT 1)
WHERE status = 'open' AND review_item_id IN (SELECT id FROM review_queue WHERE status = 'open');
--> statement-breakpoint
UPDATE reports SET review_item_id = (
  SELECT s.id FROM review_queue s WHERE s.subject_type = reports.subject_type AND s.subject_id = reports.subject_id AND s.status = 'open'
  ORDER BY s.created_at, s.id LIMIT 1)
WHERE review_item_id IN (SELECT id FROM review_queue WHERE status = 'open');
--> statement-breakpoint
DELETE FROM review_queue WHERE status = 'open' AND id <> (
  SELECT s.id FROM review_queue s WHERE s.subject_type = review_queue.subject_type AND s.subject_id = review_queue.subject_id AND s.status = 'open'
  ORDER BY s.created_at, s.id LIMIT 1);
--> statement-breakpoint
-- 4. Priority of every item as pkg/review-signals.ts computes it (open items from their open signals).
UPDATE review_queue SET severity = m.severity, reporters = m.reporters, signal_count = m.signals, last_signal_at = m.last_at,
  velocity = CASE WHEN review_queue.subject_type = 'post' THEN coalesce((SELECT ps.reposts * 3600000 / max(3600000, CAST(unixepoch('subsec') * 1000 AS INTEGER) - ps.created_at)
    FROM post_spread ps WHERE ps.root_post_id = review_queue.subject_id), 0) ELSE 0 END
FROM (SELECT review_item_id AS id, max(severity) AS severity, sum(source = 'report') AS reporters, count(*) AS signals, max(created_at) AS last_at
      FROM review_signals GROUP BY review_item_id) AS m
WHERE review_queue.id = m.id;
--> statement-breakpoint
UPDATE review_queue SET priority = severity * 100 + min(velocity, 500) + 10 * min(reporters, 50);
