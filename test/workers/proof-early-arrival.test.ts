import { describe, expect, it, vi } from "vitest";
import { RELAY_CASES } from "../../shared/probe/cases.ts";
import { caseToken } from "../../shared/probe/expand.ts";
import { ProbeJob } from "../../shared/schemas/protocol.ts";
import { CANARY_DOMAIN, TEST_NODES } from "./coordinator-env.ts";
import { createCheck, getCheck, reportVantages, runQueue, standIn } from "./coordinator-helpers.ts";
import { deliver, deliveryCount } from "./proof-fixtures.ts";

/**
 * A relay can deliver the canary message before the probe that sent it has answered the
 * coordinator (the probe still has other cases to send, then its answer to store). Email Routing
 * cannot ask the relay to try later, so a message rejected then would be lost for good.
 */

const [FRA, IAD, SIN] = TEST_NODES.map((node) => node.id) as [string, string, string];
const indexOf = (caseId: string) => RELAY_CASES.findIndex((relayCase) => relayCase.id === caseId);

/** A check with proof whose eu-central node is still probing, and the job that node received. */
async function checkWithRunningVantage() {
  const created = await createCheck({ host: "127.0.0.1", port: 2525, proof: true });
  expect(created.response.status).toBe(202);
  const checkId = created.body.id;
  await standIn.script(checkId, {
    [FRA]: { kind: "hold" },
    [IAD]: { kind: "result", verdict: "closed" },
    [SIN]: { kind: "result", verdict: "closed" },
  });
  const consumer = runQueue(created.messages);
  const calls = await standIn.waitForCalls(checkId, 3);
  const job = ProbeJob.parse(calls.find((call) => call.nodeId === FRA)?.body);
  if (!job.tokenNonce) throw new Error("the coordinator sent no token nonce");
  const tokenOf = (caseId: string) => caseToken(job.tokenNonce ?? "", indexOf(caseId));
  return { checkId, consumer, tokenOf };
}

describe("a canary message that outruns its probe's answer", () => {
  it("is kept, then confirms the relay once the answer shows its case accepted", async () => {
    const { checkId, consumer, tokenOf } = await checkWithRunningVantage();
    expect(await deliver({ to: `${tokenOf("canary-sender")}@${CANARY_DOMAIN}` })).toEqual([]);
    // Nothing is proven yet: the answer may still show the case refused.
    expect(await deliveryCount(checkId)).toBe(1);
    expect((await getCheck(checkId)).proof).not.toBe("confirmed");

    expect(await standIn.release(checkId, FRA, { kind: "result", verdict: "open" })).toBe(true);
    await consumer;
    const report = await getCheck(checkId);
    expect(report).toMatchObject({ verdict: "open", proof: "confirmed" });
    const delivered = reportVantages(report)
      .flatMap((vantage) => vantage.cases)
      .filter((probeCase) => probeCase.delivery?.status === "confirmed");
    expect(delivered.map((probeCase) => probeCase.id)).toEqual(["canary-sender"]);
  });

  it("is dropped, and logged, when the answer shows its case refused", async () => {
    const { checkId, consumer, tokenOf } = await checkWithRunningVantage();
    const token = tokenOf("null-sender");
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    const warn = vi.spyOn(console, "warn");
    expect(await standIn.release(checkId, FRA, { kind: "result", verdict: "closed" })).toBe(true);
    await consumer;
    expect(warn.mock.calls.flat().join("\n")).toContain(`canary mail dropped: ${token}`);
    warn.mockRestore();
    expect(await deliveryCount(checkId)).toBe(0);
    // Nothing was accepted, so there is nothing to prove: the report shows no proof state.
    expect(await getCheck(checkId)).toMatchObject({ verdict: "closed", proof: null });
  });

  it("is rejected when its nonce belongs to no running probe", async () => {
    const { checkId, consumer, tokenOf } = await checkWithRunningVantage();
    const wrongNonce = tokenOf("canary-sender").replace(/^rw-[a-z0-9]+-/, "rw-aaaaaaaaaaaa-");
    expect(await deliver({ to: `${wrongNonce}@${CANARY_DOMAIN}` })).toEqual([
      "unknown Relaywatch test token",
    ]);
    expect(await standIn.release(checkId, FRA, { kind: "result", verdict: "open" })).toBe(true);
    await consumer;
    // Once the probe has answered, its nonce alone admits nothing: only an accepted case does.
    expect(await deliver({ to: `${tokenOf("null-sender")}@${CANARY_DOMAIN}` })).toEqual([
      "unknown Relaywatch test token",
    ]);
    expect(await deliveryCount(checkId)).toBe(0);
  });
});
