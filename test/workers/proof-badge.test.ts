import { describe, expect, it } from "vitest";
import { CANARY_DOMAIN, TEST_NODES } from "./coordinator-env.ts";
import { callMain, createCheck, getCheck, runQueue, standIn } from "./coordinator-helpers.ts";
import { deliver, PUBLIC_ORIGIN, tokenOf } from "./proof-fixtures.ts";

async function badgeText(domain: string): Promise<string> {
  const response = await callMain(`/badge/${domain}.svg`);
  expect(response.status).toBe(200);
  return response.text();
}

describe("the badge of a relay proven by delivery", () => {
  it("says OPEN until the canary message arrives, then OPEN (confirmed)", async () => {
    const created = await createCheck({ domain: "open.lab.test", proof: true });
    expect(created.response.status).toBe(202);
    await standIn.script(
      created.body.id,
      Object.fromEntries(
        TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "open" } as const]),
      ),
    );
    await runQueue(created.messages, { PUBLIC_ORIGIN });
    const calls = await standIn.calls(created.body.id);
    // Nine vantages share the cap of ten messages: ten in all, never one more.
    const shares = calls.map(
      (call) => (call.body as { proof: { maxMessages: number } }).proof.maxMessages,
    );
    expect(shares).toHaveLength(9);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBe(10);

    expect(await badgeText("open.lab.test")).toContain(">OPEN<");
    const token = await tokenOf(created.body.id, "accepted");
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    expect((await getCheck(created.body.id)).verdictLabel).toBe("open (confirmed)");
    expect(await badgeText("open.lab.test")).toContain("OPEN (confirmed)");
  });
});
