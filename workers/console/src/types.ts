/** The shapes of the function workers' answers the console reads (see /openapi.json). */
export interface ReviewSignal {
  id: string;
  source: string;
  reasonCode: string;
  category: string | null;
  severity: number;
  details: Record<string, unknown>;
  status: "open" | "closed";
  createdAt: string;
  closedAt: string | null;
}

export interface ReviewItem {
  id: string;
  subjectType: "post" | "account";
  subjectId: string;
  source: string;
  reasonCode: string;
  status: "open" | "decided";
  details: Record<string, unknown>;
  createdAt: string;
  decidedAt: string | null;
  decision: string | null;
  decidedBy: string | null;
  priority: number;
  severity: number;
  reporters: number;
  repostsPerHour: number;
  signalCount: number;
  lastSignalAt: string | null;
  claim: { heldBy: string; until: string } | null;
  signals?: ReviewSignal[];
}

export interface Evidence {
  reviewItemId: string;
  postId: string;
  accountId: string;
  kind: string;
  title: string | null;
  text: string;
  links: string[];
  verdict: string;
  reasons: Record<string, unknown>[];
  categories: string[];
  policyVersion: number;
  screenedAt: string;
}

export interface Account {
  id: string;
  handle: string;
  displayName: string;
  kind: string;
  status: string;
  warningCount: number;
  identity: { documentType: string | null; name: string | null; documentNumber: string | null; phone: string | null; erased: boolean };
  createdAt: string;
  verifiedAt: string | null;
}

export interface Appeal {
  id: string;
  decision: { id: string; action: string; decidedAt: string };
  accountId: string;
  subject: { type: "post" | "account"; id: string };
  statement: string;
  reviewItemId: string | null;
  status: "open" | "decided";
  outcome: "upheld" | "reversed" | null;
  createdAt: string;
  decidedAt: string | null;
  decidedBy?: string | null;
  reason?: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actorKeyId: string;
  actorRole: string;
  action: string;
  subjectType: string;
  subjectId: string;
  reason: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export const REVIEW_SOURCES = ["screening", "spread", "report", "registration", "appeal"] as const;
export const DECISION_ACTIONS = ["dismiss", "remove_post", "restore_post", "label_post", "warn_account", "suspend_account", "close_account"] as const;
