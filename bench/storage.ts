/**
 * `npm run bench:storage`: what one check costs in D1 and R2, and whether the report and history
 * queries stay fast as D1 grows. Real probe results first (the engine against the lab's simulated
 * servers), then N checks of 3 vantages stored through the coordinator's own write path
 * (createCheck, saveVantageResult, finishCheckIfComplete with its proof window) into a local D1 and R2
 * under wrangler (getPlatformProxy, migrations applied with `wrangler d1 migrations apply`), then
 * the table cloned inside D1 to 10k and 100k checks, timing the report and history reads at each.
 *
 *   npm run bench:storage [-- --checks 200]
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { getPlatformProxy } from "wrangler";
import { startSim } from "../lab/sim/index.ts";
import { randomLabel } from "../shared/probe/expand.ts";
import { runProbe } from "../shared/probe/runner.ts";
import type { ProbeResult } from "../shared/schemas/probe-result.ts";
import type { ProbeResponse } from "../shared/schemas/protocol.ts";
import { nodejsConnector } from "../shared/smtp/nodejs-stream.ts";
import { verdictHistory } from "../workers/coordinator/src/badge/store.ts";
import { decideCheck } from "../workers/coordinator/src/checks/decide.ts";
import {
  createCheck,
  finishCheckIfComplete,
  getCheckView,
  listVantages,
  openDatabase,
  saveVantageResult,
} from "../workers/coordinator/src/db/repository.ts";
import { type Column, formatMs, formatTable } from "./table.ts";

const REPO_ROOT = resolve(import.meta.dirname, "..");
const CANARY_DOMAIN = "canary.relaywatch.test";
const REGIONS = [
  { nodeId: "eu-west-1", region: "eu-west", network: "cloudflare" },
  { nodeId: "us-east-1", region: "us-east", network: "vps" },
  { nodeId: "ap-northeast-1", region: "ap-northeast", network: "vps" },
];
/** Distinct domains the checks spread over: each has ~1,000 checks at 100k. */
const DOMAINS = 100;
const SIZES = [10_000, 100_000];
const QUERY_RUNS = 300;
const D1_LIMIT_BYTES = 10 * 1024 ** 3;

const { values } = parseArgs({ options: { checks: { type: "string", default: "200" } } });
const writeChecks = Number.parseInt(values.checks ?? "200", 10);

/** One real result per lab server: open (proof sent), suspect, and three kinds of closed. */
async function labResults(): Promise<{ open: ProbeResult; others: ProbeResult[] }> {
  const behaviours = [
    "open-relay",
    "catch-all-own-domain",
    "secure-pipelining",
    "secure-no-pipelining",
    "error-limit",
  ] as const;
  const results: ProbeResult[] = [];
  for (const behaviour of behaviours) {
    const sim = await startSim(behaviour);
    try {
      results.push(
        await runProbe(nodejsConnector, {
          target: { address: sim.host, port: sim.port },
          canaryDomain: CANARY_DOMAIN,
          targetDomain: "example.org",
          proof: behaviour === "open-relay" ? { reportUrl: null, maxMessages: 3 } : null,
        }),
      );
    } finally {
      await sim.close();
    }
  }
  const [open, ...others] = results;
  if (!open) throw new Error("no lab results");
  return { open, others };
}

/** A node's answer for this vantage: the lab result with the tokens the job's nonce makes. */
function answer(result: ProbeResult, nodeId: string, nonce: string | null): ProbeResponse {
  const node = REGIONS.find((region) => region.nodeId === nodeId) ?? REGIONS[0];
  if (!node) throw new Error("no node");
  return {
    node: { ...node, runtime: "workerd", allowedPorts: [25], loopbackAllowed: false },
    result: {
      ...result,
      cases: result.cases.map((probeCase) => ({
        ...probeCase,
        token: probeCase.token.replace(/^rw-[a-z0-9]+-/, `rw-${nonce ?? "x"}-`),
      })),
    },
  } as ProbeResponse;
}

