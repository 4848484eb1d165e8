import { describe, expect, it } from "vitest";
import { TEST_NODES } from "./coordinator-env.ts";
import {
  callMain,
  callWithEnv,
  countRows,
  expectApiError,
  postJson,
} from "./coordinator-helpers.ts";

/**
 * The coordinator's HTTP API: request validation, guard refusals and error shapes, through the
 * configured `main` entrypoint. Nothing here gets as far as a probe call: every refused request
 * is checked to have stored (and so queued) nothing.
 */

const CHECKS = "/api/v1/checks";

/** Asserts the request stored no check and no vantage, so nothing was queued or contacted. */
async function expectNothingStored<T>(request: () => Promise<T>): Promise<T> {
  const before = [await countRows("checks"), await countRows("vantage_results")];
  const result = await request();
  expect([await countRows("checks"), await countRows("vantage_results")]).toEqual(before);
  return result;
}

describe("POST /api/v1/checks validation", () => {
  it("refuses malformed JSON", async () => {
    const response = await expectNothingStored(() =>
      callMain(CHECKS, postJson('{"host": "127.0.0.1",')),
    );
    await expectApiError(response, 400, "invalid_json", "the body is not valid JSON");
  });

  it("refuses a body over 64 KiB, declared or streamed without a length, and stores nothing", async () => {
    const oversized = JSON.stringify({ host: "127.0.0.1", pad: "x".repeat(70 * 1024) });
    const declared = await expectNothingStored(() => callMain(CHECKS, postJson(oversized)));
    await expectApiError(declared, 400, "body_too_large", /65536 bytes/);
    // A chunked body says nothing about its size: the reader must stop at the limit by itself.
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const streamed = await expectNothingStored(() =>
      callMain(CHECKS, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: endless,
        duplex: "half",
      } as RequestInit),
    );
    await expectApiError(streamed, 400, "body_too_large", /65536 bytes/);
    expect(sent).toBeLessThan(10);
  });

  it("refuses a body that is not application/json", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", ""]) {
      const response = await callMain(CHECKS, {
        method: "POST",
        headers: contentType ? { "content-type": contentType } : {},
        body: JSON.stringify({ host: "127.0.0.1" }),
      });
      await expectApiError(response, 415, "unsupported_media_type", /application\/json/);
    }
  });

  it("refuses unknown fields and names them", async () => {
    const host = await callMain(CHECKS, postJson({ host: "127.0.0.1", priority: "high" }));
    await expectApiError(host, 400, "invalid_request", /unknown field\(s\) priority/);
    const domain = await callMain(CHECKS, postJson({ domain: "open.lab.test", callback: "x" }));
    await expectApiError(domain, 400, "invalid_request", /unknown field\(s\) callback/);
  });

  it("refuses a port sent as a string", async () => {
    const message = await expectApiError(
      await callMain(CHECKS, postJson({ host: "127.0.0.1", port: "25" })),
      400,
      "invalid_request",
    );
    expect(message).toBe("port: Invalid input: expected number, received string");
  });

  it("refuses both, and neither, of domain and host", async () => {
    const both = await callMain(CHECKS, postJson({ domain: "open.lab.test", host: "127.0.0.1" }));
    await expectApiError(both, 400, "invalid_request", /unknown field\(s\) host/);
    for (const body of [{}, { port: 25 }, [], "127.0.0.1"]) {
      const response = await callMain(CHECKS, postJson(JSON.stringify(body)));
      await expectApiError(response, 400, "invalid_request", /send either \{"domain"/);
    }
  });

  it("refuses an unknown case id", async () => {
    const response = await callMain(
      CHECKS,
      postJson({ host: "127.0.0.1", cases: ["null-sender", "no-such-case"] }),
    );
    await expectApiError(response, 400, "invalid_request", /^cases: unknown case id/);
  });

  it("refuses an Idempotency-Key that is not printable ASCII", async () => {
    const response = await expectNothingStored(() =>
      callMain(CHECKS, postJson({ host: "127.0.0.1" }, { "idempotency-key": "x".repeat(129) })),
    );
    await expectApiError(response, 400, "invalid_idempotency_key");
  });
});

