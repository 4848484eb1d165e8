import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { AppContext } from "../context.ts";
import { buildOpenApiDocument } from "./openapi-document.ts";

/**
 * The reference page's script: Scalar's standalone bundle from its CDN, pinned to one version and
 * to that file's hash (Subresource Integrity), so a changed file is refused, not run. Why the
 * CDN and not our own copy: README "API".
 */
export const SCALAR_SCRIPT = {
  url: "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0/dist/browser/standalone.js",
  integrity: "sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ",
};

/**
 * Scripts: that one file and the inline call that starts it (by nonce); styles inline, as the
 * reference injects its own; requests (the document, "try it") to this origin only.
 */
function referencePolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' ${SCALAR_SCRIPT.url}`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * `GET /api/v1/openapi.json`, generated from the app's route declarations (once per isolate: it
 * depends only on the code), and `GET /api/docs`, the reference rendered from it.
 */
// biome-ignore lint/suspicious/noExplicitAny: any app's routes, whatever their types
export function serveReference(app: OpenAPIHono<AppContext, any, any>) {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get("/api/v1/openapi.json", (c) => {
    document ??= buildOpenApiDocument(app);
    c.header("Cache-Control", "public, max-age=300");
    return c.json(document);
  });
  app.get("/api/docs", async (c) => {
    const nonce = crypto.randomUUID().replaceAll("-", "");
    const page = await Scalar<AppContext>({
      url: "/api/v1/openapi.json",
      pageTitle: "Relaywatch API",
      cdn: SCALAR_SCRIPT.url,
      nonce,
      // Its default fonts come from a host the policy does not allow.
      withDefaultFonts: false,
      // Nothing that calls Scalar's own services: no AI agent, MCP, SDK upsell or telemetry.
      agent: { disabled: true },
      mcp: { disabled: true },
      showDeveloperTools: "never",
      telemetry: false,
    })(c, async () => {});
    if (!page) throw new Error("the API reference rendered nothing");
    // Scalar writes the script tag; the hash that pins the script's bytes goes on that tag.
    const html = (await page.text()).replace(
      `<script src="${SCALAR_SCRIPT.url}"`,
      `<script src="${SCALAR_SCRIPT.url}" integrity="${SCALAR_SCRIPT.integrity}" crossorigin="anonymous"`,
    );
    c.header("Content-Security-Policy", referencePolicy(nonce));
    c.header("Cache-Control", "no-store");
    return c.html(html);
  });
}
