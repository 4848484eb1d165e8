import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalNetwork } from "../../scripts/local-network.ts";
import { postfixAvailable } from "../lab/mta/postfix.ts";
import {
  accessibilityViolations,
  chromiumMissing,
  launchChromium,
  screenshotPath,
} from "./browser.ts";
import { labPort, startTestNetwork } from "./network-fixture.ts";

const PROBE_BUDGET_MS = 10_000;

const missing = [
  chromiumMissing(),
  postfixAvailable() ? null : "Postfix (scripts/install-system-deps.sh)",
].filter((item) => item !== null);
// CI must have everything: a missing browser there is a failure, not a quiet skip.
const skip = missing.length > 0 && !process.env.CI;
if (skip) console.warn(`page browser test skipped: missing ${missing.join(" and ")}`);

let network: LocalNetwork;
let browser: Browser;
let page: Page;

describe.skipIf(skip)("the check-my-server page in a browser", () => {
  beforeAll(async () => {
    network = await startTestNetwork("page-browser", { probeTimeBudgetMs: PROBE_BUDGET_MS });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await network?.stop();
  });

  it("checks the open Postfix from the keyboard and shows the verdict, a transcript and the fix", async () => {
    await page.goto(`${network.coordinator.url}/`);
    const input = page.getByLabel("Domain or mail server");
    await page.screenshot({ path: screenshotPath("page-form.png") });
    expect(await accessibilityViolations(page)).toEqual([]);
    await input.focus();
    await page.keyboard.type(`127.0.0.1:${labPort(network, "postfix-open")}`);
    await page.keyboard.press("Enter");

    await page.waitForURL(/\/report\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.locator("h1").textContent()).toContain("Relay test of 127.0.0.1");
    // The report refreshes itself until the check is finished.
    await page
      .getByRole("region", { name: "Verdict" })
      .getByText("Open relay", { exact: true })
      .waitFor({ timeout: 90_000 });

    // The cell of bare-sender opens that case's exchange under the matrix.
    const cell = page
      .locator("table.matrix tr", { has: page.locator("th code", { hasText: /^bare-sender$/ }) })
      .first()
      .locator("td a")
      .first();
    await cell.focus();
    await page.keyboard.press("Enter");
    const transcript = page.locator("#exchange pre");
    await expect.poll(() => transcript.isVisible()).toBe(true);
    expect(await transcript.textContent()).toMatch(/\[\d+\] >> MAIL FROM:<spamtest>/);

    // The lab's Postfix does not name itself ("220 open.postfix.lab.test ESMTP"): every fix is
    // one click away, Postfix's among them.
    expect(
      await page.getByRole("region", { name: "How to fix it", exact: true }).textContent(),
    ).toContain("The server does not say which software it runs.");
    await page.getByText("Other mail servers", { exact: true }).click();
    const postfixFix = page.locator("#fix-postfix");
    await expect.poll(() => postfixFix.isVisible()).toBe(true);
    expect(await postfixFix.textContent()).toContain(
      "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
    );

    await page.locator("#advice-heading").scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("page-report-advice.png") });
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: screenshotPath("page-report.png") });
    await transcript.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("page-report-transcript.png") });
    // The finished report with a transcript open: tables, details, code, verdict colours.
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "日本語" }).click();
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("ja");
    await page
      .getByRole("region", { name: "判定" })
      .getByText("オープンリレー（open relay）", { exact: true })
      .waitFor();
    await page.screenshot({ path: screenshotPath("page-report-ja.png") });
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 150_000);

  it("checks an implicit-TLS server when its box is ticked from the keyboard", async () => {
    await page.goto(`${network.coordinator.url}/?lang=en`);
    await page.getByLabel("Domain or mail server").focus();
    await page.keyboard.type(`127.0.0.1:${labPort(network, "implicit-tls")}`);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Space");
    expect(await page.getByLabel("TLS from the first byte (SMTPS)").isChecked()).toBe(true);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/report\/[0-9a-f-]{36}$/);
    await page
      .getByRole("region", { name: "Verdict" })
      .getByText("Open relay", { exact: true })
      .waitFor({ timeout: 90_000 });
  }, 120_000);

  it("refuses a private address in words, next to the field, and stays accessible", async () => {
    await page.goto(`${network.coordinator.url}/?lang=en`);
    await page.getByLabel("Domain or mail server").fill("10.1.2.3");
    await page.keyboard.press("Enter");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/10\.1\.2\.3/);
    // The field names its error, so a screen reader reads the refusal with the field.
    const input = page.getByLabel("Domain or mail server");
    expect(await input.getAttribute("aria-describedby")).toContain("target-error");
    expect(await input.inputValue()).toBe("10.1.2.3");
    await page.screenshot({ path: screenshotPath("page-form-refused.png") });
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 60_000);

  it("has a checker that can fail: an unlabelled field and grey-on-white text are caught", async () => {
    const scratch = await browser.newPage();
    await scratch.setContent(
      '<!doctype html><html lang="en"><title>t</title><main><input type="text"><p style="color:#bbb;background:#fff">faint</p></main></html>',
    );
    const found = (await accessibilityViolations(scratch)).map((violation) => violation.id);
    await scratch.close();
    expect(found).toEqual(expect.arrayContaining(["label", "color-contrast"]));
  });
});
