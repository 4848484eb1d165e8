import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ProbeResult } from "../../shared/schemas/probe-result.ts";
import { getCheckView, openDatabase } from "../../workers/coordinator/src/db/repository.ts";
import {
  backfillEvidence,
  VANTAGES_PER_BACKFILL,
} from "../../workers/coordinator/src/evidence/backfill.ts";
import {
  deliveriesOfCheck,
  deliveryKey,
  findProvableCase,
} from "../../workers/coordinator/src/proof/deliveries.ts";
import { runTask } from "./coordinator-helpers.ts";
import { first, NODES, probeResponse } from "./db-fixtures.ts";

/*
 * A database filled by the schema before evidence moved to R2 (migrations 0000-0006, rows as
 * that code wrote them: 29 case_results and a transcripts row per vantage, a canary delivery
 * linked by case_result_id), then migrated and backfilled.
 */

const legacy = env.LEGACY_DB;
const CHECKS = 9;
const ACCEPTED_CASE = 2;

interface LegacyVantage {
  id: string;
  checkId: string;
  nonce: string | null;
  result: ProbeResult;
}

function legacyResult(vantageId: string, nonce: string): ProbeResult {
  const { result } = probeResponse(
    {
      id: vantageId,
      mxHost: "mx.legacy.example",
      mxPreference: 10,
      address: "192.0.2.80",
      port: 25,
      ...first(NODES),
    },
    29,
    "open",
  );
  result.tls = {
    protocol: "TLSv1.3",
    cipher: "TLS_AES_128_GCM_SHA256",
    authorized: true,
    authorizationError: null,
    peerSubject: "CN=mx.legacy.example",
    peerIssuer: "CN=Legacy CA",
    altNames: null,
    validFrom: null,
    validTo: "2027-01-01T00:00:00.000Z",
    fingerprint256: "AA:BB",
  };
  result.cases = result.cases.map((probeCase, index) => ({
    ...probeCase,
    token: `rw-${nonce}-${index.toString(36)}`,
    ...(index === ACCEPTED_CASE
      ? {
          outcome: "accepted" as const,
          reply: { code: 250, enhanced: "2.1.5", text: "Ok" },
          data: { code: 250, enhanced: "2.0.0", text: "Ok: queued as 1A" },
        }
      : {}),
  }));
  return result;
}

