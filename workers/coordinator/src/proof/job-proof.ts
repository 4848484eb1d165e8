import { count, eq } from "drizzle-orm";
import type { ProbeJob } from "../../../../shared/schemas/protocol.ts";
import type { Database } from "../db/client.ts";
import { type CheckRow, vantageResults } from "../db/schema.ts";
import { proofRequestFor } from "./policy.ts";

/** The `proof` of a check's probe jobs: null unless the check asked for delivery proof. */
export async function jobProofFor(
  db: Database,
  check: Pick<CheckRow, "id" | "proof">,
  publicOrigin: string | undefined,
): Promise<ProbeJob["proof"]> {
  if (check.proof === null) return null;
  const [row] = await db
    .select({ vantages: count() })
    .from(vantageResults)
    .where(eq(vantageResults.checkId, check.id));
  return proofRequestFor(check.id, row?.vantages ?? 1, publicOrigin);
}
