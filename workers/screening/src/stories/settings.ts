/** Story settings: worker vars (wrangler.toml), each with its default. */
import { intVar } from "../../../../pkg/config";

export interface StorySettings {
  /** Posts whose normalised text is shorter than this many symbols get no fingerprint (0 turns stories off). */
  minChars: number;
  /** Estimated similarity (share of equal MinHash values) at or above which a post joins a story. */
  similarity: number;
  /** Screening action for a post that joins a story moderators removed. */
  removedAction: "review" | "block";
  /** Distinct posting accounts at which a story escalates (once). */
  escalateAccounts: number;
}

export const DEFAULT_STORY_SETTINGS: StorySettings = { minChars: 20, similarity: 0.3, removedAction: "review", escalateAccounts: 20 };

export interface StoryVars {
  STORY_MIN_CHARS?: string;
  STORY_SIMILARITY_PERCENT?: string;
  STORY_REMOVED_ACTION?: string;
  STORY_ESCALATE_ACCOUNTS?: string;
}

export function storySettings(env: StoryVars): StorySettings {
  const d = DEFAULT_STORY_SETTINGS;
  return {
    minChars: intVar(env.STORY_MIN_CHARS, d.minChars, 0, 10_000),
    similarity: intVar(env.STORY_SIMILARITY_PERCENT, d.similarity * 100, 5, 100) / 100,
    removedAction: env.STORY_REMOVED_ACTION === "block" ? "block" : d.removedAction,
    escalateAccounts: intVar(env.STORY_ESCALATE_ACCOUNTS, d.escalateAccounts, 1, 1_000_000),
  };
}
