import { describe, expect, it, vi } from "vitest";
import { CANARY_DOMAIN } from "./coordinator-env.ts";
import { callMain, getCheck, reportVantages, runScheduled } from "./coordinator-helpers.ts";
import {
  closeProofWindow,
  deliver,
  deliveryCount,
  provenCheck,
  RECEIVED_CHAIN,
  tokenOf,
} from "./proof-fixtures.ts";

function acceptedCase(report: Awaited<ReturnType<typeof getCheck>>) {
  const found = reportVantages(report)
    .flatMap((vantage) => vantage.cases)
    .find((probeCase) => probeCase.outcome === "accepted");
  if (!found) throw new Error("no accepted case in the report");
  return found;
}

describe("delivery proof", () => {
  it("waits for the canary message once a check with an accepted case finishes", async () => {
    const id = await provenCheck();
    const report = await getCheck(id);
    expect(report).toMatchObject({
      status: "done",
      verdict: "open",
      proof: "pending",
      verdictLabel: "open (accepted, unconfirmed)",
    });
    expect(acceptedCase(report)).toMatchObject({
      data: { code: 250, enhanced: "2.0.0", text: "Ok: queued as 4XyZ" },
      delivery: { status: "pending", receivedAt: null, receivedChain: [], mailFrom: null },
    });
    const html = await (await callMain(`/report/${id}`)).text();
    expect(html).toContain("open (accepted, unconfirmed) (awaiting delivery of the test message)");
  });

  it("confirms the relay when the message arrives, with the hosts it passed", async () => {
    const id = await provenCheck();
    const token = await tokenOf(id, "accepted");
    const rejections = await deliver({
      to: `${token}@${CANARY_DOMAIN}`,
      received: RECEIVED_CHAIN,
      headers: { "Message-ID": `<${token}@${CANARY_DOMAIN}>` },
    });
    expect(rejections).toEqual([]);

    const report = await getCheck(id);
    expect(report).toMatchObject({
      verdict: "open",
      proof: "confirmed",
      verdictLabel: "open (confirmed)",
    });
    expect(acceptedCase(report).delivery).toEqual({
      status: "confirmed",
      receivedAt: expect.any(String),
      receivedChain: RECEIVED_CHAIN,
      mailFrom: "bounce@relay.example",
      handedOverBy: "mx.relay.example (mx.relay.example [203.0.113.7])",
    });
    const html = await (await callMain(`/report/${id}`)).text();
    expect(html).toContain("open (confirmed)");
    // The delivered case's cell opens its exchange, which lists the hosts the message passed.
    const cell = /<td class="c c-delivered"><a href="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(cell).not.toBe("");
    const exchange = await (await callMain(cell)).text();
    expect(exchange).toContain("by mx.relay.example (Postfix) with ESMTP id 4XyZ");
  });

  it("says accepted but unconfirmed when the window passes without the message", async () => {
    const id = await provenCheck();
    await closeProofWindow(id);
    await runScheduled();
    const report = await getCheck(id);
    expect(report).toMatchObject({
      verdict: "open",
      proof: "unconfirmed",
      verdictLabel: "open (accepted, unconfirmed)",
    });
    expect(acceptedCase(report).delivery?.status).toBe("not-delivered");
  });

  it("turns a pending proof past its window into unconfirmed when the API reads it", async () => {
    const id = await provenCheck();
    await closeProofWindow(id);
    expect((await getCheck(id)).proof).toBe("unconfirmed");
  });

  it("upgrades an unconfirmed check when its message arrives late", async () => {
    const id = await provenCheck();
    await closeProofWindow(id);
    expect((await getCheck(id)).proof).toBe("unconfirmed");
    const token = await tokenOf(id, "accepted");
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    expect(await getCheck(id)).toMatchObject({
      proof: "confirmed",
      verdictLabel: "open (confirmed)",
    });
  });

  it("counts a message delivered twice once", async () => {
    const id = await provenCheck();
    const token = await tokenOf(id, "accepted");
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([]);
    expect(await deliveryCount(id)).toBe(1);
  });

  it("finds the token in a rewritten recipient, the token header or the Message-ID", async () => {
    const viaRouting = await provenCheck();
    const routedToken = await tokenOf(viaRouting, "accepted");
    expect(await deliver({ to: `"${routedToken}%relay.example"@${CANARY_DOMAIN}` })).toEqual([]);
    expect((await getCheck(viaRouting)).proof).toBe("confirmed");

    const viaHeader = await provenCheck();
    const headerToken = await tokenOf(viaHeader, "accepted");
    const rewritten = { to: `postmaster@${CANARY_DOMAIN}` };
    expect(await deliver({ ...rewritten, headers: { "X-Relaywatch-Token": headerToken } })).toEqual(
      [],
    );
    expect((await getCheck(viaHeader)).proof).toBe("confirmed");

    const viaMessageId = await provenCheck();
    const idToken = await tokenOf(viaMessageId, "accepted");
    expect(
      await deliver({ ...rewritten, headers: { "Message-ID": `<${idToken}@${CANARY_DOMAIN}>` } }),
    ).toEqual([]);
    expect((await getCheck(viaMessageId)).proof).toBe("confirmed");
  });
});

describe("mail that proves nothing", () => {
  it("rejects an unknown or forged token and stores nothing", async () => {
    const before = await deliveryCount();
    const rejections = await deliver({ to: `rw-forged00-1@${CANARY_DOMAIN}` });
    expect(rejections).toEqual(["unknown Relaywatch test token"]);
    expect(await deliveryCount()).toBe(before);
  });

  it("rejects the token of a refused case", async () => {
    const id = await provenCheck();
    const token = await tokenOf(id, "refused");
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([
      "unknown Relaywatch test token",
    ]);
    expect(await deliveryCount(id)).toBe(0);
    expect((await getCheck(id)).proof).toBe("pending");
  });

  it("rejects the token of a check that did not ask for proof, saying so, not that it is unknown", async () => {
    const id = await provenCheck(false);
    const token = await tokenOf(id, "accepted");
    const info = vi.spyOn(console, "info");
    expect(await deliver({ to: `${token}@${CANARY_DOMAIN}` })).toEqual([
      "this Relaywatch test did not ask for delivery proof",
    ]);
    expect(info.mock.calls.flat()).toEqual([
      `canary mail rejected: ${token}: its check did not ask for delivery proof`,
    ]);
    info.mockRestore();
    expect(await getCheck(id)).toMatchObject({
      proof: null,
      verdictLabel: "open (accepted, unconfirmed)",
    });
  });

  it("rejects mail without any token", async () => {
    const before = await deliveryCount();
    expect(await deliver({ to: `postmaster@${CANARY_DOMAIN}` })).toEqual([
      "not a Relaywatch test message",
    ]);
    expect(await deliveryCount()).toBe(before);
  });
});
