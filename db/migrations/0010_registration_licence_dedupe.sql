-- One active licence per (account, licence number): the next migration adds the partial
-- unique index publisher_licences_active_uq, which cannot be created while concurrent grants
-- (issue #14.1) left duplicates. Of each group of unrevoked duplicates the earliest grant
-- (created_at, then id) is kept; the later ones are revoked, not deleted, so their grant
-- audit rows still point at a row. No audit rows are written here: the revoked_reason says
-- what happened.
UPDATE publisher_licences
SET revoked_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
    revoked_reason = 'duplicate grant, revoked by migration 0010 (one active licence per account and licence number)'
WHERE revoked_at IS NULL
  AND EXISTS (
    SELECT 1 FROM publisher_licences AS kept
    WHERE kept.account_id = publisher_licences.account_id
      AND kept.licence_number = publisher_licences.licence_number
      AND kept.revoked_at IS NULL
      AND (kept.created_at < publisher_licences.created_at
           OR (kept.created_at = publisher_licences.created_at AND kept.id < publisher_licences.id))
  );
