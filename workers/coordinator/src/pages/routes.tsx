/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { startAdmittedCheck } from "../access/index.ts";
import { readCheck } from "../checks/read.ts";
import type { AppContext } from "../context.ts";
import { openDatabase } from "../db/repository.ts";
import { ApiException } from "../errors.ts";
import { retentionPolicy } from "../evidence/retention.ts";
import { type Language, messagesFor } from "../i18n/index.ts";
import { deliveriesOfCheck } from "../proof/deliveries.ts";
import { EMPTY_FORM, type FormInput } from "./check-form.tsx";
import { isCrossSitePost, readFormFields } from "./form-request.ts";
import { listTargetHistory } from "./history.ts";
import { HomePage } from "./home-page.tsx";
import { chooseLanguage } from "./language.ts";
import { Layout } from "./layout.tsx";
import { refusalText } from "./refusal-text.ts";
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
  .get("/", (c) => renderForm(c, chooseLanguage(c), 200, EMPTY_FORM, null))
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
    if (!view) {
      const t = messagesFor(language);
      c.header("Cache-Control", "no-store");
      return c.html(
        <Layout language={language} title={t.report.notFound} path="/">
          <h1>{t.report.notFound}</h1>
          <p>
            <a href="/">{t.report.newCheck}</a>
          </p>
        </Layout>,
        404,
      );
    }
    const [history, deliveries] = await Promise.all([
      listTargetHistory(db, view.check),
      deliveriesOfCheck(db, id),
    ]);
    // While canary messages may still arrive the verdict can change: nothing may cache it.
    const settled = isFinished(view) && view.check.proof !== "pending";
    // A language switch sets a cookie: that answer is personal, never shared.
    const switched = c.req.query("lang") !== undefined;
    c.header("Cache-Control", settled && !switched ? FINISHED_REPORT_CACHE : "no-store");
    const origin = c.env.PUBLIC_ORIGIN ?? new URL(c.req.url).origin;
    return c.html(
      <ReportPage
        language={language}
        view={view}
        history={history}
        origin={origin}
        deliveries={deliveries}
        retention={retentionPolicy(c.env)}
      />,
    );
  });