describe("POST /api/v1/checks guard refusals", () => {
  it("refuses a private address", async () => {
    const response = await expectNothingStored(() =>
      callMain(CHECKS, postJson({ host: "10.0.0.1" })),
    );
    await expectApiError(response, 400, "forbidden_target", /10\.0\.0\.1 is a private address/);
  });

  it("refuses loopback in another spelling unless ALLOW_LOOPBACK_TARGETS is exactly true", async () => {
    for (const flag of [undefined, "false", "1", "TRUE", "yes"]) {
      const response = await expectNothingStored(() =>
        callWithEnv(CHECKS, postJson({ host: "0x7f000001" }), { ALLOW_LOOPBACK_TARGETS: flag }),
      );
      await expectApiError(
        response,
        400,
        "forbidden_target",
        /0x7f000001 means 127\.0\.0\.1, which is a loopback address/,
      );
    }
  });

  it("refuses a domain whose only MX has a private address", async () => {
    const response = await expectNothingStored(() =>
      callMain(CHECKS, postJson({ domain: "private.example" })),
    );
    await expectApiError(
      response,
      400,
      "forbidden_target",
      /^mx\.private\.example: 192\.168\.1\.10 is a private address/,
    );
  });

  it("refuses a domain whose only MX has a documentation address", async () => {
    const response = await expectNothingStored(() =>
      callMain(CHECKS, postJson({ domain: "docs.example", port: 80 })),
    );
    await expectApiError(
      response,
      400,
      "forbidden_target",
      /^mx\.docs\.example: 192\.0\.2\.25 is a documentation address/,
    );
  });

  it("refuses port 80 on a public address", async () => {
    const response = await expectNothingStored(() =>
      callMain(CHECKS, postJson({ host: "public-looking.example", port: 80 })),
    );
    await expectApiError(
      response,
      400,
      "forbidden_target",
      /^public-looking\.example: Port 80 is not allowed/,
    );
  });

  it("answers 503 no_vantage when the guard allows a port no node may reach", async () => {
    // 2525 passes the guard, but no configured node lists it (only loopback ignores ports).
    expect(TEST_NODES.every((node) => !node.ports.includes(2525))).toBe(true);
    const response = await expectNothingStored(() =>
      callMain(CHECKS, postJson({ host: "public-looking.example", port: 2525 })),
    );
    await expectApiError(response, 503, "no_vantage", "no probe node may reach port 2525");
  });

  it("refuses a URL, an email address and a host with a port as invalid_host", async () => {
    for (const host of ["http://mx.example.org/", "postmaster@example.org", "mx.example.org:25"]) {
      const response = await callMain(CHECKS, postJson({ host }));
      await expectApiError(response, 400, "invalid_host");
    }
  });
});

describe("errors outside validation", () => {
  it("answers 404 not_found for an unknown check", async () => {
    const response = await callMain(`${CHECKS}/no-such-check`);
    await expectApiError(response, 404, "not_found", "no check no-such-check");
  });

  it("answers 404 JSON for unknown routes and methods", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/nothing-here"],
      ["DELETE", `${CHECKS}/some-id`],
      ["PUT", CHECKS],
    ] as const) {
      const response = await callMain(path, { method });
      await expectApiError(response, 404, "not_found", `no route for ${method} ${path}`);
    }
  });

  it("answers 503 misconfigured for a broken PROBE_NODES, NODE_SECRETS or secret", async () => {
    const secretsOf = (nodes: typeof TEST_NODES) =>
      Object.fromEntries(nodes.map((node) => [node.id, node.secret]));
    const nodeOf = ({ secret: _secret, ...node }: (typeof TEST_NODES)[number]) => node;
    const [first, ...rest] = TEST_NODES;
    if (!first) throw new Error("no test nodes");
    const withoutSecret = JSON.stringify(
      Object.fromEntries(rest.map((node) => [node.id, node.secret])),
    );
    const broken: [Record<string, string>, RegExp][] = [
      [{ PROBE_NODES: "[{" }, /^PROBE_NODES is not valid JSON$/],
      [{ PROBE_NODES: '[{"id": "x"}]' }, /^PROBE_NODES is not a valid node list/],
      [{ NODE_SECRETS: '{"node-fra": "short"}' }, /^NODE_SECRETS must map node ids/],
      [{ NODE_SECRETS: withoutSecret }, new RegExp(`^no secret for node\\(s\\): ${first.id}$`)],
      // Issue 8: 16 characters were accepted; nodes themselves demand 32.
      [
        { NODE_SECRETS: JSON.stringify({ ...secretsOf(TEST_NODES), [first.id]: "x".repeat(16) }) },
        /^NODE_SECRETS must map node ids to secrets of 32\+ characters$/,
      ],
      [
        { PROBE_NODES: JSON.stringify([{ ...nodeOf(first), url: "http://fra.probe.example" }]) },
        /must be reached over https/,
      ],
      [{ WEBHOOK_SIGNING_SECRET: "short-secret" }, /^WEBHOOK_SIGNING_SECRET must be at least 32/],
      [{ PROOF_SECRET: "short-secret" }, /^PROOF_SECRET must be at least 32/],
    ];
    for (const [overrides, message] of broken) {
      for (const [path, init] of [
        [CHECKS, postJson({ host: "127.0.0.1" })],
        [`${CHECKS}/some-id`, {}],
      ] as const) {
        const response = await expectNothingStored(() => callWithEnv(path, init, overrides));
        await expectApiError(response, 503, "misconfigured", message);
      }
    }
  });
});