async function fillLegacy(): Promise<LegacyVantage[]> {
  const before = env.TEST_MIGRATIONS.filter((migration) => migration.name < "0007");
  expect(before.map((migration) => migration.name.slice(0, 4))).toEqual([
    "0000",
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
  ]);
  await applyD1Migrations(legacy, before);
  const now = Date.now();
  await legacy
    .prepare("insert into domains (id, name, created_at) values ('d1', 'legacy.example', ?)")
    .bind(now)
    .run();
  const vantages: LegacyVantage[] = [];
  for (let check = 0; check < CHECKS; check += 1) {
    const checkId = `legacy-check-${check}`;
    await legacy
      .prepare(
        `insert into checks (id, domain_id, kind, target, port, status, verdict, reason, mx_json, created_at, finished_at, deadline_at, proof)
         values (?, 'd1', 'domain', 'legacy.example', 25, 'done', 'open', 'relayed', ?, ?, ?, ?, 'confirmed')`,
      )
      .bind(
        checkId,
        JSON.stringify({
          hosts: [{ host: "mx.legacy.example", preference: 10, addresses: ["192.0.2.80"] }],
          refused: [],
          caseIds: null,
        }),
        now - (CHECKS - check) * 60_000,
        now - (CHECKS - check) * 60_000 + 5_000,
        now,
      )
      .run();
    for (const [index, node] of [...NODES, first(NODES)].entries()) {
      const id = `${checkId}-v${index}`;
      // The first check predates per-vantage nonces (migration 0003): its rows have none.
      const nonce = `n${check}x${index}`;
      const result = legacyResult(id, nonce);
      vantages.push({ id, checkId, nonce: check === 0 ? null : nonce, result });
      await legacy
        .prepare(
          `insert into vantage_results (id, check_id, mx_host, mx_preference, address, port, node_id, region, network, status, verdict, reason, duration_ms, banner, tls_json, extensions_json, names_json, token_nonce)
           values (?, ?, 'mx.legacy.example', 10, '192.0.2.80', 25, ?, ?, ?, 'done', 'open', 'relayed', 2500, '220 mx.legacy.example ESMTP', ?, ?, ?, ?)`,
        )
        .bind(
          id,
          checkId,
          `${node.nodeId}-${index}`,
          node.region,
          node.network,
          JSON.stringify(result.tls),
          JSON.stringify(result.extensions),
          JSON.stringify(result.names),
          check === 0 ? null : nonce,
        )
        .run();
      await legacy.batch(
        result.cases.map((c) =>
          legacy
            .prepare(
              `insert into case_results (vantage_result_id, case_id, mail_from, rcpt_to, recipient_kind, token, outcome, step, reply_code, reply_enhanced, reply_text, data_reply_code, data_reply_enhanced, data_reply_text, note, conn, attempts)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .bind(
              id,
              c.id,
              c.mailFrom,
              c.rcptTo,
              c.recipientKind,
              c.token,
              c.outcome,
              c.step,
              c.reply?.code ?? null,
              c.reply?.enhanced ?? null,
              c.reply?.text ?? null,
              c.data?.code ?? null,
              c.data?.enhanced ?? null,
              c.data?.text ?? null,
              c.note,
              c.conn,
              c.attempts,
            ),
        ),
      );
      await legacy
        .prepare("insert into transcripts (vantage_result_id, lines_json) values (?, ?)")
        .bind(id, JSON.stringify(result.transcript))
        .run();
    }
  }
  // The first check's accepted case was delivered, linked by case_results.id.
  const [firstVantage] = vantages;
  const token = firstVantage?.result.cases[ACCEPTED_CASE]?.token ?? "";
  await legacy
    .prepare(
      `insert into canary_deliveries (token, case_result_id, vantage_result_id, check_id, received_at, mail_from, received_chain_json, size)
       values (?, (select id from case_results where token = ?), ?, ?, ?, 'bounce@relay.example', '["from mx.legacy.example"]', 900)`,
    )
    .bind(token, token, firstVantage?.id, firstVantage?.checkId, now)
    .run();
  return vantages;
}

async function count(table: string): Promise<number> {
  return (
    (await legacy.prepare(`select count(*) as n from ${table}`).first<{ n: number }>())?.n ?? -1
  );
}

describe("the storage migration and backfill", () => {
  it("moves a database filled by the old schema to R2 and packed outcomes, in bounded runs, losing nothing", async () => {
    const vantages = await fillLegacy();
    expect(await count("case_results")).toBe(CHECKS * 3 * 29);
    await applyD1Migrations(legacy, env.TEST_MIGRATIONS);
    // The migration kept the delivery, now linked by the case's position.
    const linked = await legacy
      .prepare("select case_index from canary_deliveries")
      .first<{ case_index: number }>();
    expect(linked?.case_index).toBe(ACCEPTED_CASE);

    const backfillEnv = { ...env, DB: legacy };
    const runs: number[] = [];
    for (let run = 0; run < 5; run += 1)
      runs.push(await runTask(backfillEvidence, backfillEnv, Date.now()));
    expect(runs).toEqual([VANTAGES_PER_BACKFILL, CHECKS * 3 - VANTAGES_PER_BACKFILL, 0, 0, 0]);
    expect(await count("case_results")).toBe(0);
    expect(await count("transcripts")).toBe(0);
    const leftovers = await legacy
      .prepare(
        "select count(*) as n from vantage_results where names_json is not null or tls_json is not null or extensions_json is not null",
      )
      .first<{ n: number }>();
    expect(leftovers?.n).toBe(0);

    const db = openDatabase(legacy);
    for (const vantage of vantages) {
      const view = await getCheckView(db, vantage.checkId, env.EVIDENCE);
      const stored = view?.mxHosts[0]?.addresses[0]?.vantages.find((v) => v.id === vantage.id);
      expect(stored?.evidence).toBe("stored");
      expect(stored?.transcript).toEqual(vantage.result.transcript);
      expect(stored?.tls).toEqual(vantage.result.tls);
      expect(stored?.names).toEqual(vantage.result.names);
      expect(stored?.cases.map((c) => c.detail)).toEqual(vantage.result.cases);
      expect(stored?.cases.map((c) => c.outcome)).toEqual(
        vantage.result.cases.map((c) => c.outcome),
      );
    }
    const oldest = first(vantages);
    const deliveries = await deliveriesOfCheck(db, oldest.checkId);
    expect([...deliveries.keys()]).toEqual([deliveryKey(oldest.id, ACCEPTED_CASE)]);
    // The nonce-less vantage took its nonce from its tokens: a late message still finds its case.
    const token = oldest.result.cases[ACCEPTED_CASE]?.token ?? "";
    expect(await findProvableCase(db, [token])).toMatchObject({
      token,
      caseIndex: ACCEPTED_CASE,
      vantageResultId: oldest.id,
      checkId: oldest.checkId,
    });
  });
});
