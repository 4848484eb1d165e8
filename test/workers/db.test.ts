import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createCheck,
  findCheck,
  getCheckView,
  latestCheckForDomain,
  latestCheckForDomainQuery,
  listVantages,
  saveVantageResult,
} from "../../workers/coordinator/src/db/repository.ts";
import {
  bucket,
  db,
  first,
  newCheck,
  probeResponse,
  uniqueId,
  vantagesFor,
} from "./db-fixtures.ts";

describe("migrations", () => {
  it("create every table and index", async () => {
    const { results } = await env.DB.prepare(
      "select type, name from sqlite_master where type in ('table', 'index') order by name",
    ).all<{ type: string; name: string }>();
    const names = results.map((row) => row.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "domains",
        "checks",
        "vantage_results",
        "case_sets",
        "retention_marks",
        "domains_name_unique",
        "checks_idempotency_key_unique",
        "checks_domain_created_idx",
        "checks_status_deadline_idx",
        "checks_target_created_idx",
        "vantage_results_check_idx",
        "case_sets_cases_unique",
        "batches_status_created_idx",
        "badge_domains_served_idx",
      ]),
    );
  });
});

describe("createCheck", () => {
  it("stores a queued check, its lower-cased domain and pending vantages", async () => {
    const input = newCheck({ domainName: "Create.Example", target: "create.example" });
    const { check, created } = await createCheck(db, input);
    expect(created).toBe(true);
    expect(check).toMatchObject({ id: input.id, kind: "domain", status: "queued", mx: input.mx });
    expect(check.domainId).not.toBeNull();
    const vantages = await listVantages(db, input.id);
    expect(vantages.map((vantage) => vantage.id)).toEqual(input.vantages.map((v) => v.id));
    expect(vantages.every((vantage) => vantage.status === "pending")).toBe(true);

    const again = await createCheck(db, newCheck({ domainName: "create.example" }));
    expect(again.check.domainId).toBe(check.domainId);
  });

  it("stores a host check without a domain", async () => {
    const { check } = await createCheck(db, newCheck({ kind: "host", domainName: null }));
    expect(check.domainId).toBeNull();
    expect(check.target).toBe("mx.example.net");
  });

  it("stores more vantages than one statement can bind", async () => {
    const addresses = Array.from({ length: 12 }, (_, index) => `198.51.100.${index + 1}`);
    const input = newCheck({ vantages: vantagesFor("mx1.example.com", 10, addresses) });
    await createCheck(db, input);
    expect(await listVantages(db, input.id)).toHaveLength(24);
  });

  it("returns the existing check for a repeated idempotency key", async () => {
    const idempotencyKey = uniqueId("key");
    const original = await createCheck(db, newCheck({ idempotencyKey }));
    const repeat = await createCheck(db, newCheck({ idempotencyKey }));
    expect(repeat.created).toBe(false);
    expect(repeat.check).toEqual(original.check);
  });

  it("creates one check when two requests with one key race", async () => {
    const idempotencyKey = uniqueId("key");
    const inputs = [newCheck({ idempotencyKey }), newCheck({ idempotencyKey })];
    const outcomes = await Promise.all(inputs.map((input) => createCheck(db, input)));
    expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
    const winner = first(outcomes.filter((outcome) => outcome.created)).check;
    expect(outcomes.map((outcome) => outcome.check.id)).toEqual([winner.id, winner.id]);
    const loser = first(inputs.filter((input) => input.id !== winner.id));
    expect(await findCheck(db, loser.id)).toBeNull();
    expect(await listVantages(db, loser.id)).toEqual([]);
  });
});

describe("getCheckView", () => {
  it("groups vantages by MX host, then address, with cases and transcripts", async () => {
    const backup = vantagesFor("mx2.view.example", 20, ["203.0.113.20"]);
    const primary = vantagesFor("mx1.view.example", 10, ["203.0.113.10", "2001:db8::10"]);
    const input = newCheck({ domainName: "view.example", vantages: [...backup, ...primary] });
    await createCheck(db, input);
    const answered = first(primary);
    const response = probeResponse(answered, 4, "closed");
    await saveVantageResult(db, answered.id, response, 3_000, bucket);

    const view = await getCheckView(db, input.id, bucket);
    if (!view) throw new Error("the check exists");
    expect(view.domainName).toBe("view.example");
    expect(view.check.id).toBe(input.id);
    expect(
      view.mxHosts.map((host) => ({
        host: host.host,
        preference: host.preference,
        addresses: host.addresses.map((address) => ({
          address: address.address,
          nodes: address.vantages.map((vantage) => vantage.nodeId),
        })),
      })),
    ).toEqual([
      {
        host: "mx1.view.example",
        preference: 10,
        addresses: [
          { address: "203.0.113.10", nodes: ["node-fra", "node-iad"] },
          { address: "2001:db8::10", nodes: ["node-fra", "node-iad"] },
        ],
      },
      {
        host: "mx2.view.example",
        preference: 20,
        addresses: [{ address: "203.0.113.20", nodes: ["node-fra", "node-iad"] }],
      },
    ]);
    const [withResult, withoutResult] = first(first(view.mxHosts).addresses).vantages;
    expect(withResult?.cases.map((row) => row.caseId)).toEqual(
      response.result.cases.map((c) => c.id),
    );
    expect(withResult?.transcript).toEqual(response.result.transcript);
    expect(withResult?.evidence).toBe("stored");
    expect(withoutResult).toMatchObject({
      status: "pending",
      cases: [],
      transcript: null,
      evidence: "none",
    });
  });

  it("returns null for an unknown check", async () => {
    expect(await getCheckView(db, "no-such-check", bucket)).toBeNull();
  });
});

describe("latestCheckForDomain", () => {
  it("returns the newest check of the domain", async () => {
    const older = newCheck({ domainName: "latest.example", now: 1_000 });
    const newest = newCheck({ domainName: "LATEST.example", now: 3_000 });
    const middle = newCheck({ domainName: "latest.example", now: 2_000 });
    const elsewhere = newCheck({ domainName: "other.example", now: 9_000 });
    for (const input of [older, newest, middle, elsewhere]) await createCheck(db, input);

    expect((await latestCheckForDomain(db, "Latest.Example"))?.id).toBe(newest.id);
    expect(await latestCheckForDomain(db, "never-checked.example")).toBeNull();
  });

  it("walks the (domain_id, created_at) index without sorting", async () => {
    const query = latestCheckForDomainQuery(db, "latest.example").toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const plan = results.map((row) => row.detail).join("\n");
    expect(plan).toContain("checks_domain_created_idx");
    expect(plan).not.toContain("TEMP B-TREE");
  });
});