function wrangler(args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(resolve(REPO_ROOT, "node_modules/.bin/wrangler"), args, {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    child.once("exit", (code) =>
      code === 0 ? done() : fail(new Error(`wrangler ${args[0]} exited with ${code}`)),
    );
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main() {
  console.log("Real probe results from the lab's simulated servers ...");
  const lab = await labResults();
  const stateDir = await mkdtemp(join(tmpdir(), "relaywatch-bench-storage-"));
  try {
    await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir]);
    const proxy = await getPlatformProxy<{ DB: D1Database; EVIDENCE: R2Bucket }>({
      configPath: resolve(REPO_ROOT, "wrangler.toml"),
      persist: { path: join(stateDir, "v3") },
    });
    try {
      await measure(proxy.env, lab);
    } finally {
      await proxy.dispose();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function d1Size(d1: D1Database): Promise<number> {
  return (await d1.prepare("select 1").run()).meta.size_after;
}

/** Tables a check writes to. */
const CHECK_TABLES = ["domains", "checks", "vantage_results", "case_sets", "canary_deliveries"];

/**
 * Counts every row inserted, updated or deleted in the check tables, with triggers: D1's own
 * `total_changes()` also counts its bookkeeping, and drizzle's reads hide the per-query meta.
 */
async function countRowWrites(d1: D1Database): Promise<void> {
  await d1.batch([
    d1.prepare("create table bench_row_writes (n integer not null)"),
    d1.prepare("insert into bench_row_writes values (0)"),
    ...CHECK_TABLES.flatMap((table) =>
      ["insert", "update", "delete"].map((event) =>
        d1.prepare(
          `create trigger bench_${table}_${event} after ${event} on ${table}
           begin update bench_row_writes set n = n + 1; end`,
        ),
      ),
    ),
  ]);
}

async function stopCountingRowWrites(d1: D1Database): Promise<void> {
  await d1.batch(
    CHECK_TABLES.flatMap((table) =>
      ["insert", "update", "delete"].map((event) =>
        d1.prepare(`drop trigger bench_${table}_${event}`),
      ),
    ),
  );
}

async function rowWrites(d1: D1Database): Promise<number> {
  return (await d1.prepare("select n from bench_row_writes").first<{ n: number }>())?.n ?? 0;
}

async function measure(
  env: { DB: D1Database; EVIDENCE: R2Bucket },
  lab: { open: ProbeResult; others: ProbeResult[] },
) {
  const db = openDatabase(env.DB);
  await countRowWrites(env.DB);
  console.log(
    `Storing ${writeChecks} checks of 3 vantages through the coordinator's write path ...`,
  );
  // One check of every domain first: a domain's first check also writes its `domains` row, once
  // in its life; the steady state is a re-check. This also stores the case lists.
  const warmUp = DOMAINS;
  let sizeBefore = 0;
  let changesBefore = 0;
  const base = Date.now() - 365 * 24 * 3600 * 1000;
  const checkIds: string[] = [];
  let proofChecks = 0;
  for (let index = 0; index < writeChecks + warmUp; index += 1) {
    if (index === warmUp) {
      sizeBefore = await d1Size(env.DB);
      changesBefore = await rowWrites(env.DB);
    }
    const now = base + index * 60_000;
    const domain = `customer-${index % DOMAINS}.example`;
    const id = crypto.randomUUID();
    // Every fifth check is of an open relay, with delivery proof, as the page asks for.
    const open = index % 5 === 0;
    if (open && index >= warmUp) proofChecks += 1;
    await createCheck(db, {
      id,
      kind: "domain",
      target: domain,
      port: 25,
      domainName: domain,
      idempotencyKey: null,
      deadlineAt: now + 165_000,
      now,
      mx: {
        hosts: [{ host: `mx.${domain}`, preference: 10, addresses: ["192.0.2.25"] }],
        refused: [],
        caseIds: null,
        implicitTls: null,
      },
      vantages: REGIONS.map((node) => ({
        id: crypto.randomUUID(),
        mxHost: `mx.${domain}`,
        mxPreference: 10,
        address: "192.0.2.25",
        port: 25,
        ...node,
      })),
      proofRequested: open,
    });
    const vantages = await listVantages(db, id);
    for (const [position, vantage] of vantages.entries()) {
      const result = open
        ? lab.open
        : (lab.others[(index + position) % lab.others.length] ?? lab.open);
      await saveVantageResult(
        db,
        vantage.id,
        answer(result, vantage.nodeId, vantage.tokenNonce),
        now + 30_000,
        env.EVIDENCE,
      );
    }
    await finishCheckIfComplete(db, id, now + 31_000, decideCheck, 600_000);
    if (index >= warmUp) checkIds.push(id);
  }
  const d1BytesPerCheck = ((await d1Size(env.DB)) - sizeBefore) / writeChecks;
  const rowsPerCheck = ((await rowWrites(env.DB)) - changesBefore) / writeChecks;
  await stopCountingRowWrites(env.DB);
  let r2Bytes = 0;
  let r2Objects = 0;
  let cursor: string | undefined;
  do {
    const listed = await env.EVIDENCE.list({ prefix: "checks/", cursor });
    for (const object of listed.objects) {
      r2Bytes += object.size;
      r2Objects += 1;
    }
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  const totalChecks = writeChecks + warmUp;
  console.log("");
  console.log(
    formatTable(
      [
        { header: "per 3-vantage check" },
        { header: "measured", align: "right" },
        { header: "target", align: "right" },
      ],
      [
        ["D1 bytes", `${Math.round(d1BytesPerCheck)}`, "<= 4096"],
        ["D1 rows written (table rows)", rowsPerCheck.toFixed(1), "<= 8"],
        ["R2 bytes (gzip JSON, 3 objects)", `${Math.round(r2Bytes / totalChecks)}`, ""],
        [
          "checks per 10 GB of D1",
          `${(D1_LIMIT_BYTES / d1BytesPerCheck / 1e6).toFixed(2)} M`,
          "> 2.5 M",
        ],
      ],
    ),
  );
  console.log(
    `(${writeChecks} checks after one of each of the ${DOMAINS} domains, ${proofChecks} of an open relay with proof; ${r2Objects} R2 objects)`,
  );

  console.log("");
  const sample = checkIds.slice(0, 100);
  const domains = Array.from({ length: DOMAINS }, (_, index) => `customer-${index}.example`);
  const rows: string[][] = [];
  let stored = totalChecks;
  const timings: Record<string, { p50: number; p95: number }> = {};
  for (const size of SIZES) {
    stored = await cloneChecks(env.DB, stored, size);
    const report = await time(QUERY_RUNS, (run) =>
      getCheckView(db, sample[run % sample.length] ?? "", env.EVIDENCE),
    );
    const history = await time(QUERY_RUNS, (run) =>
      verdictHistory(db, domains[run % domains.length] ?? "", 20),
    );
    timings[`report ${size}`] = report;
    timings[`history ${size}`] = history;
    rows.push([
      `${size / 1000}k`,
      formatMs(report.p50),
      formatMs(report.p95),
      formatMs(history.p50),
      formatMs(history.p95),
    ]);
  }
  const columns: Column[] = [
    { header: "checks in D1" },
    { header: "report p50 ms", align: "right" },
    { header: "report p95 ms", align: "right" },
    { header: "history p50 ms", align: "right" },
    { header: "history p95 ms", align: "right" },
  ];
  console.log(formatTable(columns, rows));
  const ratio = (name: string) =>
    ((timings[`${name} 100000`]?.p50 ?? 0) / (timings[`${name} 10000`]?.p50 ?? 1)).toFixed(2);
  console.log(
    `100k / 10k (p50): report ${ratio("report")}x, history ${ratio("history")}x (target <= 2x).` +
      " The report reads D1 (one batch) and its 3 R2 objects; history is GET /api/v1/domains/{domain}/history.",
  );
}

async function time(runs: number, query: (run: number) => Promise<unknown>) {
  for (let run = 0; run < 20; run += 1) await query(run);
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await query(run);
    samples.push(performance.now() - started);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

/**
 * Grows the checks (and their vantage rows) to `target` by copying the stored ones inside D1 with
 * new ids, later creation times and fresh nonces: the same rows the write path made, many times.
 */
async function cloneChecks(d1: D1Database, stored: number, target: number): Promise<number> {
  const original = await d1.prepare("select max(rowid) as n from checks").first<{ n: number }>();
  const last = original?.n ?? 0;
  let count = stored;
  let round = 0;
  while (count < target) {
    round += 1;
    const copy = `${randomLabel(6)}${round}`;
    const take = Math.min(target - count, stored);
    await d1.batch([
      d1
        .prepare(
          `insert into checks (id, domain_id, kind, target, port, status, verdict, reason, summary,
             idempotency_key, mx_json, api_key_id, batch_id, webhook_url, created_at, started_at,
             finished_at, deadline_at, proof, proof_deadline_at)
           select id || ?1, domain_id, kind, target, port, status, verdict, reason, summary, null,
             mx_json, api_key_id, batch_id, webhook_url, created_at + ?2, started_at + ?2,
             finished_at + ?2, deadline_at + ?2, proof, proof_deadline_at + ?2
           from checks where rowid <= ?3 order by rowid limit ?4`,
        )
        .bind(copy, round * 1_000_000_000, last, take),
      d1
        .prepare(
          `insert into vantage_results (id, check_id, mx_host, mx_preference, address, port, node_id,
             region, network, status, verdict, reason, started_at, finished_at, duration_ms, banner,
             case_set_id, outcomes, evidence_id, token_nonce)
           select v.id || ?1, v.check_id || ?1, v.mx_host, v.mx_preference, v.address, v.port,
             v.node_id, v.region, v.network, v.status, v.verdict, v.reason, v.started_at + ?2,
             v.finished_at + ?2, v.duration_ms, v.banner, v.case_set_id, v.outcomes, v.evidence_id,
             v.token_nonce || ?1
           from vantage_results v
           where v.check_id in (select id from checks where rowid <= ?3 order by rowid limit ?4)`,
        )
        .bind(copy, round * 1_000_000_000, last, take),
    ]);
    count += take;
  }
  return count;
}

await main();
