import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { createCheck, openDatabase } from "../../workers/coordinator/src/db/repository.ts";

/** Fixtures of the badge tests (test/workers/badge-*.test.ts): checks written straight to D1. */

export const db = openDatabase(env.DB);
export const DAY_MS = 24 * 60 * 60 * 1000;

let sequence = 0;
export function uniqueDomain(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}.badge.test`;
}

/** Vantages in distinct regions, as the badge counts them. */
export const REGIONS = [
  { nodeId: "node-fra", region: "eu-central", network: "hetzner" },
  { nodeId: "node-iad", region: "us-east", network: "aws" },
  { nodeId: "node-sin", region: "ap-southeast", network: "digitalocean" },
] as const;

export interface CheckFixture {
  domain: string;
  /** "done" with a verdict, "failed", or still "running". */
  status?: "done" | "failed" | "running";
  verdict?: "open" | "suspect" | "closed" | "inconclusive";
  /** How long ago the check was created; it finished a minute later. */
  ageMs?: number;
  addresses?: string[];
  /** How many regions probed each address (all closed unless the check is open). */
  vantagesPerAddress?: number;
  port?: number;
  /** The cases the check asked for; null (the default) is the whole catalogue. */
  caseIds?: string[] | null;
}

/** Stores a check of `domain` as if it had run, with its vantage rows; returns its id. */
export async function insertCheck(fixture: CheckFixture): Promise<string> {
  const {
    domain,
    status = "done",
    verdict = "closed",
    ageMs = DAY_MS,
    addresses = ["192.0.2.10", "192.0.2.11"],
    vantagesPerAddress = 2,
    port = 25,
    caseIds = null,
  } = fixture;
  const createdAt = Date.now() - ageMs;
  const id = crypto.randomUUID();
  await createCheck(db, {
    id,
    kind: "domain",
    target: domain,
    port,
    domainName: domain,
    idempotencyKey: null,
    deadlineAt: createdAt + 60_000,
    now: createdAt,
    mx: {
      hosts: [{ host: `mx.${domain}`, preference: 10, addresses }],
      refused: [],
      caseIds,
    },
    vantages: addresses.flatMap((address) =>
      REGIONS.slice(0, vantagesPerAddress).map((region) => ({
        id: crypto.randomUUID(),
        mxHost: `mx.${domain}`,
        mxPreference: 10,
        address,
        port,
        ...region,
      })),
    ),
  });
  const finished = status !== "running";
  const vantageVerdict = status === "failed" ? "inconclusive" : verdict;
  await env.DB.batch([
    env.DB.prepare(
      "update checks set status = ?, verdict = ?, started_at = ?, finished_at = ? where id = ?",
    ).bind(
      status,
      finished ? vantageVerdict : null,
      createdAt,
      finished ? createdAt + 60_000 : null,
      id,
    ),
    env.DB.prepare(
      "update vantage_results set status = ?, verdict = ?, finished_at = ? where check_id = ?",
    ).bind(
      finished ? (status === "failed" ? "failed" : "done") : "pending",
      finished ? vantageVerdict : null,
      finished ? createdAt + 60_000 : null,
      id,
    ),
  ]);
  return id;
}

export async function badgeDomainRow(domain: string) {
  return env.DB.prepare("select * from badge_domains where domain = ?").bind(domain).first<{
    domain: string;
    first_served_at: number;
    last_served_at: number;
    last_recheck_at: number | null;
  }>();
}

/** The message side of a badge: the text of its last <text> element. */
export function badgeMessage(svg: string): string {
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);
  const message = texts.at(-1);
  expect(message).toBeDefined();
  return message ?? "";
}
