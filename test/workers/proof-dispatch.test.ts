import { describe, expect, it } from "vitest";
import { canaryKeyFor } from "../../shared/probe/canary-proof.ts";
import type { ProbeJob } from "../../shared/schemas/protocol.ts";
import {
  messageShare,
  PROOF_MAX_MESSAGES_PER_CHECK,
} from "../../workers/coordinator/src/proof/policy.ts";
import { PROOF_SECRET } from "./coordinator-env.ts";
import { callMain, getCheck, standIn } from "./coordinator-helpers.ts";
import { provenCheck } from "./proof-fixtures.ts";

async function jobsOf(checkId: string): Promise<ProbeJob[]> {
  const calls = await standIn.calls(checkId);
  expect(calls).toHaveLength(3);
  return calls.map((call) => call.body as ProbeJob);
}

describe("the probe job's DATA step", () => {
  it("carries the vantage's share of the message cap and its key, and nothing of the node's", async () => {
    const id = await provenCheck(true);
    const jobs = await jobsOf(id);
    for (const job of jobs) {
      // Ten messages per check over three vantages: at most three each.
      expect(job.proof).toEqual({
        maxMessages: 3,
        key: await canaryKeyFor(PROOF_SECRET, job.tokenNonce ?? ""),
      });
      // The canary domain and the report link are the node's own configuration.
      expect(Object.keys(job)).not.toContain("canaryDomain");
    }
    // The keys went to the nodes, and appear nowhere a reader can see.
    const published =
      JSON.stringify(await getCheck(id)) + (await (await callMain(`/report/${id}`)).text());
    for (const job of jobs) expect(published).not.toContain(job.proof?.key);
  });

  it("never lets a check send more than ten messages, however many vantages it has", () => {
    for (const vantages of [1, 2, 3, 4, 9, 10, 11, 30, 40]) {
      const shares = Array.from({ length: vantages }, (_, index) => messageShare(index, vantages));
      const total = shares.reduce((sum, share) => sum + share, 0);
      expect(total).toBeLessThanOrEqual(PROOF_MAX_MESSAGES_PER_CHECK);
      expect(Math.max(...shares)).toBeLessThanOrEqual(3);
      // As many as the caps allow: nobody is starved while the check has room.
      expect(total).toBe(Math.min(PROOF_MAX_MESSAGES_PER_CHECK, 3 * vantages));
    }
  });

  it("is on without proof too: the message, not the RCPT reply, decides a relay", async () => {
    const id = await provenCheck(false);
    for (const job of await jobsOf(id)) {
      expect(job.proof).toEqual({
        maxMessages: 3,
        key: await canaryKeyFor(PROOF_SECRET, job.tokenNonce ?? ""),
      });
    }
  });
});
