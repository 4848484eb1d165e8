import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { LAB_DNSBL_ZONE, labProbeZone } from "../../lab/zone.ts";
import { ProbeDirectory } from "../../shared/schemas/api.ts";
import { VantageNode } from "../../shared/schemas/protocol.ts";
import { openDatabase } from "../../workers/coordinator/src/db/client.ts";
import { probeNodes } from "../../workers/coordinator/src/db/schema.ts";
import { type CoordinatorEnv, readConfig } from "../../workers/coordinator/src/env.ts";
import { messagesFor } from "../../workers/coordinator/src/i18n/index.ts";
import { checkNodeHealth } from "../../workers/coordinator/src/nodes/health.ts";
import { nodeRow } from "../../workers/coordinator/src/nodes/node-row.ts";
import { loadRegistry } from "../../workers/coordinator/src/nodes/registry.ts";
import { checkNodeBlocklists } from "../../workers/coordinator/src/probes/blocklists.ts";
import { insertCheck, REGIONS, uniqueDomain } from "./badge-fixtures.ts";
import { NODE_SECRET_KEY, REGISTRY_ONLY_NODES, TEST_NODES, TEST_ZONE } from "./coordinator-env.ts";
import {
  callWithEnv,
  type EnvOverrides,
  getCheck,
  reportVantages,
  runTask,
} from "./coordinator-helpers.ts";

/**
 * Who we are and protecting the probe hosts (issue 14): the probes page and JSON from the node
 * registry, the daily blocklist lookups against the lab zone (which lists one node), the marks
 * in reports and the badge evidence without the listed node.
 */

/** Each test node's egress addresses, as an operator gives them to add-node --egress. */
const EGRESS: Record<string, string[]> = {
  "node-fra": ["192.0.2.21", "2001:db8::21"],
  "node-iad": ["192.0.2.22"],
  "node-sin": ["192.0.2.23"],
};
/** The lab zone lists node-iad's address on the lab blocklist. */
const LISTED_NODE = "node-iad";

const PROBE_ZONE = labProbeZone(
  TEST_NODES.map((node) => ({ region: node.region, egress: EGRESS[node.id] ?? [] })),
  EGRESS[LISTED_NODE] ?? [],
  "relaywatch.test",
);

const DIRECTORY_ENV: EnvOverrides = {
  DNS_ZONE: `${TEST_ZONE}\n${PROBE_ZONE}`,
  DNSBL_ZONES: LAB_DNSBL_ZONE,
  SERVICE_DOMAIN: "relaywatch.test",
  ABUSE_CONTACT: "abuse@relaywatch.test",
};

const withDirectory = (overrides: EnvOverrides = {}) =>
  ({ ...env, ...DIRECTORY_ENV, ...overrides }) as unknown as CoordinatorEnv;

const db = openDatabase(env.DB);

async function setEgress(nodeId: string, egress: string[]) {
  await db.update(probeNodes).set({ egress }).where(eq(probeNodes.id, nodeId));
}

beforeAll(async () => {
  // The registry, bootstrapped from PROBE_NODES, is where the egress addresses live.
  await loadRegistry(db, readConfig(env as unknown as CoordinatorEnv));
  for (const [nodeId, egress] of Object.entries(EGRESS)) await setEgress(nodeId, egress);
});

async function directory(): Promise<ProbeDirectory> {
  const response = await callWithEnv("/api/v1/probes", {}, DIRECTORY_ENV);
  expect(response.status).toBe(200);
  const body = await response.json();
  // Parsed with its documented schema: every field is documented with the right type.
  expect(ProbeDirectory.parse(body)).toEqual(body);
  return body as ProbeDirectory;
}

async function listings() {
  const { results } = await env.DB.prepare(
    "select node_id, address, zone, answer, listed_at, delisted_at from node_listings order by id",
  ).all<{ node_id: string; zone: string; answer: string; delisted_at: number | null }>();
  return results;
}

