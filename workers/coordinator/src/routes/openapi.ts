import { Hono } from "hono";
import type { AppContext } from "../context.ts";
import { renderApiDocs } from "./api-docs.ts";
import { buildOpenApiDocument } from "./openapi-document.ts";

// Built once per isolate: the document depends only on the code.
let document: Record<string, unknown> | undefined;

function openApiDocument(): Record<string, unknown> {
  document ??= buildOpenApiDocument();
  return document;
}

/** GET /api/v1/openapi.json: the machine-readable description. */
export const openApiRoutes = new Hono<AppContext>().get("/openapi.json", (c) => {
  c.header("Cache-Control", "public, max-age=300");
  return c.json(openApiDocument());
});

/** GET /api/docs: the same description, readable, with no external assets. */
export const apiDocsRoutes = new Hono<AppContext>().get("/", (c) => {
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  c.header("Cache-Control", "public, max-age=300");
  return c.html(renderApiDocs(openApiDocument()));
});
