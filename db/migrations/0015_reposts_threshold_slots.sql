-- One rule per slot (level, metric, category, verdict; null = any): the rule's identity.
CREATE UNIQUE INDEX `spread_thresholds_slot_idx` ON `spread_thresholds` (`level`,`metric`,coalesce(`category`, ''),coalesce(`verdict`, ''));
