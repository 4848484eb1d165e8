/**
 * The report as a mail administrator meets it, in Chromium: a domain with 2 MX hosts x 2
 * addresses checked from every lab vantage (the lab's two-mx), the first screen at 1280x800, the phone
 * width, the matrix and a case's exchange, live progress on a slow server, "check again" with what
 * changed, and the domain page in both languages; axe-core on every state.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalNetwork } from "../../scripts/local-network.ts";
import {
  accessibilityViolations,
  chromiumMissing,
  launchChromium,
  screenshotPath,
} from "./browser.ts";
import { labPort, startTestNetwork } from "./network-fixture.ts";

const missing = chromiumMissing();
// CI must have everything: a missing browser there is a failure, not a quiet skip.
const skip = missing !== null && !process.env.CI;
if (skip) console.warn(`report browser test skipped: missing ${missing}`);

const COOLDOWN_SECONDS = 20;

let network: LocalNetwork;
let browser: Browser;
let page: Page;
let reportUrl = "";

async function submit(target: string): Promise<void> {
  await page.goto(`${network.coordinator.url}/?lang=en`);
  await page.getByLabel("Domain or mail server").fill(target);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/report\/[0-9a-f-]{36}$/);
}

async function waitForVerdict(): Promise<void> {
  await page.getByRole("region", { name: "Verdict" }).waitFor({ timeout: 90_000 });
}

/** The element's box lies wholly inside the first screen. */
async function aboveTheFold(selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const height = page.viewportSize()?.height ?? 0;
  return box !== null && box.y >= 0 && box.y + box.height <= height;
}

