import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { messagesFor } from "../../workers/coordinator/src/i18n/index.ts";
import { insertCheck, uniqueDomain } from "./badge-fixtures.ts";
import { callMain, getCheck, reportVantages } from "./coordinator-helpers.ts";

/**
 * Words that blame the right party (issue 14) in the API report and on the page: an
 * inconclusive result says what the server did, that this is no failure of its relay
 * protection, and what its administrator can do.
 */

const BLOCKED =
  "the server refused our client at the greeting (554 5.7.1 not accepting connections from your network); test from another network";

async function blockedCheck(): Promise<string> {
  const id = await insertCheck({
    domain: uniqueDomain("blocked"),
    verdict: "inconclusive",
    addresses: ["127.0.0.40"],
  });
  await env.DB.batch([
    env.DB.prepare("update checks set reason = ? where id = ?").bind(
      `mx 127.0.0.40: ${BLOCKED}`,
      id,
    ),
    env.DB.prepare("update vantage_results set reason = ? where check_id = ?").bind(BLOCKED, id),
  ]);
  return id;
}

describe("an inconclusive report", () => {
  it("says in the API what the server did, that it is no relay failure, and what to do", async () => {
    const report = await getCheck(await blockedCheck());
    const en = messagesFor("en").couldNotTest;
    const expected = {
      kind: "blocked",
      serverDid: en.kinds.blocked.serverDid,
      notAFailure: en.notAFailure,
      whatToDo: en.kinds.blocked.whatToDo,
    };
    expect(report.couldNotTest).toEqual(expected);
    for (const vantage of reportVantages(report)) expect(vantage.couldNotTest).toEqual(expected);
    expect(en.kinds.blocked.whatToDo).toContain("/about/probes");
  });

  it("says it on the page, in English and in Japanese, with the link to our probes", async () => {
    const id = await blockedCheck();
    for (const language of ["en", "ja"] as const) {
      const response = await callMain(`/report/${id}?lang=${language}`);
      expect(response.status).toBe(200);
      const html = await response.text();
      const t = messagesFor(language).couldNotTest;
      expect(html).toContain(t.notAFailure.replaceAll("'", "&#39;"));
      expect(html).toContain(t.kinds.blocked.whatToDo.slice(0, 30));
      expect(html).toContain('href="/about/probes"');
    }
  });

  it("adds nothing to a decided verdict", async () => {
    const id = await insertCheck({ domain: uniqueDomain("closed"), addresses: ["127.0.0.41"] });
    const report = await getCheck(id);
    expect(report.couldNotTest).toBeNull();
    const html = await (await callMain(`/report/${id}`)).text();
    expect(html).not.toContain(messagesFor("en").couldNotTest.notAFailure);
  });
});
