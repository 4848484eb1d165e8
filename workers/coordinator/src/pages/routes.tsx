/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { anonymousCooldownSeconds } from "../access/cooldown.ts";
import { startAdmittedCheck } from "../access/index.ts";
import { parseDomainName } from "../badge/domain-name.ts";
import { verdictHistory } from "../badge/store.ts";
import { readCheck } from "../checks/read.ts";
import type { AppContext } from "../context.ts";
import { getCheckView, openDatabase } from "../db/repository.ts";
import { ApiException, NotFound } from "../errors.ts";
import { retentionPolicy } from "../evidence/retention.ts";
import { type Language, messagesFor } from "../i18n/index.ts";
import { probeDirectory } from "../probes/directory.ts";
import { caseDelivery } from "../proof/case-delivery.ts";
import { deliveriesOfCheck, deliveryKey } from "../proof/deliveries.ts";
import { CaseExchangeView } from "./case-exchange-view.tsx";
import { changesSincePrevious } from "./changes.ts";
import { EMPTY_FORM, type FormInput } from "./check-form.tsx";
import { DomainPage } from "./domain-page.tsx";
import { downloadName, transcriptsText } from "./downloads.ts";
import { isCrossSitePost, readFormFields } from "./form-request.ts";
import { listTargetHistory } from "./history.ts";
import { HomePage } from "./home-page.tsx";
import { chooseLanguage } from "./language.ts";
import { Layout } from "./layout.tsx";
import { ProbesPage } from "./probes-page.tsx";
import { ProgressList } from "./progress-list.tsx";
import { refusalText } from "./refusal-text.ts";
import { vantagePlace } from "./report-model.ts";
import { isFinished, ReportPage } from "./report-page.tsx";
import { pageServices } from "./services.ts";
import { parseTargetInput } from "./target-input.ts";
import { TURNSTILE_RESPONSE_FIELD, turnstileKeys, verifyTurnstile } from "./turnstile.ts";

/** A finished report does not change; a short shared cache still lets a re-check show soon. */
const FINISHED_REPORT_CACHE = "public, max-age=60";

type PageContext = Context<AppContext>;

function renderForm(
  c: PageContext,
  language: Language,
  status: ContentfulStatusCode,
  form: FormInput,
  error: string | null,
) {
  c.header("Cache-Control", "no-store");
  return c.html(
    <HomePage language={language} form={form} error={error} turnstile={turnstileKeys(c.env)} />,
    status,
  );
}

function formField(body: Record<string, string>, name: string): string {
  return body[name] ?? "";
}

