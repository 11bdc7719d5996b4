DROP INDEX `post_evidence_retain_idx`;--> statement-breakpoint
ALTER TABLE `post_evidence` ADD `decided_at` integer;--> statement-breakpoint
CREATE INDEX `post_evidence_purge_idx` ON `post_evidence` (`decided_at`,`retain_until`);--> statement-breakpoint
-- The latest decision of each post's review items, as the purge read it before (max over items).
UPDATE `post_evidence` SET `decided_at` = (SELECT max(q.`decided_at`) FROM `review_queue` q WHERE q.`subject_type` = 'post' AND q.`subject_id` = `post_evidence`.`post_id`);
--> statement-breakpoint
-- Kept from now on by the review queue itself, whichever worker decides an item (moderation's
-- decisions, appeals, registration) and however (an item decided, or one written decided).
CREATE TRIGGER `post_evidence_decided_on_update` AFTER UPDATE OF `status` ON `review_queue`
WHEN NEW.`status` = 'decided' AND NEW.`subject_type` = 'post' AND NEW.`decided_at` IS NOT NULL
BEGIN
  UPDATE `post_evidence` SET `decided_at` = max(coalesce(`decided_at`, 0), NEW.`decided_at`) WHERE `post_id` = NEW.`subject_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `post_evidence_decided_on_insert` AFTER INSERT ON `review_queue`
WHEN NEW.`status` = 'decided' AND NEW.`subject_type` = 'post' AND NEW.`decided_at` IS NOT NULL
BEGIN
  UPDATE `post_evidence` SET `decided_at` = max(coalesce(`decided_at`, 0), NEW.`decided_at`) WHERE `post_id` = NEW.`subject_id`;
END;