describe("the probes, before and after the daily lookups", () => {
  it("lists every probe with its EHLO name, budget, caps and opt-out", async () => {
    const before = await directory();
    expect(before.service).toEqual({
      domain: "relaywatch.test",
      abuseContact: "abuse@relaywatch.test",
      canaryDomain: expect.any(String),
    });
    expect(
      before.probes.map((probe) => [
        probe.id,
        probe.ehloName,
        probe.asn,
        probe.site,
        probe.runtime,
      ]),
    ).toEqual([
      ["node-fra", "probe-eu-central.relaywatch.test", 24940, "fsn1", "workerd"],
      ["node-iad", "probe-us-east.relaywatch.test", 16509, "us-east-1a", "workerd"],
      ["node-sin", "probe-ap-southeast.relaywatch.test", 14061, "sgp1", "workerd"],
    ]);
    // Beside the caps, each node's concurrency slots, from the registry.
    expect(before.probes.map((probe) => probe.maxConcurrentChecks)).toEqual([4, 4, 4]);
    expect(before.probes[0]?.egress.map((e) => [e.address, e.reverseName])).toEqual([
      ["192.0.2.21", null],
      ["2001:db8::21", null],
    ]);
    expect(before.budget).toMatchObject({
      canaryMessagesPerVantage: 3,
      canaryMessagesPerCheck: 10,
    });
    expect(before.caps).toEqual({ checksPerMinute: 100_000, checksPerPrefixPerHour: 100_000 });
    expect(before.optOut.domainRecord).toContain('"v=rw1; optout"');
    expect(before.probes.some((probe) => probe.listed)).toBe(false);
  });

  it("looks the egress addresses up once a day: reverse DNS, and the one listed node", async () => {
    const now = Date.now();
    await runTask(checkNodeBlocklists, withDirectory(), now);
    expect(await listings()).toEqual([
      expect.objectContaining({
        node_id: LISTED_NODE,
        address: "192.0.2.22",
        zone: LAB_DNSBL_ZONE,
        answer: "127.0.0.2",
        delisted_at: null,
      }),
    ]);
    const after = await directory();
    expect(after.probes.map((probe) => [probe.id, probe.listed])).toEqual([
      ["node-fra", false],
      ["node-iad", true],
      ["node-sin", false],
    ]);
    expect(after.probes[0]?.egress.map((e) => e.reverseName)).toEqual([
      "probe-eu-central.relaywatch.test",
      "probe-eu-central.relaywatch.test",
    ]);
    // Within the day nothing is looked up again, even if the zone changed meanwhile.
    await runTask(checkNodeBlocklists, withDirectory({ DNS_ZONE: TEST_ZONE }), now + 60_000);
    expect((await listings()).every((row) => row.delisted_at === null)).toBe(true);
  });

  it("shows the probes page in both languages, marking the listed node", async () => {
    for (const language of ["en", "ja"] as const) {
      const response = await callWithEnv(`/about/probes?lang=${language}`, {}, DIRECTORY_ENV);
      expect(response.status).toBe(200);
      const html = await response.text();
      const t = messagesFor(language).probes;
      expect(html).toContain(`<html lang="${language}">`);
      expect(html).toContain("probe-us-east.relaywatch.test");
      expect(html).toContain("192.0.2.22");
      expect(html).toContain("2001:db8::21");
      expect(html).toContain(t.listedOn(LAB_DNSBL_ZONE));
      expect(html).toContain("AS24940");
      expect(html).toContain("fsn1");
      expect(html).toContain("abuse@relaywatch.test");
      expect(html).toContain("_relaywatch.example.org. TXT &quot;v=rw1; optout&quot;");
      expect(html).toContain(t.caps({ perMinute: 100_000, perPrefixPerHour: 100_000 }));
      expect(html).toContain(`<th scope="col">${t.columns.atOnce}</th>`);
      expect(html).toContain(
        t.does({ connections: 12, atOnce: 6, messages: 10, canaryDomain: "" })[1],
      );
    }
  });

  it("marks the listed node's vantage in a report made while it is listed", async () => {
    const id = await insertCheck({
      domain: uniqueDomain("listed"),
      addresses: ["127.0.0.60"],
      vantagesPerAddress: 3,
      ageMs: 0,
    });
    const report = await getCheck(id);
    const marks = reportVantages(report).map((v) => [v.node, v.listedOn]);
    expect(marks).toEqual([
      ["node-fra", []],
      ["node-iad", [LAB_DNSBL_ZONE]],
      ["node-sin", []],
    ]);
    // Three outside vantages tested it, and the count says which of them corroborate nothing.
    expect(report).toMatchObject({ outsideVantages: 3, listedOutsideVantages: 1 });
    for (const language of ["en", "ja"] as const) {
      const html = await (await callWithEnv(`/report/${id}?lang=${language}`, {}, {})).text();
      const t = messagesFor(language);
      expect(html).toContain(t.report.listedVantage(LAB_DNSBL_ZONE));
      expect(html).toContain(
        `${t.vantages.outsideCount(3)}${t.vantages.listedAmong(1)}`.replaceAll("'", "&#39;"),
      );
      // Two unlisted vantages are left: corroborated, as the badge would say.
      expect(html).not.toContain(t.report.notCorroborated);
    }
  });

  it("does not call closed corroborated by a listed node's refusals", async () => {
    // node-fra and the listed node-iad both refuse: two outside, but one corroborates.
    const id = await insertCheck({
      domain: uniqueDomain("thin"),
      addresses: ["127.0.0.63"],
      vantagesPerAddress: 2,
      status: "running",
      ageMs: 0,
    });
    await env.DB.prepare(
      "update vantage_results set status = 'done', verdict = 'closed', reason = 'refused' where check_id = ?",
    )
      .bind(id)
      .run();
    const report = await getCheck(id);
    expect(report).toMatchObject({
      status: "done",
      verdict: "closed",
      outsideVantages: 2,
      listedOutsideVantages: 1,
    });
    expect(report.reason).toContain(
      "fewer than 2 independent vantages outside the target's network (vantages on a DNS blocklist do not count), so this is not corroborated (no green badge)",
    );
    for (const language of ["en", "ja"] as const) {
      const html = await (await callWithEnv(`/report/${id}?lang=${language}`, {}, {})).text();
      const t = messagesFor(language);
      expect(html).toContain(
        `${t.vantages.outsideCount(2)}${t.vantages.listedAmong(1)}`.replaceAll("'", "&#39;"),
      );
      expect(html).toContain(t.report.notCorroborated);
    }
  });

  it("takes no badge evidence from the listed node", async () => {
    /** The badge's reason for a fresh closed check of one address from the first regions. */
    const badgeReason = async (address: string, vantagesPerAddress: number) => {
      const domain = uniqueDomain("evidence");
      await insertCheck({ domain, addresses: [address], vantagesPerAddress, ageMs: 0 });
      const badge = await callWithEnv(`/badge/${domain}.svg`, {}, {});
      return badge.headers.get("x-relaywatch-reason");
    };
    // Closed from two regions, one of them the listed node's (REGIONS[1]): not enough for green.
    expect(REGIONS[1].nodeId).toBe(LISTED_NODE);
    expect(await badgeReason("127.0.0.61", 2)).toBe(
      "127.0.0.61 was found closed from 1 independent outside vantage(s), fewer than 2 (vantages on a DNS blocklist do not count)",
    );
    // All three regions, the listed one among them: two unlisted regions are enough.
    expect(await badgeReason("127.0.0.62", 3)).toBe(
      "every MX address closed from at least two independent outside vantages",
    );
  });

  it("closes a listing once a daily lookup finds it gone, and reports after it are unmarked", async () => {
    const later = Date.now() + 25 * 60 * 60 * 1000;
    await runTask(checkNodeBlocklists, withDirectory({ DNS_ZONE: TEST_ZONE }), later);
    const rows = await listings();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.delisted_at).toBe(later);
    const after = await directory();
    expect(after.probes.some((probe) => probe.listed)).toBe(false);
  });
});

