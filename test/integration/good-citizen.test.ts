/**
 * A good citizen on the real local network (issue 14): the probes page in Chromium, both
 * languages, axe-core clean, with the node the lab blocklist lists marked after the cron's
 * lookup; the operator's opt-out list managed with the admin command.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAB_DNSBL_ZONE } from "../../scripts/lab-zone.ts";
import { LOCAL_LISTED_EGRESS, type LocalNetwork } from "../../scripts/local-network.ts";
import { postfixAvailable } from "../lab/mta/postfix.ts";
import {
  accessibilityViolations,
  chromiumMissing,
  launchChromium,
  screenshotPath,
} from "./browser.ts";
import { adminOn, startTestNetwork } from "./network-fixture.ts";

const missing = chromiumMissing() ?? (postfixAvailable() ? null : "Postfix");
const skip = missing !== null && !process.env.CI;
if (skip) console.warn(`good-citizen tests skipped: ${missing} is not installed`);

let network: LocalNetwork;
let browser: Browser;
let page: Page;

const admin = (...args: string[]) => adminOn(network, ...args);

async function postCheck(body: unknown): Promise<Response> {
  return fetch(`${network.coordinator.url}/api/v1/checks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe.skipIf(skip)("a good citizen on the local network", () => {
  beforeAll(async () => {
    network = await startTestNetwork("good-citizen");
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await network?.stop();
  });

  it("shows the probes page in English and Japanese, accessible, marking the listed node", async () => {
    // The cron's daily lookups, now: reverse DNS and the lab blocklist.
    const cron = await fetch(`${network.coordinator.url}/__scheduled?cron=*+*+*+*+*`);
    expect(cron.status).toBe(200);
    for (const language of ["en", "ja"] as const) {
      await page.goto(`${network.coordinator.url}/about/probes?lang=${language}`);
      expect(await page.getAttribute("html", "lang")).toBe(language);
      const listedRow = page.locator("#probe-local-us-east");
      expect(await listedRow.textContent()).toContain(LAB_DNSBL_ZONE);
      expect(await listedRow.textContent()).toContain(LOCAL_LISTED_EGRESS[0]);
      expect(await page.locator("#probe-local-eu-west").textContent()).toContain(
        "probe-eu-west.relaywatch.dev",
      );
      await page.screenshot({
        path: screenshotPath(`probes-page-${language}.png`),
        fullPage: true,
      });
      expect(await accessibilityViolations(page)).toEqual([]);
    }
    const json = await (await fetch(`${network.coordinator.url}/api/v1/probes`)).json();
    expect(
      (json as { probes: { id: string; listed: boolean }[] }).probes.map((p) => [p.id, p.listed]),
    ).toEqual([
      ["local-eu-west", false],
      ["local-us-east", true],
      ["local-ap-northeast", false],
      ["local-sa-east", false],
    ]);
  }, 90_000);

  it("refuses a domain the operator opted out with the admin command, until it is removed", async () => {
    const domain = "postfix-secure.lab.test";
    // The network's D1 outlives a run (lab-run/test-good-citizen): start from no entry.
    await admin("remove-optout", domain);
    const added = await admin("add-optout", domain, "--note", "postmaster asked, test");
    expect(added).toMatchObject({ code: 0, stdout: `opted out domain ${domain}\n` });
    const listed = (await admin("list-optouts")).stdout;
    expect(listed).toContain(`domain  ${domain}  added `);
    expect(listed).toContain('"postmaster asked, test"');
    const refused = await postCheck({ domain, port: 2501 });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      code: "target_opted_out",
      message: expect.stringContaining("abuse@relaywatch.dev"),
    });
    expect((await admin("add-optout", "not a domain")).code).toBe(64);
    expect(await admin("remove-optout", domain)).toMatchObject({ code: 0 });
    expect((await admin("remove-optout", domain)).code).toBe(1);
    const admitted = await postCheck({ domain, port: 2501 });
    expect(admitted.status).toBe(202);
  }, 120_000);
});
