import { describe, expect, it } from "vitest";
import type { ProbeJob } from "../../shared/schemas/protocol.ts";
import { standIn } from "./coordinator-helpers.ts";
import { PUBLIC_ORIGIN, provenCheck } from "./proof-fixtures.ts";

async function jobsOf(checkId: string): Promise<ProbeJob[]> {
  const calls = await standIn.calls(checkId);
  expect(calls).toHaveLength(3);
  return calls.map((call) => call.body as ProbeJob);
}

describe("the probe job of a check with proof", () => {
  it("carries the report URL and the vantage's share of the message cap", async () => {
    const id = await provenCheck(true);
    for (const job of await jobsOf(id)) {
      // Ten messages per check over three vantages: at most three each.
      expect(job.proof).toEqual({ reportUrl: `${PUBLIC_ORIGIN}/report/${id}`, maxMessages: 3 });
    }
  });

  it("carries no proof when the API did not ask for it", async () => {
    const id = await provenCheck(false);
    for (const job of await jobsOf(id)) expect(job.proof).toBeNull();
  });
});
