/**
 * What a hosting provider does after `npm start`, on the real local network: create an API key
 * with the admin command, submit a batch by HTTP, read its results (JSON and CSV), receive a
 * signed webhook, and fetch badges for a passing and a failing lab domain.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitCheck, waitForCheck } from "../../scripts/check-client.ts";
import type { LocalNetwork } from "../../scripts/local-network.ts";
import { verifyBody } from "../../shared/auth/hmac.ts";
import { postfixAvailable } from "../lab/mta/postfix.ts";
import { adminOn, labPort, startTestNetwork } from "./network-fixture.ts";

const needsPostfix = !postfixAvailable() && !process.env.CI;

interface ReceivedHook {
  headers: Headers;
  body: string;
}

let network: LocalNetwork;
let base: string;
let hookServer: Server;
let hookUrl: string;
const received: ReceivedHook[] = [];

const admin = (...args: string[]) => adminOn(network, ...args);

const portOf = (name: string) => labPort(network, name);

async function until<T>(read: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 300));
  }
}

describe.skipIf(needsPostfix)("a hosting provider's day on the local network", () => {
  beforeAll(async () => {
    network = await startTestNetwork("users", { probeTimeBudgetMs: 10_000 });
    base = network.coordinator.url;
    hookServer = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(request.headers))
          if (typeof value === "string") headers.set(name, value);
        received.push({ headers, body: Buffer.concat(chunks).toString() });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((listening) => hookServer.listen(0, "127.0.0.1", listening));
    const address = hookServer.address();
    hookUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/relaywatch`;
  }, 180_000);

  afterAll(async () => {
    hookServer?.close();
    await network?.stop();
  });

  it("creates a key, runs a batch with a signed webhook, and reads JSON and CSV results", async () => {
    const created = await admin("create-key", "--name", "Hosting Co", "--daily-quota", "50");
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^rw_[a-z2-7]{32}$/);
    const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };

    const anonymous = await fetch(`${base}/api/v1/batches`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ domains: ["postfix-open.lab.test"] }),
    });
    expect(anonymous.status).toBe(401);

    // Every lab domain's MX is 127.0.0.1 and the lab servers differ only by port: each item
    // names its server's port, so the open Postfix and the secure one are each tested as such.
    const openPort = portOf("postfix-open");
    const securePort = portOf("postfix-secure");
    const response = await fetch(`${base}/api/v1/batches`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        domains: [
          { domain: "postfix-open.lab.test", port: openPort },
          { domain: "Postfix-Open.lab.test", port: openPort },
          { domain: "postfix-secure.lab.test", port: securePort },
          "no-such-domain.lab.test",
        ],
        webhook: hookUrl,
      }),
    });
    expect(response.status).toBe(202);
    const batch = (await response.json()) as { id: string; total: number; location: string };
    expect(batch.total).toBe(3);

    const done = await until(async () => {
      const page = (await (await fetch(`${base}${batch.location}`, { headers: auth })).json()) as {
        status: string;
        counts: Record<string, number>;
        items: {
          domain: string;
          port: number;
          status: string;
          verdict: string | null;
          error: string | null;
        }[];
      };
      return page.status === "done" ? page : null;
    }, 90_000);
    expect(done.items.map((item) => [item.domain, item.port, item.status, item.verdict])).toEqual([
      ["postfix-open.lab.test", openPort, "done", "open"],
      ["postfix-secure.lab.test", securePort, "done", "closed"],
      ["no-such-domain.lab.test", 25, "refused", null],
    ]);
    expect(done.items[2]?.error).toMatch(/no_such_domain/);

    const csv = await (
      await fetch(`${base}${batch.location}?format=csv`, { headers: auth })
    ).text();
    expect(csv.split("\r\n")[0]).toMatch(/^position,domain,port,status,/);
    expect(csv).toContain(`,postfix-open.lab.test,${openPort},done,`);
    expect(csv).toContain(`,postfix-secure.lab.test,${securePort},done,`);

    const hook = await until(
      async () => received.find((r) => r.body.includes(batch.id)) ?? null,
      30_000,
    );
    const { secret } = (await (
      await fetch(`${base}/api/v1/webhook-secret`, { headers: auth })
    ).json()) as { secret: string };
    expect(await verifyBody(secret, hook.body, hook.headers)).toBeNull();
    expect(JSON.parse(hook.body)).toMatchObject({ event: "batch.finished", id: batch.id });
  });

  it("serves a green badge for a passing lab domain and a red one for a failing domain", async () => {
    for (const [domain, target] of [
      ["postfix-secure.lab.test", "postfix-secure"],
      ["postfix-open.lab.test", "postfix-open"],
    ] as const) {
      const response = await submitCheck(base, { domain, port: portOf(target) });
      if (response.status === 202)
        await waitForCheck(base, response.headers.get("location") ?? "", 60_000);
      else expect(response.status).toBe(429);
    }
    await until(async () => {
      const text = await (await fetch(`${base}/badge/postfix-open.lab.test.svg`)).text();
      return text.includes("OPEN") ? text : null;
    }, 30_000);
    const green = await fetch(`${base}/badge/postfix-secure.lab.test.svg`);
    expect(green.headers.get("content-type")).toMatch(/image\/svg\+xml/);
    const svg = await green.text();
    expect(svg).toContain('aria-label="relay: closed"');
    expect(svg).toContain("#4c1");
    const red = await (await fetch(`${base}/badge/postfix-open.lab.test.svg`)).text();
    expect(red).toContain('aria-label="relay: OPEN"');
  });
});