/** The check-my-server page: a form, and a permanent report per check. */
export const pagesRoutes = new Hono<AppContext>()
  .use("/", pageServices)
  .use("/check", pageServices)
  .use("/report/*", pageServices)
  .use("/domain/*", pageServices)
  .get("/", (c) => renderForm(c, chooseLanguage(c), 200, EMPTY_FORM, null))
  .get("/about/probes", async (c) => {
    const language = chooseLanguage(c);
    const switched = c.req.query("lang") !== undefined;
    c.header("Vary", "Accept-Language, Cookie");
    c.header("Cache-Control", switched ? "no-store" : "public, max-age=300");
    return c.html(<ProbesPage language={language} directory={await probeDirectory(c.env)} />);
  })
  .post("/check", async (c) => {
    const language = chooseLanguage(c);
    const t = messagesFor(language);
    if (isCrossSitePost(c.req.raw, c.env.PUBLIC_ORIGIN)) {
      return renderForm(c, language, 403, EMPTY_FORM, t.form.crossSite);
    }
    const body = await readFormFields(c.req.raw);
    if (body === null) return renderForm(c, language, 413, EMPTY_FORM, t.form.tooLarge);
    const form: FormInput = {
      target: formField(body, "target"),
      implicitTls: formField(body, "implicit_tls") === "on",
    };
    const turnstile = turnstileKeys(c.env);
    if (turnstile) {
      const verified = await verifyTurnstile(
        turnstile.secretKey,
        formField(body, TURNSTILE_RESPONSE_FIELD),
        c.req.header("cf-connecting-ip") ?? null,
      );
      if (!verified) return renderForm(c, language, 403, form, t.form.turnstileFailed);
    }
    const parsed = parseTargetInput(form.target);
    if (!parsed.ok) {
      const message =
        parsed.problem === "guard"
          ? refusalText(t, parsed.code, parsed.message)
          : parsed.problem === "port"
            ? t.form.invalidPort
            : t.form.noInput;
      return renderForm(c, language, 400, form, message);
    }
    try {
      // The same admission as the API: anonymous rate limit and per-target cool-down.
      // The page always asks for delivery proof: "accepted" alone is not what a visitor wants.
      const request = form.implicitTls
        ? { ...parsed.request, proof: true, implicitTls: true }
        : { ...parsed.request, proof: true };
      const { check } = await startAdmittedCheck(c, request);
      return c.redirect(`/report/${encodeURIComponent(check.id)}`, 303);
    } catch (error) {
      if (error instanceof ApiException) {
        for (const [name, headerValue] of Object.entries(error.headers))
          c.header(name, headerValue);
        return renderForm(
          c,
          language,
          error.status,
          form,
          refusalText(t, error.code, error.message),
        );
      }
      throw error;
    }
  })
  .get("/report/:id", async (c) => {
    const language = chooseLanguage(c);
    const db = openDatabase(c.env.DB);
    const id = c.req.param("id");
    const view = await readCheck(c.env, db, id);
    c.header("Vary", "Accept-Language, Cookie");
    if (!view) return notFoundPage(c, language, messagesFor(language).report.notFound);
    const [history, deliveries] = await Promise.all([
      listTargetHistory(db, view.check),
      deliveriesOfCheck(db, id),
    ]);
    const changes = await changesSincePrevious(db, view, history);
    // While canary messages may still arrive the verdict can change: nothing may cache it.
    const settled = isFinished(view) && view.check.proof !== "pending";
    // A language switch sets a cookie: that answer is personal, never shared. The check-again
    // button counts down from the time of rendering, so a cached copy may start it late.
    const switched = c.req.query("lang") !== undefined;
    c.header("Cache-Control", settled && !switched ? FINISHED_REPORT_CACHE : "no-store");
    const origin = c.env.PUBLIC_ORIGIN ?? new URL(c.req.url).origin;
    const now = Date.now();
    const allowedAt = view.check.createdAt + anonymousCooldownSeconds(c.env) * 1000;
    return c.html(
      <ReportPage
        language={language}
        view={view}
        history={history}
        origin={origin}
        deliveries={deliveries}
        retention={retentionPolicy(c.env)}
        changes={changes}
        waitSeconds={Math.max(0, Math.ceil((allowedAt - now) / 1000))}
        now={now}
      />,
    );
  })
  .get("/report/:id/progress", async (c) => {
    const language = chooseLanguage(c);
    const view = await readCheck(c.env, openDatabase(c.env.DB), c.req.param("id"));
    c.header("Cache-Control", "no-store");
    if (!view) return c.text("not found", 404);
    if (isFinished(view)) {
      c.header("X-Relaywatch-Finished", "1");
      return c.body(null, 204);
    }
    return c.html(<ProgressList t={messagesFor(language)} view={view} now={Date.now()} />);
  })
  .get("/report/:id/case/:vantageId/:caseIndex", async (c) => {
    const language = chooseLanguage(c);
    const t = messagesFor(language);
    const db = openDatabase(c.env.DB);
    const id = c.req.param("id");
    const view = await getCheckView(db, id, c.env.EVIDENCE);
    const vantage = view?.mxHosts
      .flatMap((host) => host.addresses.flatMap((address) => address.vantages))
      .find((candidate) => candidate.id === c.req.param("vantageId"));
    const row = vantage?.cases.find((entry) => String(entry.index) === c.req.param("caseIndex"));
    c.header("Vary", "Accept-Language, Cookie");
    if (!view || !vantage || !row) return notFoundPage(c, language, t.exchange.notFound);
    const deliveries = await deliveriesOfCheck(db, id);
    const reportPath = `/report/${encodeURIComponent(id)}`;
    const exchange = (
      <CaseExchangeView
        t={t}
        reportPath={reportPath}
        vantage={vantage}
        row={row}
        delivery={caseDelivery(
          row,
          view.check,
          deliveries.get(deliveryKey(vantage.id, row.index)),
          Date.now(),
        )}
      />
    );
    c.header("Cache-Control", "no-store");
    if (c.req.query("fragment") !== undefined) return c.html(exchange);
    return c.html(
      <Layout
        language={language}
        title={t.exchange.title(row.caseId, vantagePlace(vantage))}
        path={c.req.path}
      >
        <h1>{t.report.title(view.check.target)}</h1>
        {exchange}
        <p>
          <a href={`${reportPath}#matrix`}>{t.exchange.back}</a>
        </p>
      </Layout>,
    );
  })
  .get("/report/:id/transcripts.txt", async (c) => {
    const view = await getCheckView(openDatabase(c.env.DB), c.req.param("id"), c.env.EVIDENCE);
    const vantageId = c.req.query("vantage") ?? null;
    const text = view ? transcriptsText(view, vantageId) : null;
    if (!view || text === null) throw new NotFound("no such check or vantage");
    c.header("Content-Type", "text/plain; charset=utf-8");
    c.header("Cache-Control", "no-store");
    // One vantage opens in the browser (a link from a case); the whole check is a download.
    if (vantageId === null)
      c.header("Content-Disposition", `attachment; filename="${downloadName(view.check, "txt")}"`);
    return c.body(text);
  })
  .get("/domain/:domain", async (c) => {
    const language = chooseLanguage(c);
    const t = messagesFor(language);
    const domain = parseDomainName(c.req.param("domain"));
    c.header("Vary", "Accept-Language, Cookie");
    if (domain === null) return notFoundPage(c, language, t.domainPage.invalid, 400);
    const entries = await verdictHistory(openDatabase(c.env.DB), domain, DOMAIN_TIMELINE_LIMIT);
    c.header(
      "Cache-Control",
      c.req.query("lang") === undefined ? FINISHED_REPORT_CACHE : "no-store",
    );
    const origin = c.env.PUBLIC_ORIGIN ?? new URL(c.req.url).origin;
    return c.html(
      <DomainPage language={language} domain={domain} origin={origin} entries={entries} />,
    );
  });

/** How many past verdicts the domain page charts and lists. */
const DOMAIN_TIMELINE_LIMIT = 30;

function notFoundPage(
  c: PageContext,
  language: Language,
  message: string,
  status: 400 | 404 = 404,
) {
  const t = messagesFor(language);
  c.header("Cache-Control", "no-store");
  return c.html(
    <Layout language={language} title={message} path="/">
      <h1>{message}</h1>
      <p>
        <a href="/">{t.report.newCheck}</a>
      </p>
    </Layout>,
    status,
  );
}
