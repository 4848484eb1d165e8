/**
 * Issue 8, item 5, at the coordinator: a node's answer is read with a cap, an answer that cannot
 * be stored becomes an inconclusive vantage with the reason (never a queue retry, which would
 * make the node probe the target again), and a server's control characters are escaped in the
 * API, the page and the CSV alike.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { csvCell } from "../../workers/coordinator/src/batches/csv.ts";
import { TEST_NODES } from "./coordinator-env.ts";
import {
  callMain,
  createCheck,
  getCheck,
  reportVantages,
  runQueue,
  standIn,
} from "./coordinator-helpers.ts";

const [FRA, IAD, SIN] = TEST_NODES.map((node) => node.id) as [string, string, string];
const OSC52 = "\x1b]52;c;ZXZpbA==\x07";

async function loopbackCheck() {
  const created = await createCheck({ host: "127.0.0.1", port: 2525 });
  expect(created.response.status).toBe(202);
  return created;
}

afterEach(async () => {
  await env.DB.exec("drop trigger if exists refuse_answers");
});

describe("answers the coordinator cannot take", () => {
  it("reads no more than its cap of an answer: the vantage is inconclusive, and no retry", async () => {
    const { body, messages } = await loopbackCheck();
    const huge = JSON.stringify({ padding: "x".repeat(1_200_000) });
    await standIn.script(body.id, {
      [FRA]: { kind: "raw", status: 200, body: huge },
      [IAD]: { kind: "result", verdict: "closed" },
      [SIN]: { kind: "result", verdict: "closed" },
    });
    const { result } = await runQueue(messages);
    expect(result.retryMessages).toEqual([]);
    const fra = reportVantages(await getCheck(body.id)).find((v) => v.node === FRA);
    expect(fra).toMatchObject({ status: "failed", verdict: "inconclusive" });
    expect(fra?.reason).toMatch(/sent an answer over \d+ bytes/);
    expect((await standIn.calls(body.id)).filter((call) => call.nodeId === FRA)).toHaveLength(1);
  });

  it("turns an answer D1 refuses into an inconclusive vantage with the reason, never a retry", async () => {
    const { body, messages } = await loopbackCheck();
    await standIn.script(
      body.id,
      Object.fromEntries([FRA, IAD, SIN].map((id) => [id, { kind: "result", verdict: "closed" }])),
    );
    // As D1 refuses a row that is too big (SQLITE_TOOBIG), here for every stored answer.
    await env.DB.exec(
      "create trigger refuse_answers before update of outcomes on vantage_results when new.outcomes is not null begin select raise(abort, 'string or blob too big'); end",
    );
    const { result } = await runQueue(messages);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.length).toBe(messages.length);
    const report = await getCheck(body.id);
    // Every vantage failed, so the check did; it is finished, not left pending.
    expect(report).toMatchObject({ status: "failed", verdict: "inconclusive" });
    for (const vantage of reportVantages(report)) {
      expect(vantage.status).toBe("failed");
      expect(vantage.reason).toMatch(/answered, but its answer could not be stored/);
    }
    // One call per vantage: nothing probed the target a second time.
    expect(await standIn.calls(body.id)).toHaveLength(3);
  });
});

describe("what a server said, as the API, the page and the CSV show it", () => {
  it("escapes terminal escapes, NUL and bidi overrides the one way", async () => {
    const { body, messages } = await loopbackCheck();
    const hostile = `${OSC52} relay denied\x00 \u202egnp.exe`;
    await standIn.script(
      body.id,
      Object.fromEntries(
        [FRA, IAD, SIN].map((id) => [
          id,
          { kind: "result", verdict: "closed", replyText: hostile },
        ]),
      ),
    );
    await runQueue(messages);
    const escaped = "\\x1b]52;c;ZXZpbA==\\x07 relay denied\\x00 \\u202egnp.exe";
    const api = await (await callMain(`/api/v1/checks/${body.id}`)).text();
    const report = await (await callMain(`/report/${body.id}`)).text();
    // The page shows a reply where a case's exchange opens from its cell of the matrix.
    const cell = /<td class="c c-refused"><a href="([^"]+)"/.exec(report)?.[1] ?? "";
    const page = await (await callMain(cell)).text();
    for (const text of [api, report, page]) {
      expect(text).not.toContain("\x1b");
      expect(text).not.toContain("\u202e");
      expect(text).not.toContain("\\u0000");
      expect(text).not.toContain("\\u001b");
    }
    const vantage = reportVantages(JSON.parse(api))[0];
    expect(vantage?.banner).toContain(escaped);
    expect(vantage?.cases.find((c) => c.outcome === "refused")?.reply?.text).toBe(escaped);
    expect(page).toContain("\\x1b]52;c;ZXZpbA==\\x07 relay denied");
    expect(csvCell(hostile)).toBe(escaped);
  });
});
