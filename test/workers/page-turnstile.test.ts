import { describe, expect, it, vi } from "vitest";
import {
  TURNSTILE_SITEVERIFY_URL,
  verifyTurnstile,
} from "../../workers/coordinator/src/pages/turnstile.ts";
import { callWithEnv, countRows } from "./coordinator-helpers.ts";

const TURNSTILE_ON = { TURNSTILE_SITE_KEY: "site-key-test", TURNSTILE_SECRET_KEY: "secret-test" };

function siteverify(answer: unknown, status = 200) {
  return vi.fn<typeof fetch>(async () => Response.json(answer, { status }));
}

describe("verifyTurnstile", () => {
  it("posts secret, token and client address to siteverify and trusts only success: true", async () => {
    const fetchImpl = siteverify({ success: true });
    expect(await verifyTurnstile("secret", "token-1", "203.0.113.9", fetchImpl)).toBe(true);
    const [url, init] = fetchImpl.mock.calls[0] ?? [];
    expect(url).toBe(TURNSTILE_SITEVERIFY_URL);
    expect(init?.method).toBe("POST");
    const sent = new URLSearchParams(String(init?.body));
    expect(Object.fromEntries(sent)).toEqual({
      secret: "secret",
      response: "token-1",
      remoteip: "203.0.113.9",
    });
  });

  it("refuses a failed, malformed or unreachable verification", async () => {
    const failed = siteverify({ success: false, "error-codes": ["invalid-input-response"] });
    expect(await verifyTurnstile("secret", "token", null, failed)).toBe(false);
    expect(await verifyTurnstile("secret", "token", null, siteverify({ success: "true" }))).toBe(
      false,
    );
    expect(await verifyTurnstile("secret", "token", null, siteverify({}, 500))).toBe(false);
    const unreachable = vi.fn<typeof fetch>(async () => {
      throw new TypeError("network down");
    });
    expect(await verifyTurnstile("secret", "token", null, unreachable)).toBe(false);
  });

  it("does not call siteverify without a token", async () => {
    const fetchImpl = siteverify({ success: true });
    expect(await verifyTurnstile("secret", "", null, fetchImpl)).toBe(false);
    expect(fetchImpl).not.toHaveBeenCalled();
  });
});

describe("Turnstile on the page", () => {
  it("is off without keys: no widget", async () => {
    const html = await (await callWithEnv("/", {}, {})).text();
    expect(html).not.toContain("challenges.cloudflare.com");
  });

  it("with keys, shows the widget and refuses a submission without a token, starting nothing", async () => {
    const form = await (await callWithEnv("/", {}, TURNSTILE_ON)).text();
    expect(form).toContain('src="https://challenges.cloudflare.com/turnstile/v0/api.js"');
    expect(form).toContain('class="cf-turnstile" data-sitekey="site-key-test"');

    const before = await countRows("checks");
    const response = await callWithEnv(
      "/check",
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "target=127.0.0.1%3A2525",
        redirect: "manual",
      },
      TURNSTILE_ON,
    );
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/role="alert"[\s\S]*anti-abuse challenge/);
    expect(await countRows("checks")).toBe(before);
  });
});
