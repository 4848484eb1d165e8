/**
 * The coordinator's storage: checks, their vantages and what each vantage measured, in D1.
 * D1 has no interactive transactions, so every multi-row write is one `db.batch()` and every
 * state change is guarded in its WHERE clause, safe under retried and concurrent queue messages.
 */

export {
  contactsOf,
  createCheck,
  extendCheckDeadline,
  findCheck,
  findCheckByIdempotencyKey,
  latestCheckForDomain,
  latestCheckForDomainQuery,
  type NewCheck,
  type PlannedVantage,
  TargetBusy,
} from "./checks.ts";
export { type Database, openDatabase } from "./client.ts";
export {
  type CheckDecision,
  finishCheckIfComplete,
  overdueChecks,
} from "./completion.ts";
export type { CheckRow, VantageProgress, VantageRow } from "./schema.ts";
export {
  addPendingVantage,
  failVantage,
  findVantage,
  listVantages,
  markVantageAsked,
  recordVantageProgress,
  saveVantageResult,
} from "./vantages.ts";
export type { CaseView, CheckView, VantageDetail } from "./views.ts";
export { getCheckView } from "./views.ts";
