import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { canaryKeyFor, canaryProofFor } from "../../shared/probe/canary-proof.ts";
import worker from "../../workers/coordinator/index.ts";
import { getCheckView, openDatabase } from "../../workers/coordinator/src/db/repository.ts";
import type { CanaryMessage } from "../../workers/coordinator/src/proof/email.ts";
import { nonceOfToken, tokenCandidates } from "../../workers/coordinator/src/proof/tokens.ts";
import { CANARY_DOMAIN, PROOF_SECRET, TEST_NODES } from "./coordinator-env.ts";
import { createCheck, runQueue, standIn } from "./coordinator-helpers.ts";

/** Helpers of the delivery-proof tests (test/workers/proof-*.test.ts). */

export const PUBLIC_ORIGIN = "https://relaywatch.example";

/** A loopback check with proof whose eu-central vantage finds an open relay, the others closed. */
export async function provenCheck(proof = true) {
  const created = await createCheck({ host: "127.0.0.1", port: 2525, proof });
  expect(created.response.status).toBe(202);
  const [fra, iad, sin] = TEST_NODES.map((node) => node.id);
  await standIn.script(created.body.id, {
    [fra as string]: { kind: "result", verdict: "open" },
    [iad as string]: { kind: "result", verdict: "closed" },
    [sin as string]: { kind: "result", verdict: "closed" },
  });
  await runQueue(created.messages, { PUBLIC_ORIGIN });
  return created.body.id;
}

/** The token of a case of the check with this outcome. */
export async function tokenOf(checkId: string, outcome: "accepted" | "refused"): Promise<string> {
  const view = await getCheckView(openDatabase(env.DB), checkId, env.EVIDENCE);
  const token = view?.mxHosts
    .flatMap((host) => host.addresses.flatMap((address) => address.vantages))
    .flatMap((vantage) => vantage.cases)
    .find((row) => row.outcome === outcome)?.detail?.token;
  if (!token) throw new Error(`no ${outcome} case in check ${checkId}`);
  return token;
}

export const RECEIVED_CHAIN = [
  "from mx.relay.example (mx.relay.example [203.0.113.7]) by canary-mx.relaywatch.example; Mon, 30 Nov 2026 10:00:02 +0000",
  "from probe.relaywatch.example ([198.51.100.4]) by mx.relay.example (Postfix) with ESMTP id 4XyZ; Mon, 30 Nov 2026 10:00:01 +0000",
];

export interface CanaryMail {
  to: string;
  from?: string;
  headers?: Record<string, string>;
  received?: string[];
  /**
   * The X-Relaywatch-Proof value. By default the genuine one a probe node would send for the
   * first token of the message, made from the coordinator's secret; null leaves the header out,
   * as anyone who only read the token in a report would.
   */
  proof?: string | null;
}

/** The proof our probe node puts in a canary message for `token`. */
export async function genuineProof(token: string): Promise<string> {
  const nonce = nonceOfToken(token);
  if (nonce === null) throw new Error(`${token} is not a case token`);
  return canaryProofFor(await canaryKeyFor(PROOF_SECRET, nonce), token);
}

async function proofHeader(mail: CanaryMail): Promise<[string, string][]> {
  if (mail.proof === null) return [];
  if (mail.proof !== undefined) return [["X-Relaywatch-Proof", mail.proof]];
  const [token] = tokenCandidates({
    envelopeTo: mail.to,
    tokenHeader: mail.headers?.["X-Relaywatch-Token"] ?? null,
    messageId: mail.headers?.["Message-ID"] ?? null,
  });
  return token ? [["X-Relaywatch-Proof", await genuineProof(token)]] : [];
}

/** An Email Routing message built from an RFC 5322 text, with a spy on setReject. */
export async function canaryMessage(mail: CanaryMail, body = "This is a relay test.\r\n") {
  const headers: [string, string][] = [
    ...(mail.received ?? []).map((value): [string, string] => ["Received", value]),
    ["From", `Relaywatch <spamtest@${CANARY_DOMAIN}>`],
    ["To", mail.to],
    ["Subject", "Relaywatch open relay test"],
    ["Date", "Mon, 30 Nov 2026 10:00:00 +0000"],
    ...Object.entries(mail.headers ?? {}),
    ...(await proofHeader(mail)),
  ];
  const text = `${headers.map(([key, value]) => `${key}: ${value}`).join("\r\n")}\r\n\r\n${body}`;
  const bytes = new TextEncoder().encode(text);
  const rejections: string[] = [];
  const message: CanaryMessage = {
    from: mail.from ?? "bounce@relay.example",
    to: mail.to,
    raw: new Response(bytes).body as ReadableStream<Uint8Array>,
    rawSize: bytes.byteLength,
    headers: new Headers(headers),
    setReject: (reason: string) => {
      rejections.push(reason);
    },
  };
  return { message, rejections };
}

/** Hands a message to the coordinator's email handler, as Email Routing would. */
export async function deliver(mail: CanaryMail): Promise<string[]> {
  const { message, rejections } = await canaryMessage(mail);
  await worker.email(message, env);
  return rejections;
}

export async function deliveryCount(checkId?: string): Promise<number> {
  const row = await (checkId === undefined
    ? env.DB.prepare("select count(*) as n from canary_deliveries")
    : env.DB.prepare("select count(*) as n from canary_deliveries where check_id = ?").bind(checkId)
  ).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Moves a check's proof window into the past, as if it had run out. */
export async function closeProofWindow(checkId: string): Promise<void> {
  const { meta } = await env.DB.prepare("update checks set proof_deadline_at = ? where id = ?")
    .bind(Date.now() - 1_000, checkId)
    .run();
  expect(meta.changes).toBe(1);
}
