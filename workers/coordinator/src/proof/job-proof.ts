import { asc, eq, sql } from "drizzle-orm";
import { canaryKeyFor } from "../../../../shared/probe/canary-proof.ts";
import type { ProbeJob } from "../../../../shared/schemas/protocol.ts";
import type { Database } from "../db/client.ts";
import { type CheckRow, type VantageRow, vantageResults } from "../db/schema.ts";
import type { CoordinatorConfig } from "../env.ts";
import { messageShare, proofSecret } from "./policy.ts";

/**
 * The DATA step of one vantage's probe job: this vantage's share of the check's message cap and
 * the key its messages' MACs are made with. Every check has it, with or without delivery proof:
 * the server's answer to the message, not to RCPT, decides a relay; whether the check then
 * waits for the message to arrive is the check's own `proof` state.
 */
export async function jobProofFor(
  db: Database,
  check: Pick<CheckRow, "id">,
  vantage: Pick<VantageRow, "id" | "tokenNonce">,
  config: Pick<CoordinatorConfig, "proofSecret">,
): Promise<ProbeJob["proof"]> {
  if (vantage.tokenNonce === null) return null;
  const planned = await db
    .select({ id: vantageResults.id })
    .from(vantageResults)
    .where(eq(vantageResults.checkId, check.id))
    .orderBy(asc(sql`${vantageResults}.rowid`));
  const index = planned.findIndex((row) => row.id === vantage.id);
  return {
    maxMessages: index < 0 ? 0 : messageShare(index, planned.length),
    key: await canaryKeyFor(proofSecret(config), vantage.tokenNonce),
  };
}