describe.skipIf(skip)("the report and the domain page in a browser", () => {
  beforeAll(async () => {
    // Long enough for the lab's slow server (1.2 s a refusal) to answer cases while the page watches.
    network = await startTestNetwork("report-browser", {
      probeTimeBudgetMs: 30_000,
      targetCooldownSeconds: COOLDOWN_SECONDS,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: "en-GB" });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await network?.stop();
  });

  it("shows the live progress per vantage, the cases as they come and an estimate on a slow server", async () => {
    // Refusals to eu-west come 1.2 s late: the other vantages' cases are in while it still runs.
    await submit(`127.0.0.1:${labPort(network, "slow-refusals")}`);
    await page.locator("#progress").waitFor();
    // One moment of the page, read at once: the section is replaced every 2 s.
    await page.waitForFunction(
      'document.querySelector("#progress .slow") && document.querySelector("#progress .answered li")',
      undefined,
      { timeout: 30_000 },
    );
    const seen = (await page.evaluate(`(() => {
      const section = document.querySelector("#progress");
      return {
        bars: section.querySelectorAll("progress").length,
        text: section.textContent,
        slow: section.querySelector(".slow").textContent,
      };
    })()`)) as { bars: number; text: string; slow: string };
    await page.screenshot({ path: screenshotPath("report-progress.png") });
    expect(seen.bars).toBe(network.nodes.length);
    expect(seen.text).toMatch(/\d+ of 29 cases answered/);
    expect(seen.text).toMatch(/canary-sender ✓refused/);
    expect(seen.slow).toMatch(/tarpit or greylisting\): about \d+ s left/);
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 120_000);

  it("puts the verdict, the accepted trick, where and the fix on the first screen of a 2 MX x 2 address domain", async () => {
    await submit(`two-mx.lab.test:${labPort(network, "two-mx")}`);
    reportUrl = page.url();
    await waitForVerdict();
    await expect
      .poll(() => page.getByRole("region", { name: "Verdict" }).textContent())
      .toContain("Open relay");
    const tricks = page.getByRole("region", { name: "What was accepted", exact: true });
    const trickText = (await tricks.textContent()) ?? "";
    expect(trickText).toContain("Relaying for anyone");
    expect(trickText).toMatch(/MAIL FROM:<[^>]*>/);
    expect(trickText).toMatch(/RCPT TO:<[^>]+@canary\.relaywatch\.test>/);
    // Only the trusted vantage got through, on mx1's two addresses; mx2 refused everything.
    // Where it ran, and that it is the neighbour inside the target's network.
    expect(trickText).toContain("from ap-northeast (lab-nrt), inside the target's network");
    expect(trickText).not.toContain("eu-west");
    expect(trickText).toContain("mx1.two-mx.lab.test 127.0.0.1");
    expect(trickText).toContain("mx1.two-mx.lab.test 127.0.0.4");
    const fix = page.getByRole("region", { name: "How to fix it", exact: true });
    expect(await fix.textContent()).toContain("The server says it runs Postfix");
    expect(await fix.locator("#fix-postfix").textContent()).toContain(
      "smtpd_relay_restrictions = permit_mynetworks",
    );
    // The other servers' fixes are folded away.
    expect(await page.locator("#fix-exim").isVisible()).toBe(false);
    // Three outside vantages tested it; ap-northeast, inside, does not count.
    expect(await page.locator(".first .outside").textContent()).toContain(
      "3 independent vantages outside the target's network tested it",
    );
    for (const selector of [
      "#verdict-heading",
      ".verdict",
      ".first .outside",
      ".tricks li",
      "#fix-heading",
      "#fix-postfix",
    ])
      expect(await aboveTheFold(selector), selector).toBe(true);
    await page.screenshot({ path: screenshotPath("report-first-screen.png") });
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 120_000);

  it("summarises the 4 addresses, collapses what is identical and opens one case's exchange from a cell", async () => {
    const summary = page.locator("table.targets tbody tr");
    expect(await summary.count()).toBe(4);
    // Addresses that answered alike share a matrix: mx1's two first (open), mx2's two on demand.
    const captions = await page.locator("table.matrix caption").allTextContents();
    expect(captions).toEqual([
      "Cases tried on mx1.two-mx.lab.test 127.0.0.1, mx1.two-mx.lab.test 127.0.0.4 (the same on 2 addresses)",
      "Cases tried on mx2.two-mx.lab.test 127.0.0.2, mx2.two-mx.lab.test 127.0.0.3 (the same on 2 addresses)",
    ]);
    expect(await page.locator("table.matrix").nth(1).isVisible()).toBe(false);
    const headings = await page
      .locator("table.matrix")
      .first()
      .locator("thead th")
      .allTextContents();
    expect(headings).toEqual([
      "Case",
      "eu-west (lab-fra), us-east (lab-iad), sa-east (lab-gru)3 vantages saw the same",
      "ap-northeast (lab-nrt)inside the target's network",
    ]);
    // Each vantage's place, network and whether it counted.
    const rows = page.locator("table.vantages tbody tr");
    expect(await rows.count()).toBe(network.nodes.length);
    const insideRow = rows.filter({ hasText: "ap-northeast" });
    expect(await insideRow.locator("td").first().textContent()).toBe("lab-nrt");
    const insideText = (await insideRow.textContent()) ?? "";
    expect(insideText).toMatch(/no for [\d., ]+: inside its network \(same AS\)/);
    for (const address of ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"])
      expect(insideText).toContain(address);
    expect(
      await page.locator("details > summary", { hasText: "1 more address group with" }).count(),
    ).toBe(1);

    const cell = page
      .locator("table.matrix")
      .first()
      .locator("tr", { has: page.locator("th code", { hasText: /^canary-sender$/ }) })
      .locator("td")
      .nth(1)
      .locator("a");
    expect(await cell.textContent()).toMatch(/accepted|delivered/);
    await cell.focus();
    await page.keyboard.press("Enter");
    const panel = page.locator("#exchange");
    await expect.poll(() => panel.isVisible()).toBe(true);
    const exchange = (await panel.locator("pre").textContent()) ?? "";
    expect(exchange).toMatch(/\[\d+\] >> MAIL FROM:/);
    expect(exchange).toMatch(/>> RCPT TO:<[^>]+@canary\.relaywatch\.test>/);
    // Only this case: no greeting, no other case's envelope.
    expect(exchange).not.toContain("EHLO");
    expect(exchange.match(/>> MAIL FROM:/g)).toHaveLength(1);
    const full = panel.getByRole("link", { name: "Full transcript of this vantage" });
    expect(await full.getAttribute("href")).toMatch(/\/transcripts\.txt\?vantage=/);
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("report-matrix-exchange.png") });
    expect(await accessibilityViolations(page)).toEqual([]);

    const download = await page.request.get(`${reportUrl}/transcripts.txt`);
    expect(download.headers()["content-disposition"]).toMatch(
      /filename="relaywatch-two-mx\.lab\.test-\d{4}-\d{2}-\d{2}\.txt"/,
    );
    // 2 MX hosts x 2 addresses x every vantage.
    expect((await download.text()).match(/^# mx\d\.two-mx\.lab\.test /gm)).toHaveLength(
      4 * network.nodes.length,
    );
  }, 60_000);

  it("names the vantages that could not test TLS, who tested instead, and the certificate they saw", async () => {
    await submit(`tls-self-signed.lab.test:${labPort(network, "tls-self-signed")}`);
    await waitForVerdict();
    const vantages = page.getByRole("region", { name: "Where the vantages ran" });
    const row = (region: string) => vantages.locator("tbody tr").filter({ hasText: region });
    for (const region of ["eu-west", "ap-northeast"]) {
      const text = (await row(region).textContent()) ?? "";
      expect(text).toContain("TLS not testable from this vantage");
      expect(text).toContain("no fault of the server");
      expect(text).toMatch(/tested instead from (us-east \(lab-iad\)|sa-east \(lab-gru\))/);
    }
    // The matrix's note on those columns: the vantage's limit, not the certificate's fault.
    const notes = (await page.locator(".column-note").allTextContents()).join("\n");
    expect(notes).toContain("says nothing about your certificate");
    expect(notes).not.toContain("Check that the certificate chain is complete");
    const certificate = vantages.locator("table.certificates tbody tr").first();
    const certText = (await certificate.textContent()) ?? "";
    expect(certText).toContain("O=Relaywatch lab");
    expect(certText).toContain("no: DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(certText).toMatch(/GMT – .+GMT/);
    await vantages.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("report-tls-vantages.png") });
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 120_000);

  it("needs no horizontal scrolling at 390x844, in English and Japanese", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: "ja-JP" });
    for (const language of ["en", "ja"]) {
      await phone.goto(`${reportUrl}?lang=${language}`);
      const widths = (await phone.evaluate(
        "({ scroll: document.documentElement.scrollWidth, view: window.innerWidth })",
      )) as { scroll: number; view: number };
      expect(widths.scroll, language).toBeLessThanOrEqual(widths.view);
      await phone.screenshot({ path: screenshotPath(`report-phone-${language}.png`) });
      expect(await accessibilityViolations(phone)).toEqual([]);
    }
    await phone.close();
  }, 60_000);

  it("checks again once the cool-down allows, and says what changed", async () => {
    await page.goto(reportUrl);
    const button = page.getByRole("button", { name: /^Check again/ });
    // Enabled when the cool-down has run out (the script counts it down on the page).
    await expect.poll(() => button.isEnabled(), { timeout: COOLDOWN_SECONDS * 1000 }).toBe(true);
    await button.click();
    await page.waitForURL(
      (url) => /\/report\/[0-9a-f-]{36}$/.test(url.pathname) && url.href !== reportUrl,
    );
    await waitForVerdict();
    const changes = page.getByRole("region", { name: "Since the previous check" });
    expect(await changes.textContent()).toContain("No case changed.");
    expect(await changes.getByRole("link", { name: "previous report" }).getAttribute("href")).toBe(
      new URL(reportUrl).pathname,
    );
    await page.screenshot({ path: screenshotPath("report-check-again.png") });
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 120_000);

  it("keeps a domain page with a timeline chart, the badge snippets and the reports, in both languages", async () => {
    await page.goto(`${network.coordinator.url}/domain/two-mx.lab.test?lang=en`);
    await page.screenshot({ path: screenshotPath("domain-page.png"), fullPage: true });
    // Every finished check of the domain (this file's two, and any kept from earlier runs).
    const reports = await page.locator("#history-heading + ul li a").count();
    expect(reports).toBeGreaterThanOrEqual(2);
    const chart = page.getByRole("img", {
      name: `Timeline of the last ${reports} verdicts of two-mx.lab.test`,
    });
    await chart.waitFor();
    expect(await page.locator("svg.timeline circle").count()).toBe(reports);
    expect(await page.locator("#badge-rst + pre").textContent()).toContain(".. image:: ");
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "日本語" }).click();
    await page.getByRole("heading", { name: "判定の推移" }).waitFor();
    await page
      .getByRole("img", { name: `two-mx.lab.test の直近 ${reports} 回の判定の推移` })
      .waitFor();
    await page.screenshot({ path: screenshotPath("domain-page-ja.png"), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 60_000);
});
