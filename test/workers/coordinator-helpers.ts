import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../../workers/coordinator/index.ts";
import type { ProbeMessage } from "../../workers/coordinator/src/checks/messages.ts";
import type { checkReport } from "../../workers/coordinator/src/checks/report.ts";
import { listVantages, openDatabase } from "../../workers/coordinator/src/db/repository.ts";
import {
  type CoordinatorConfig,
  type CoordinatorEnv,
  type CoordinatorVariableName,
  readConfig,
} from "../../workers/coordinator/src/env.ts";
import {
  PROBE_QUEUE_NAME,
  type RecordedCall,
  type ScriptedAnswer,
  STAND_IN_CONTROL,
} from "./coordinator-env.ts";

/** Helpers of the coordinator tests (test/workers/coordinator-*.test.ts). */

export const db = openDatabase(env.DB);
export type CheckReport = ReturnType<typeof checkReport>;
/** Bindings, and variables (secrets too) as text or unset, as readConfig reads them. */
export type EnvOverrides = { [K in keyof CoordinatorEnv]?: CoordinatorEnv[K] | undefined } & {
  [K in CoordinatorVariableName]?: string | undefined;
};

const ORIGIN = "https://coordinator.relaywatch.test";

/** A request to the coordinator through its real entrypoint (the config's `main`). */
export function callMain(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
}

/**
 * A request to the coordinator's fetch handler with the configured bindings changed: how a
 * test sees another configuration, which the shared Miniflare bindings cannot give per test.
 */
export async function callWithEnv(
  path: string,
  init: RequestInit,
  overrides: EnvOverrides,
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${ORIGIN}${path}`, init),
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** Asserts the stable error shape: exactly `{ code, message }`, as JSON. */
export async function expectApiError(
  response: Response,
  status: number,
  code: string,
  message?: RegExp | string,
): Promise<string> {
  const body = (await response.json()) as Record<string, unknown>;
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(Object.keys(body).sort()).toEqual(["code", "message"]);
  expect(body.message).toEqual(expect.any(String));
  if (message !== undefined) expect(body.message).toMatch(message);
  return body.message as string;
}

/** A Queue binding that records what is sent, then hands it on to the real one. */
export function recordingQueue<Body>(real: Queue<Body>, sent: Body[]): Queue<Body> {
  return {
    metrics: () => real.metrics(),
    send: (body, options) => {
      sent.push(body);
      return real.send(body, options);
    },
    sendBatch: (messages, options) => {
      const list = [...messages];
      sent.push(...list.map((message) => message.body));
      return real.sendBatch(list, options);
    },
  };
}

export interface Created {
  response: Response;
  body: { id: string; status: string; location: string };
  /** The messages this request put on the probe queue. */
  messages: ProbeMessage[];
}

/** POST /api/v1/checks, recording the queue messages it sends. */
export async function createCheck(
  request: unknown,
  headers: Record<string, string> = {},
  overrides: EnvOverrides = {},
): Promise<Created> {
  const messages: ProbeMessage[] = [];
  const response = await callWithEnv("/api/v1/checks", postJson(request, headers), {
    PROBE_QUEUE: recordingQueue(env.PROBE_QUEUE, messages),
    ...overrides,
  });
  const body = (await response.clone().json()) as Created["body"];
  return { response, body, messages };
}

/** GET /api/v1/checks/:id through the real entrypoint. */
export async function getCheck(id: string): Promise<CheckReport> {
  const response = await callMain(`/api/v1/checks/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as CheckReport;
}

let messageSequence = 0;

/** Runs the coordinator's queue consumer on these messages, as the queue would deliver them. */
export async function runQueue(messages: ProbeMessage[], overrides: EnvOverrides = {}) {
  const batch = createMessageBatch<ProbeMessage>(
    PROBE_QUEUE_NAME,
    messages.map((body) => {
      messageSequence += 1;
      return { id: `message-${messageSequence}`, timestamp: new Date(), attempts: 1, body };
    }),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...overrides } as CoordinatorEnv, ctx);
  const result = await getQueueResult(batch, ctx);
  return { ids: batch.messages.map((message) => message.id), result };
}

