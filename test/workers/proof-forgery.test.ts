/**
 * Issue 8, item 1: canary tokens are public (every RCPT TO in a report), so mail naming a token
 * must not confirm anything. Each message here is built as an attacker would: a token read from
 * the API, sent straight to the canary domain from an unrelated host, with no Received chain.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/coordinator/index.ts";
import { CANARY_DOMAIN, TEST_NODES } from "./coordinator-env.ts";
import { callMain, createCheck, getCheck, runQueue, standIn } from "./coordinator-helpers.ts";
import {
  canaryMessage,
  closeProofWindow,
  deliver,
  deliveryCount,
  genuineProof,
  PUBLIC_ORIGIN,
  provenCheck,
} from "./proof-fixtures.ts";

/** The token of the accepted case, read as anyone can: from the public report. */
async function publicToken(checkId: string): Promise<string> {
  const report = await getCheck(checkId);
  const accepted = report.mxHosts
    .flatMap((host) => host.addresses.flatMap((address) => address.vantages))
    .flatMap((vantage) => vantage.cases)
    .find((probeCase) => probeCase.outcome === "accepted");
  const token = /rw-[a-z0-9]+-[a-z0-9]+/.exec(accepted?.rcptTo ?? "")?.[0];
  if (!token) throw new Error("no accepted case with a token in the report");
  return token;
}

async function badgeOf(domain: string): Promise<string> {
  return (await callMain(`/badge/${domain}.svg`)).text();
}

describe("a forged confirmation", () => {
  it("does not turn a catch-all (suspect) server into open (confirmed), nor its badge", async () => {
    const created = await createCheck({ domain: "implicit.example", proof: true });
    await standIn.script(
      created.body.id,
      Object.fromEntries(
        TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "suspect" }]),
      ),
    );
    await runQueue(created.messages, { PUBLIC_ORIGIN });
    expect((await getCheck(created.body.id)).verdictLabel).toBe("suspect");
    const token = await publicToken(created.body.id);

    const rejections = await deliver({ to: `${token}@${CANARY_DOMAIN}`, proof: null });
    expect(rejections).toEqual(["not a proven Relaywatch test message"]);
    expect(await deliveryCount(created.body.id)).toBe(0);
    expect(await getCheck(created.body.id)).toMatchObject({
      verdict: "suspect",
      verdictLabel: "suspect",
    });
    expect(await badgeOf("implicit.example")).not.toContain("confirmed");
  });

  it("does not confirm an accept-then-drop server whose window closed, with any made-up proof", async () => {
    const id = await provenCheck();
    await closeProofWindow(id);
    expect((await getCheck(id)).proof).toBe("unconfirmed");
    const token = await publicToken(id);
    const otherToken = token.replace(/-[a-z0-9]+$/, "-zz");
    for (const proof of [
      null,
      "",
      "0".repeat(32),
      // A genuine proof, but of another token.
      await genuineProof(otherToken),
      // The token itself, or its hash-looking cousins.
      token,
    ]) {
      expect(await deliver({ to: `${token}@${CANARY_DOMAIN}`, proof })).toEqual([
        "not a proven Relaywatch test message",
      ]);
    }
    expect(await deliveryCount(id)).toBe(0);
    expect(await getCheck(id)).toMatchObject({
      proof: "unconfirmed",
      verdictLabel: "open (accepted, unconfirmed)",
    });
  });

  it("refuses even a genuine message once the late-arrival time has passed", async () => {
    const id = await provenCheck();
    const token = await publicToken(id);
    // The check was created 25 hours ago: past the default 24 h.
    await env.DB.prepare("update checks set created_at = created_at - ? where id = ?")
      .bind(25 * 60 * 60 * 1000, id)
      .run();
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([
      "this Relaywatch test is over",
    ]);
    expect((await getCheck(id)).proof).not.toBe("confirmed");
  });

  it("never shows the proof: not in the report, the page or the stored delivery", async () => {
    const id = await provenCheck();
    const token = await publicToken(id);
    const proof = await genuineProof(token);
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    const report = await getCheck(id);
    expect(report.proof).toBe("confirmed");
    const page = await (await callMain(`/report/${id}`)).text();
    const stored = await env.DB.prepare("select * from canary_deliveries where check_id = ?")
      .bind(id)
      .all();
    for (const text of [JSON.stringify(report), page, JSON.stringify(stored.results)]) {
      expect(text).not.toContain(proof);
    }
  });
});

describe("hostile mail to the canary domain", () => {
  const deepMime = (depth: number) => {
    let body = "leaf\r\n";
    for (let level = depth; level > 0; level -= 1) {
      body = `--b${level}\r\nContent-Type: multipart/mixed; boundary="b${level + 1}"\r\n\r\n${body}--b${level}--\r\n`;
    }
    return body;
  };
  const manyParts = (parts: number) =>
    `${Array.from({ length: parts }, (_, index) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${index}\r\n`).join("")}--b--\r\n`;

  it.each([
    ["very deep MIME", deepMime(2_000)],
    ["5,000 parts", manyParts(5_000)],
  ])("rejects a forged message with %s without parsing it, and never throws", async (_, body) => {
    const { message, rejections } = await canaryMessage(
      {
        to: `rw-aaaaaaaaaaaa-1@${CANARY_DOMAIN}`,
        proof: null,
        headers: { "Content-Type": 'multipart/mixed; boundary="b1"' },
      },
      body,
    );
    await worker.email(message, env);
    expect(rejections).toEqual(["not a proven Relaywatch test message"]);
  });

  it.each([
    ["very deep MIME", deepMime(2_000)],
    ["5,000 parts", manyParts(5_000)],
  ])(
    "still confirms a genuine message whose body has %s: the body is never parsed",
    async (_, body) => {
      const id = await provenCheck();
      const token = await publicToken(id);
      const { message, rejections } = await canaryMessage(
        {
          to: `${token}@${CANARY_DOMAIN}`,
          headers: { "Content-Type": 'multipart/mixed; boundary="b1"' },
        },
        body,
      );
      await worker.email(message, env);
      expect(rejections).toEqual([]);
      expect((await getCheck(id)).proof).toBe("confirmed");
    },
  );
});