describe("the registry is the one list of probes", () => {
  it("shows a node added or disabled at once, and looks up only active nodes", async () => {
    const [added] = REGISTRY_ONLY_NODES;
    if (!added) throw new Error("no registry-only test node");
    const { secret, ...vantage } = added;
    await db
      .insert(probeNodes)
      .values(
        await nodeRow(
          NODE_SECRET_KEY,
          VantageNode.parse({ ...vantage, egress: ["192.0.2.31"] }),
          secret,
          Date.now(),
        ),
      );
    await db.update(probeNodes).set({ state: "disabled" }).where(eq(probeNodes.id, "node-sin"));
    const ids = (await directory()).probes.map((probe) => probe.id);
    expect(ids).toEqual(["node-fra", "node-iad", added.id]);
    const later = Date.now() + 3 * 24 * 60 * 60 * 1000;
    await runTask(checkNodeBlocklists, withDirectory(), later);
    const looked = await env.DB.prepare(
      "select node_id from node_egress where checked_at = ? order by node_id",
    )
      .bind(later)
      .all<{ node_id: string }>();
    expect(looked.results.map((row) => row.node_id)).toEqual([
      added.id,
      "node-fra",
      "node-fra",
      "node-iad",
    ]);
    await db.update(probeNodes).set({ state: "active" }).where(eq(probeNodes.id, "node-sin"));
  });

  it("ends a listing at once when the operator gives the node other addresses", async () => {
    const listedNow = async () =>
      (await listings()).filter((row) => row.node_id === LISTED_NODE && row.delisted_at === null);
    // The lookup above (three days on) found node-iad's address listed again.
    expect(await listedNow()).toHaveLength(1);
    await setEgress(LISTED_NODE, ["192.0.2.32"]);
    await runTask(
      checkNodeBlocklists,
      withDirectory(),
      Date.now() + 3 * 24 * 60 * 60 * 1000 + 60_000,
    );
    expect(await listedNow()).toEqual([]);
    const iad = (await directory()).probes.find((probe) => probe.id === LISTED_NODE);
    expect(iad?.listed).toBe(false);
    expect(iad?.egress.map((e) => e.address)).toEqual(["192.0.2.32"]);
  });
});

describe("where each probe really runs", () => {
  it("shows the registered site until a health check says where the node runs", async () => {
    await db
      .update(probeNodes)
      .set({ site: "registered-fra" })
      .where(eq(probeNodes.id, "node-fra"));
    const fra = async () => (await directory()).probes.find((probe) => probe.id === "node-fra");
    expect(await fra()).toMatchObject({ site: "registered-fra", location: null });
    await runTask(checkNodeHealth, withDirectory(), Date.now());
    // The stand-in answers from its own site, as a self-hosted node reports NODE_SITE.
    expect(await fra()).toMatchObject({
      site: "registered-fra",
      location: { kind: "site", name: "fsn1" },
    });
    const page = await callWithEnv("/about/probes?lang=en", {}, DIRECTORY_ENV);
    const row = /<tr id="probe-node-fra">[\s\S]*?<\/tr>/.exec(await page.text())?.[0] ?? "";
    expect(row).toContain("<td>fsn1</td>");
    expect(row).not.toContain("registered-fra");
  });
});