/** Runs one of the cron's tasks with the config its env gives, as `scheduled()` does. */
export function runTask<T>(
  task: (env: CoordinatorEnv, now: number, config: CoordinatorConfig) => Promise<T>,
  taskEnv: CoordinatorEnv,
  now: number,
): Promise<T> {
  return task(taskEnv, now, readConfig(taskEnv));
}

/** Runs the coordinator's cron handler (the sweeper). */
export async function runScheduled(): Promise<void> {
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);
}

export async function vantageRows(checkId: string) {
  return listVantages(db, checkId);
}

/** Moves a check's deadline into the past, as if its time had run out. */
export async function expireDeadline(checkId: string): Promise<void> {
  const { meta } = await env.DB.prepare("update checks set deadline_at = ? where id = ?")
    .bind(Date.now() - 1_000, checkId)
    .run();
  expect(meta.changes).toBe(1);
}

/** Moves a check's creation `ms` into the past, its deadline with it, as if it had waited so long. */
export async function backdateCheck(checkId: string, ms: number): Promise<void> {
  const { meta } = await env.DB.prepare(
    "update checks set created_at = created_at - ?1, deadline_at = ?2 where id = ?3",
  )
    .bind(ms, Date.now() - 1_000, checkId)
    .run();
  expect(meta.changes).toBe(1);
}

export async function countRows(table: "checks" | "vantage_results"): Promise<number> {
  const row = await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Asserts the request stored no check and no vantage, so nothing was queued or contacted. */
export async function expectNothingStored<T>(request: () => Promise<T>): Promise<T> {
  const before = [await countRows("checks"), await countRows("vantage_results")];
  const result = await request();
  expect([await countRows("checks"), await countRows("vantage_results")]).toEqual(before);
  return result;
}

/** The stand-in probe nodes' control endpoint (test/workers/probe-node-stand-in.ts). */
export const standIn = {
  async script(checkId: string, answers: Record<string, ScriptedAnswer>): Promise<void> {
    const response = await fetch(`${STAND_IN_CONTROL}/script`, postJson({ checkId, answers }));
    expect(response.status).toBe(200);
  },
  async release(checkId: string, nodeId: string, answer: ScriptedAnswer): Promise<boolean> {
    const response = await fetch(
      `${STAND_IN_CONTROL}/release`,
      postJson({ checkId, nodeId, answer }),
    );
    return ((await response.json()) as { released: boolean }).released;
  },
  async calls(checkId: string): Promise<RecordedCall[]> {
    const response = await fetch(`${STAND_IN_CONTROL}/calls?checkId=${checkId}`);
    return (await response.json()) as RecordedCall[];
  },
  /** Stops or restarts a node (only REGISTRY_ONLY_NODES: other files share the stand-in). */
  async setDown(nodeId: string, isDown: boolean): Promise<void> {
    const response = await fetch(`${STAND_IN_CONTROL}/down`, postJson({ nodeId, isDown }));
    expect(response.status).toBe(200);
  },
  /** Polls until the stand-in has received `count` calls for the check. */
  async waitForCalls(checkId: string, count: number): Promise<RecordedCall[]> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const calls = await this.calls(checkId);
      if (calls.length >= count) return calls;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the stand-in did not get ${count} calls for ${checkId}`);
  },
};

/** The vantages of a report, flattened: one entry per (MX host, address, node). */
export function reportVantages(report: CheckReport) {
  return report.mxHosts.flatMap((mxHost) =>
    mxHost.addresses.flatMap((address) =>
      address.vantages.map((vantage) => ({
        mxHost: mxHost.host,
        address: address.address,
        ...vantage,
      })),
    ),
  );
}
