/**
 * The coordinator's storage: checks, their vantages and what each vantage measured, in D1.
 * D1 has no interactive transactions, so every multi-row write is one `db.batch()` and every
 * state change is guarded in its WHERE clause, safe under retried and concurrent queue messages.
 */

export {
  type CreatedCheck,
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
  type DecideCheck,
  finishCheckIfComplete,
  overdueChecks,
} from "./completion.ts";
export { MxPlan, MxPlanHost, RefusedAddress } from "./mx-plan.ts";
export type {
  CheckKind,
  CheckRow,
  CheckStatus,
  DomainRow,
  VantageProgress,
  VantageRow,
  VantageStatus,
} from "./schema.ts";
export {
  addPendingVantage,
  failVantage,
  findVantage,
  listVantages,
  recordVantageProgress,
  saveVantageResult,
} from "./vantages.ts";
export type { AddressView, CaseView, CheckView, MxHostView, VantageDetail } from "./views.ts";
export { getCheckView } from "./views.ts";
