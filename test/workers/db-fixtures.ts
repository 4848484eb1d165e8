import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type { CaseResult, ProbeResult } from "../../shared/schemas/probe-result.ts";
import { ProbeResponse } from "../../shared/schemas/protocol.ts";
import { openDatabase } from "../../workers/coordinator/src/db/client.ts";
import type {
  CheckDecision,
  NewCheck,
  PlannedVantage,
  VantageRow,
} from "../../workers/coordinator/src/db/repository.ts";
import { vantageResults } from "../../workers/coordinator/src/db/schema.ts";

/** Fixtures of the D1 repository tests (test/workers/db*.test.ts). */

export const db = openDatabase(env.DB);
/** The evidence bucket (R2), as the coordinator's EVIDENCE binding. */
export const bucket = env.EVIDENCE;

// Storage is shared by the tests of this file, so every test makes its own ids.
let sequence = 0;
export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}`;
}

export const NODES = [
  { nodeId: "node-fra", region: "eu-central", network: "hetzner" },
  { nodeId: "node-iad", region: "us-east", network: "aws" },
];

export function vantagesFor(mxHost: string, mxPreference: number | null, addresses: string[]) {
  return addresses.flatMap((address) =>
    NODES.map(
      (node): PlannedVantage => ({
        id: uniqueId("vantage"),
        mxHost,
        mxPreference,
        address,
        port: 25,
        ...node,
      }),
    ),
  );
}

export function newCheck(overrides: Partial<NewCheck> = {}): NewCheck {
  const domainName = overrides.domainName === undefined ? "example.com" : overrides.domainName;
  return {
    id: uniqueId("check"),
    kind: "domain",
    target: domainName ?? "mx.example.net",
    port: 25,
    domainName,
    idempotencyKey: null,
    deadlineAt: 10_000,
    now: 1_000,
    mx: {
      hosts: [{ host: "mx1.example.com", preference: 10, addresses: ["192.0.2.10"] }],
      refused: [],
      caseIds: null,
    },
    vantages: vantagesFor("mx1.example.com", 10, ["192.0.2.10"]),
    ...overrides,
  };
}

function probeCase(index: number): CaseResult {
  return {
    id: `case-${String(index).padStart(2, "0")}`,
    mailFrom: `probe-${index}@canary.test`,
    rcptTo: `victim-${index}@foreign.test`,
    recipientKind: index % 2 === 0 ? "foreign" : "routing",
    token: `token-${index}`,
    outcome: "refused",
    step: "rcpt",
    reply: { code: 554, enhanced: "5.7.1", text: "Relay access denied" },
    note: null,
    conn: 1,
    attempts: 1,
    data: null,
  };
}

export function probeResponse(
  vantage: PlannedVantage,
  caseCount: number,
  verdict: ProbeResult["verdict"],
) {
  const node = NODES.find((candidate) => candidate.nodeId === vantage.nodeId) ?? NODES[0];
  // Parsed, so a fixture that drifts from the protocol fails here rather than deep in a test.
  return ProbeResponse.parse({
    node: {
      ...node,
      runtime: "cloudflare",
      allowedPorts: [25],
      loopbackAllowed: false,
      ehloName: `probe-${node?.region}.relaywatch.dev`,
      maxConcurrentJobs: 4,
    },
    location: { kind: "colo", name: node?.nodeId === "node-iad" ? "IAD" : "FRA" },
    result: {
      target: {
        host: vantage.mxHost,
        port: vantage.port,
        address: vantage.address,
        implicitTls: false,
      },
      names: {
        host: "probe.canary.test",
        targetDomain: "example.com",
        canaryDomain: "canary.test",
      },
      verdict,
      reason: verdict === "closed" ? "refused every case" : `saw ${verdict}`,
      startedAt: "2026-07-01T10:00:00.000Z",
      finishedAt: "2026-07-01T10:00:02.500Z",
      durationMs: 2500.4,
      banner: { code: 220, enhanced: null, text: `${vantage.mxHost} ESMTP` },
      extensions: ["PIPELINING", "STARTTLS"],
      tls: null,
      cases: Array.from({ length: caseCount }, (_, index) => probeCase(index)),
      connections: [],
      transcript: Array.from({ length: 300 }, (_, index) => ({
        at: "2026-07-01T10:00:01.000Z",
        conn: 1,
        dir: index % 2 === 0 ? "client" : "server",
        line: `line ${index}`,
      })),
    },
  });
}

/** Cases stored for a vantage: two packed characters each. */
export async function caseCount(vantageId: string): Promise<number> {
  const row = await db
    .select({ outcomes: vantageResults.outcomes })
    .from(vantageResults)
    .where(eq(vantageResults.id, vantageId))
    .get();
  return (row?.outcomes?.length ?? 0) / 2;
}

/** The keys of every evidence object stored for a check. */
export async function evidenceKeys(checkId: string): Promise<string[]> {
  const listed = await bucket.list({ prefix: `checks/${checkId}/` });
  return listed.objects.map((object) => object.key);
}

/** Worst verdict wins; enough to see what `finishCheckIfComplete` hands to `decide`. */
export function worstVerdict(vantages: VantageRow[]): CheckDecision {
  const order = ["open", "suspect", "inconclusive", "closed"] as const;
  const verdict = order.find((candidate) => vantages.some((v) => v.verdict === candidate));
  return {
    verdict: verdict ?? "inconclusive",
    reason: `${vantages.length} vantages`,
    summary: null,
  };
}

export function first<T>(items: readonly T[]): T {
  const [item] = items;
  if (item === undefined) throw new Error("expected at least one item");
  return item;
}
