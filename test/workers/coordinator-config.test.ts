/**
 * The coordinator's configuration (workers/coordinator/src/env.ts): every variable is parsed once
 * into one typed config, and a bad value fails every entry point the same way, naming the
 * variable and never its value. And the queue dispatch: an unknown queue is an error, not the
 * probe consumer's to drop.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers/coordinator/index.ts";
import { type CoordinatorEnv, readConfig } from "../../workers/coordinator/src/env.ts";
import { PROBE_QUEUE_NAME } from "./coordinator-env.ts";
import {
  callWithEnv,
  type EnvOverrides,
  expectApiError,
  expectNothingStored,
  postJson,
} from "./coordinator-helpers.ts";

/** Marks a value that must never come back in an answer or a log line. */
const MARK = "zq-value-mark";

/** One bad value of each kind, each with the variable the error must name. */
const BAD_VALUES: [EnvOverrides, string][] = [
  [{ PROBE_TIME_BUDGET_MS: `${MARK}` }, "PROBE_TIME_BUDGET_MS"],
  [{ PROBE_TIME_BUDGET_MS: "4999" }, "PROBE_TIME_BUDGET_MS"],
  [{ TARGET_COOLDOWN_SECONDS: "5m" }, "TARGET_COOLDOWN_SECONDS"],
  [{ ANON_CHECKS_PER_MINUTE: "0" }, "ANON_CHECKS_PER_MINUTE"],
  [{ BADGE_RECHECK_HOURS: "1.5" }, "BADGE_RECHECK_HOURS"],
  [{ PROOF_WINDOW_SECONDS: "-1" }, "PROOF_WINDOW_SECONDS"],
  [{ PROOF_LATE_ARRIVAL_SECONDS: "1e3" }, "PROOF_LATE_ARRIVAL_SECONDS"],
  [{ TRANSCRIPT_RETENTION_DAYS: "0" }, "TRANSCRIPT_RETENTION_DAYS"],
  [{ OUTCOME_RETENTION_DAYS: "forever" }, "OUTCOME_RETENTION_DAYS"],
  [{ SERVICE_DOMAIN: `${MARK} example` }, "SERVICE_DOMAIN"],
  [{ ABUSE_CONTACT: MARK }, "ABUSE_CONTACT"],
  [{ PUBLIC_ORIGIN: `ftp://${MARK}.example` }, "PUBLIC_ORIGIN"],
  [{ DOH_ENDPOINT: MARK }, "DOH_ENDPOINT"],
  [{ ALLOW_LOOPBACK_TARGETS: "yes" }, "ALLOW_LOOPBACK_TARGETS"],
  [{ PROBE_NODES: `[${MARK}` }, "PROBE_NODES"],
  // Secrets: a short one is refused without a word of what it was.
  [{ PROOF_SECRET: MARK }, "PROOF_SECRET"],
  [{ WEBHOOK_SIGNING_SECRET: MARK }, "WEBHOOK_SIGNING_SECRET"],
  [{ NODE_SECRET_KEY: MARK }, "NODE_SECRET_KEY"],
  [{ NODE_SECRETS: `{"node-fra": "${MARK}"}` }, "NODE_SECRETS.node-fra"],
  [{ NODE_SECRETS: `{${MARK}` }, "NODE_SECRETS"],
  [{ TURNSTILE_SITE_KEY: MARK }, "TURNSTILE_SECRET_KEY"],
];

function badEnv(overrides: EnvOverrides): CoordinatorEnv {
  return { ...env, ...overrides } as CoordinatorEnv;
}

/** What the coordinator logged with console.error while `run` ran. */
async function errorsLoggedBy(run: () => Promise<unknown>): Promise<string> {
  const logged = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    await run();
    return logged.mock.calls.map((call) => call.map(String).join(" ")).join("\n");
  } finally {
    logged.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("a bad variable", () => {
  it.each(BAD_VALUES)(
    "%o answers 503 misconfigured on the API, the page and the badge, naming %s, never the value",
    async (overrides, name) => {
      for (const [path, init] of [
        ["/api/v1/checks", postJson({ host: "127.0.0.1" })],
        ["/api/v1/limits", {}],
        ["/", {}],
        ["/badge/example.com.svg", {}],
      ] as const) {
        let message = "";
        const logged = await errorsLoggedBy(async () => {
          const response = await expectNothingStored(() => callWithEnv(path, init, overrides));
          message = await expectApiError(response, 503, "misconfigured");
        });
        expect(message.startsWith(`${name}: `), `${path}: ${message}`).toBe(true);
        expect(message).not.toContain(MARK);
        expect(logged).toContain(`configuration invalid: ${message}`);
        expect(logged).not.toContain(MARK);
      }
    },
  );

  it("fails the queue consumer and the cron too, unacknowledged and logged", async () => {
    const broken = badEnv({ PROOF_WINDOW_SECONDS: "ten minutes" });
    const batch = createMessageBatch(PROBE_QUEUE_NAME, [
      {
        id: "config-1",
        timestamp: new Date(),
        attempts: 1,
        body: { checkId: "c", vantageId: "v" },
      },
    ]);
    const ctx = createExecutionContext();
    const logged = await errorsLoggedBy(async () => {
      await expect(worker.queue(batch, broken, ctx)).rejects.toThrow(/^PROOF_WINDOW_SECONDS: /);
      await expect(
        worker.scheduled(createScheduledController({ cron: "* * * * *" }), broken),
      ).rejects.toThrow(/^PROOF_WINDOW_SECONDS: /);
    });
    expect(logged).toMatch(/configuration invalid: PROOF_WINDOW_SECONDS: /);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
  });

  it("reads the same config from text as wrangler gives it, defaults for what is unset", () => {
    const config = readConfig(
      badEnv({
        PROOF_WINDOW_SECONDS: "",
        BADGE_RECHECK_HOURS: undefined,
        PUBLIC_ORIGIN: "https://relaywatch.example//",
        SERVICE_DOMAIN: "Relaywatch.Example",
      }),
    );
    expect(config).toMatchObject({
      proofWindowMs: 600_000,
      badgeRecheckMs: 24 * 60 * 60 * 1000,
      publicOrigin: "https://relaywatch.example",
      service: { serviceDomain: "relaywatch.example", abuseContact: "abuse@relaywatch.example" },
      allowLoopback: true,
      turnstile: "off",
    });
  });
});

describe("queue dispatch", () => {
  it("fails loudly on a queue it has no consumer for, acknowledging nothing", async () => {
    const batch = createMessageBatch("relaywatch-unknown", [
      { id: "unknown-1", timestamp: new Date(), attempts: 1, body: { anything: true } },
    ]);
    const ctx = createExecutionContext();
    const logged = await errorsLoggedBy(() =>
      expect(worker.queue(batch, env, ctx)).rejects.toThrow(
        "no consumer for queue relaywatch-unknown",
      ),
    );
    expect(logged).toContain("no consumer for queue relaywatch-unknown");
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.ackAll).toBe(false);
  });
});
