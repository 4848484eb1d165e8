import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEST_NODES } from "./coordinator-env.ts";
import {
  callMain,
  callWithEnv,
  countRows,
  createCheck,
  runQueue,
  standIn,
} from "./coordinator-helpers.ts";

/** The check-my-server page: the form, its refusals, the report and its languages. */

function postForm(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  } satisfies RequestInit;
}

async function checkCounts() {
  return [await countRows("checks"), await countRows("vantage_results")];
}

describe("the form", () => {
  it("renders a labelled input, in English by default", async () => {
    const response = await callMain("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<label for="target">Domain or mail server<\/label>/);
    expect(html).toMatch(/<input[^>]*id="target"[^>]*name="target"/);
    expect(html).toContain('<form method="post" action="/check">');
    expect(html).toContain('href="#content"');
    expect(html).not.toContain("cf-turnstile");
  });

  it("starts a check for a loopback lab host and redirects to its report", async () => {
    const response = await callMain("/check", postForm({ target: "127.0.0.1:2525" }));
    expect(response.status).toBe(303);
    const location = response.headers.get("location") ?? "";
    expect(location).toMatch(/^\/report\/[0-9a-f-]{36}$/);

    const report = await callMain(location);
    expect(report.status).toBe(200);
    expect(report.headers.get("cache-control")).toBe("no-store");
    const html = await report.text();
    expect(html).toContain('<meta http-equiv="refresh" content="2"/>');
    expect(html).toContain('id="progress"');
    expect(html).toContain("starting…");
    const progress = await callMain(`${location}/progress`);
    expect(progress.headers.get("x-relaywatch-finished")).toBeNull();
    expect(await progress.text()).toContain(
      '<section aria-labelledby="progress-heading" id="progress">',
    );
  });

  it("asks for TLS from the first byte when the box is ticked, and keeps the tick on a refusal", async () => {
    const implicitTlsOf = async (fields: Record<string, string>) => {
      const response = await callMain("/check", postForm(fields));
      expect(response.status).toBe(303);
      const id = (response.headers.get("location") ?? "").split("/").pop();
      const row = await env.DB.prepare("select mx_json from checks where id = ?")
        .bind(id)
        .first<{ mx_json: string }>();
      return (JSON.parse(row?.mx_json ?? "{}") as { implicitTls?: boolean | null }).implicitTls;
    };
    expect(await implicitTlsOf({ target: "127.0.0.1:2526", implicit_tls: "on" })).toBe(true);
    expect(await implicitTlsOf({ target: "127.0.0.1:2527" })).toBeNull();

    const refused = await callMain("/check", postForm({ target: "10.0.0.1", implicit_tls: "on" }));
    const html = await refused.text();
    expect(html).toMatch(
      /<input type="checkbox" id="implicit-tls" name="implicit_tls" value="on" checked=""/,
    );
    expect(html).toContain('<label for="implicit-tls">TLS from the first byte (SMTPS)</label>');
  });

  it("refuses a cross-site POST, starting nothing (issue 8)", async () => {
    const before = await checkCounts();
    const crossSite: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "https://evil.example" },
    ];
    for (const headers of crossSite) {
      const response = await callMain("/check", postForm({ target: "127.0.0.1:2525" }, headers));
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("only accepts submissions from this site");
    }
    expect(await checkCounts()).toEqual(before);
    const ownPage = await callMain(
      "/check",
      postForm({ target: "127.0.0.1:2526" }, { "sec-fetch-site": "same-origin" }),
    );
    expect(ownPage.status).toBe(303);
  });

  it("reads no more of a form body than a form can hold (issue 8)", async () => {
    const before = await checkCounts();
    const huge = "x".repeat(20 * 1024 * 1024);
    const response = await callMain("/check", postForm({ target: "127.0.0.1:2527", pad: huge }));
    expect(response.status).toBe(413);
    expect(await checkCounts()).toEqual(before);
  });

  it("re-renders a refused target with the guard's message, status 400 and nothing stored", async () => {
    const before = await checkCounts();
    const response = await callMain("/check", postForm({ target: "10.0.0.1" }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toMatch(/role="alert"[^>]*>[\s\S]*10\.0\.0\.1 is a private address/);
    expect(html).toContain('value="10.0.0.1"');
    expect(html).toContain('aria-invalid="true"');
    expect(await checkCounts()).toEqual(before);
  });

  it("refuses a bad port before anything else", async () => {
    const response = await callMain("/check", postForm({ target: "mx.example.org:99999" }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("The port must be a number from 1 to 65535.");
  });

  it("escapes a hostile target in the message and in the input", async () => {
    const hostile = '"><script>alert(1)</script>';
    const response = await callMain("/check", postForm({ target: hostile }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain('value=""><script>');
  });
});

describe("languages", () => {
  it("speaks Japanese to a browser that prefers it", async () => {
    const response = await callMain("/", { headers: { "accept-language": "ja,en;q=0.8" } });
    const html = await response.text();
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain("ドメインまたはメールサーバー");
  });

  it("keeps English when English is preferred over Japanese", async () => {
    const response = await callMain("/", { headers: { "accept-language": "en-US,ja;q=0.5" } });
    expect(await response.text()).toContain('<html lang="en">');
  });

  it("switches with ?lang=ja and remembers it in a cookie", async () => {
    const response = await callMain("/?lang=ja", { headers: { "accept-language": "en" } });
    const html = await response.text();
    expect(html).toContain('<html lang="ja">');
    expect(response.headers.get("set-cookie")).toMatch(/^lang=ja;/);
    expect(html).toContain('href="/?lang=en"');

    const remembered = await callMain("/", {
      headers: { cookie: "lang=ja", "accept-language": "en" },
    });
    expect(await remembered.text()).toContain('<html lang="ja">');
  });

  it("shows refusals in Japanese too", async () => {
    const response = await callMain(
      "/check",
      postForm({ target: "10.0.0.1" }, { "accept-language": "ja" }),
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("この対象は検査できません");
    // The reason in Japanese, then the server's detail naming the address.
    expect(html).toMatch(
      /公開されていないアドレス[^<]*検査できません。（10\.0\.0\.1: 10\.0\.0\.1 is a private address/,
    );
  });

  it("says in Japanese why a name cannot be checked, and in English without the extra sentence", async () => {
    const inJapanese = await callMain(
      "/check",
      postForm({ target: "no-such-domain.example" }, { "accept-language": "ja" }),
    );
    expect(await inJapanese.text()).toContain("このドメインは DNS に存在しません。（");
    const inEnglish = await (
      await callMain("/check", postForm({ target: "no-such-domain.example" }))
    ).text();
    expect(inEnglish).toContain("no-such-domain.example does not exist in DNS");
    expect(inEnglish).not.toContain("（");
  });

  it("tells the truth about what is sent: a labelled test message only where one is accepted", async () => {
    const english = await (await callMain("/")).text();
    expect(english).toContain("a short, clearly labelled test message is sent to it");
    expect(english).not.toContain("sends no message");
  });
});

describe("a finished report", () => {
  it("shows the verdict in words, the cases with their logs, the fixes, and a short public cache", async () => {
    const { body, messages } = await createCheck({ host: "127.0.0.1", port: 2525 });
    await standIn.script(
      body.id,
      Object.fromEntries(TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "open" }])),
    );
    await runQueue(messages);

    const response = await callMain(`/report/${body.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=60");
    const html = await response.text();
    expect(html).not.toContain('http-equiv="refresh"');
    expect(html).toContain("Open relay");
    expect(html).toContain("Relaying for anyone");
    expect(html).toContain("smtpd_relay_restrictions = permit_mynetworks");
    expect(html).toContain("ms-Exch-SMTP-Accept-Any-Recipient");
    // Three vantages that saw the same share one column of the matrix.
    expect(html).toContain("3 vantages saw the same");
    // The accepted cell opens that case's exchange; the whole log is a download.
    const cell = /<td class="c c-accepted"><a href="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(cell).toMatch(new RegExp(`^/report/${body.id}/case/`));
    const exchange = await (await callMain(`${cell}?fragment=1`)).text();
    expect(exchange).toContain("canary-sender from");
    expect(exchange).not.toContain("<html");
    const download = await callMain(`/report/${body.id}/transcripts.txt`);
    expect(download.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(download.headers.get("content-disposition")).toMatch(
      /^attachment; filename="relaywatch-127\.0\.0\.1-\d{4}-\d{2}-\d{2}\.txt"$/,
    );
    expect(await download.text()).toContain("# Relaywatch relay test of 127.0.0.1");
    expect(html).toContain(`download="relaywatch-127.0.0.1-`);
    // A host check has no badge: badges are per domain.
    expect(html).not.toContain("/badge/");

    const japanese = await callMain(`/report/${body.id}?lang=ja`);
    expect(japanese.headers.get("cache-control")).toBe("no-store");
    const jaHtml = await japanese.text();
    expect(jaHtml).toContain("オープンリレー（open relay）");
    expect(jaHtml).toContain("smtpd_relay_restrictions = permit_mynetworks");
  });

  it("names the step that decided each case, DATA refusals and sampled ones included", async () => {
    const { body, messages } = await createCheck({ host: "127.0.0.1", port: 2527 });
    await standIn.script(
      body.id,
      Object.fromEntries(
        TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "refused-at-data" }]),
      ),
    );
    await runQueue(messages);
    const html = await (await callMain(`/report/${body.id}`)).text();
    expect(html).not.toContain("Open relay");
    // A message refused at DATA is no relay: the matrix shows no accepted cell.
    expect(html).not.toContain('class="c c-accepted"');
    // Each cell's exchange names the step that decided it and the DATA reply.
    const links = [...html.matchAll(/href="(\/report\/[^"]+\/case\/[^"]+)"/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    const exchanges = await Promise.all(
      links.map(async (link) => (await callMain(`${link}?fragment=1`)).text()),
    );
    const sampled = exchanges.filter((text) =>
      text.includes("accepted at RCPT, message refused (sampled)"),
    );
    expect(sampled.length).toBeGreaterThan(0);
    expect(sampled[0]).toContain('<small class="step">(decided at DATA)</small>');
    expect(
      exchanges.some((text) =>
        /refused<\/strong> <small class="step">\(decided at DATA\)/.test(text),
      ),
    ).toBe(true);
    expect(exchanges.join("\n")).toContain("DATA 554 5.7.1 Message refused");
    const [first] = links;
    const ja = await (await callMain(`${first}?lang=ja&fragment=1`)).text();
    expect(ja).toMatch(/で判定/);
  });

  it("lists earlier checks of the same target as history", async () => {
    const first = await createCheck({ host: "127.0.0.1", port: 2526 });
    const second = await createCheck({ host: "127.0.0.1", port: 2526 });
    const html = await (await callMain(`/report/${second.body.id}`)).text();
    expect(html).toContain(`href="/report/${first.body.id}"`);
  });

  it("offers a badge for a domain check", async () => {
    const created = await createCheck({ domain: "open.lab.test", port: 2525 });
    expect(created.response.status).toBe(202);
    const html = await (await callMain(`/report/${created.body.id}`)).text();
    expect(html).toContain("/badge/open.lab.test.svg");
    expect(html).toContain(`/report/${created.body.id}&quot;&gt;&lt;img`);
  });

  it("answers 404 for an unknown id", async () => {
    const response = await callMain("/report/no-such-check");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("There is no check with this id.");
  });

  it("keeps the API first: /api paths are never the page", async () => {
    const response = await callWithEnv("/api/v1/checks/unknown", {}, {});
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  });
});

describe("did my fix work?", () => {
  it("shows what changed since the previous check, and a check-again button behind the cool-down", async () => {
    const target = { host: "127.0.0.1", port: 2540 };
    const scriptAll = async (id: string, verdict: "open" | "closed") =>
      standIn.script(
        id,
        Object.fromEntries(TEST_NODES.map((node) => [node.id, { kind: "result", verdict }])),
      );
    const before = await createCheck(target);
    await scriptAll(before.body.id, "open");
    await runQueue(before.messages);
    const after = await createCheck(target);
    await scriptAll(after.body.id, "closed");
    await runQueue(after.messages);

    const html = await (await callMain(`/report/${after.body.id}`)).text();
    expect(html).toContain("Since the previous check");
    expect(html).toMatch(/Now refused:<\/strong> <code>canary-sender<\/code>/);
    expect(html).toContain(`href="/report/${before.body.id}"`);
    // The button posts the same target back to the form; no cool-down here, so it is enabled.
    expect(html).toContain('<input type="hidden" name="target" value="127.0.0.1:2540"/>');
    expect(html).toMatch(/<button type="submit" data-label="Check again">Check again<\/button>/);

    const waiting = await (
      await callWithEnv(`/report/${after.body.id}`, {}, { TARGET_COOLDOWN_SECONDS: "300" })
    ).text();
    expect(waiting).toMatch(/<button type="submit" disabled="" data-wait="(29\d|300)"/);
    expect(waiting).toMatch(/Check again \(possible in (29\d|300) s\)/);
  });
});

describe("the domain page", () => {
  it("charts past verdicts as SVG, offers the badge in three markups and links every report", async () => {
    const created = await createCheck({ domain: "open.lab.test", port: 2525 });
    await standIn.script(
      created.body.id,
      Object.fromEntries(TEST_NODES.map((node) => [node.id, { kind: "result", verdict: "open" }])),
    );
    await runQueue(created.messages);

    const response = await callMain("/domain/open.lab.test");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<h1>Relay history of open.lab.test</h1>");
    expect(html).toMatch(
      /<svg class="timeline" viewBox="[^"]+" role="img" aria-labelledby="timeline-title"/,
    );
    expect(html).toContain('<circle cx="');
    expect(html).toContain('fill="#b3261e"');
    expect(html).toContain(`href="/report/${created.body.id}"`);
    expect(html).toContain(".. image:: ");
    expect(html).toContain("   :target: ");
    expect(html).toContain("[![Relaywatch: relay test](");
    // The report links to the domain page.
    const report = await (await callMain(`/report/${created.body.id}`)).text();
    expect(report).toContain('href="/domain/open.lab.test"');

    const japanese = await (await callMain("/domain/open.lab.test?lang=ja")).text();
    expect(japanese).toContain("判定の推移");
    expect(japanese).toContain("オープンリレー");

    expect((await callMain("/domain/not a domain")).status).toBe(400);
    expect(await (await callMain("/domain/never-checked.example")).text()).toContain(
      "This domain has not been checked yet.",
    );
  });
});
