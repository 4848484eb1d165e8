import { describe, expect, it } from "vitest";
import { CreateCheckRequest } from "../../shared/schemas/api.ts";
import { CreateBatchRequest } from "../../shared/schemas/batch.ts";
import { SCALAR_SCRIPT } from "../../workers/coordinator/src/routes/openapi.ts";
import { callMain } from "./coordinator-helpers.ts";

type Json = Record<string, unknown>;

async function openApi(): Promise<Json> {
  const response = await callMain("/api/v1/openapi.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return (await response.json()) as Json;
}

/**
 * A small checker for the JSON Schema keywords the generated request schemas use, enough to
 * compare the document's CreateCheckRequest with zod on sample bodies.
 */
function accepts(schema: Json, value: unknown, schemas: Record<string, Json>): boolean {
  if (typeof schema.$ref === "string") {
    const target = schemas[schema.$ref.replace("#/components/schemas/", "")];
    return target !== undefined && accepts(target, value, schemas);
  }
  if (Array.isArray(schema.anyOf)) {
    return (schema.anyOf as Json[]).some((option) => accepts(option, value, schemas));
  }
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
      const record = value as Json;
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const required = (schema.required ?? []) as string[];
      if (!required.every((name) => name in record)) return false;
      if (
        schema.additionalProperties === false &&
        Object.keys(record).some((k) => !(k in properties))
      )
        return false;
      return Object.entries(record).every(
        ([name, item]) => !properties[name] || accepts(properties[name], item, schemas),
      );
    }
    case "string":
      return (
        typeof value === "string" &&
        value.length >= ((schema.minLength as number) ?? 0) &&
        value.length <= ((schema.maxLength as number) ?? Number.POSITIVE_INFINITY)
      );
    case "integer":
      return (
        Number.isInteger(value) &&
        (value as number) >= ((schema.minimum as number) ?? Number.NEGATIVE_INFINITY) &&
        (value as number) <= ((schema.maximum as number) ?? Number.POSITIVE_INFINITY)
      );
    case "array":
      return (
        Array.isArray(value) &&
        value.length >= ((schema.minItems as number) ?? 0) &&
        value.length <= ((schema.maxItems as number) ?? Number.POSITIVE_INFINITY) &&
        value.every((item) => accepts(schema.items as Json, item, schemas))
      );
    default:
      return false;
  }
}

describe("GET /api/v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document with every public operation", async () => {
    const document = await openApi();
    expect(document.openapi).toBe("3.1.0");
    const paths = document.paths as Record<string, Json>;
    expect(Object.keys(paths).sort()).toEqual([
      "/api/v1/batches",
      "/api/v1/batches/{id}",
      "/api/v1/checks",
      "/api/v1/checks/{id}",
      "/api/v1/domains/{domain}/history",
      "/api/v1/limits",
      "/api/v1/probes",
      "/api/v1/public-list",
      "/api/v1/public-list/{domain}/verify",
      "/api/v1/webhook-secret",
      "/badge/{file}",
    ]);
    expect(Object.keys(paths["/api/v1/checks"] ?? {})).toEqual(["post"]);
    expect(Object.keys(paths["/api/v1/batches/{id}"] ?? {})).toEqual(["get"]);
  });

  it("has the components: schemas, the bearer scheme and error responses", async () => {
    const document = await openApi();
    const components = document.components as Json;
    const schemas = components.schemas as Record<string, Json>;
    for (const name of [
      "CreateCheckRequest",
      "CreateCheckResponse",
      "CheckReport",
      "CreateBatchRequest",
      "CreateBatchResponse",
      "BatchPage",
      "LimitsReport",
      "ApiError",
    ]) {
      expect(schemas[name], name).toBeDefined();
      expect(schemas[name]).not.toHaveProperty("$schema");
    }
    expect(schemas.ApiError?.required).toEqual(["code", "message"]);
    expect(components.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
    const post = ((document.paths as Json)["/api/v1/checks"] as Json).post as Json;
    const responses = post.responses as Record<string, Json>;
    for (const status of ["400", "401", "422", "429", "503"]) {
      expect(JSON.stringify(responses[status]?.content)).toContain("#/components/schemas/ApiError");
    }
    expect(responses["429"]?.headers).toHaveProperty("Retry-After");
    expect(post.parameters).toEqual([
      expect.objectContaining({ name: "idempotency-key", in: "header", required: false }),
    ]);
    // Every $ref points at a schema the document has.
    const refs = [...JSON.stringify(document).matchAll(/"#\/components\/schemas\/(\w+)"/g)];
    for (const [, name] of refs) expect(schemas, String(name)).toHaveProperty(String(name));
  });

  it("documents the opt-out refusal, every 429 code, 401 and 429 everywhere and the RateLimit fields", async () => {
    const document = await openApi();
    const paths = document.paths as Record<string, Record<string, Json>>;
    const created = paths["/api/v1/checks"]?.post?.responses as Record<string, Json>;
    expect(created["403"]?.description).toContain("target_opted_out");
    for (const code of ["rate_limited", "quota_exceeded", "target_cooldown", "node_capacity"]) {
      expect(created["429"]?.description).toContain(`\`${code}\``);
    }
    for (const [path, operations] of Object.entries(paths)) {
      if (!path.startsWith("/api/")) continue;
      for (const operation of Object.values(operations)) {
        // Any /api/ route can refuse an unknown key and a key over its rate.
        expect(Object.keys(operation.responses as Json), path).toEqual(
          expect.arrayContaining(["401", "429"]),
        );
        for (const [status, response] of Object.entries(
          operation.responses as Record<string, Json>,
        )) {
          expect(Object.keys(response.headers as Json), `${path} ${status}`).toEqual(
            expect.arrayContaining(["RateLimit-Policy", "RateLimit"]),
          );
        }
      }
    }
    const headers = (document.components as Json).headers as Record<string, Json>;
    expect(Object.keys(headers)).toEqual(
      expect.arrayContaining(["RateLimitPolicy", "RateLimit", "RetryAfter"]),
    );
  });

  it("describes CreateCheckRequest as zod validates it", async () => {
    const schemas = ((await openApi()).components as Json).schemas as Record<string, Json>;
    const schema = schemas.CreateCheckRequest as Json;
    const samples: unknown[] = [
      { domain: "example.org" },
      { domain: "example.org", port: 587 },
      { host: "mx.example.org" },
      { host: "mx.example.org", port: 25 },
      { domain: "" },
      { domain: "example.org", port: 0 },
      { domain: "example.org", port: 70_000 },
      { domain: "example.org", port: 25.5 },
      { host: "mx.example.org", extra: true },
      { domain: 42 },
      {},
      [],
      "example.org",
      { domain: "x".repeat(254) },
    ];
    for (const sample of samples) {
      expect(accepts(schema, sample, schemas), JSON.stringify(sample)).toBe(
        CreateCheckRequest.safeParse(sample).success,
      );
    }
  });

  it("describes CreateBatchRequest, names or names with a port, as zod validates it", async () => {
    const schemas = ((await openApi()).components as Json).schemas as Record<string, Json>;
    const schema = schemas.CreateBatchRequest as Json;
    const samples: unknown[] = [
      { domains: ["example.org"] },
      { domains: ["example.org"], port: 587 },
      { domains: ["example.org", { domain: "example.net", port: 587 }] },
      { domains: [{ domain: "example.net" }], port: 2525 },
      { domains: [{ domain: "example.net", port: 0 }] },
      { domains: [{ domain: "example.net", port: 70_000 }] },
      { domains: [{ domain: "example.net", port: 25.5 }] },
      { domains: [{ domain: "example.net", port: "25" }] },
      { domains: [{ domain: "example.net", extra: true }] },
      { domains: [{ port: 25 }] },
      { domains: [42] },
      { domains: [] },
      { domains: ["example.org"], extra: true },
      { domains: ["x".repeat(1025)] },
      {},
    ];
    for (const sample of samples) {
      expect(accepts(schema, sample, schemas), JSON.stringify(sample)).toBe(
        CreateBatchRequest.safeParse(sample).success,
      );
    }
    const batchPage = schemas.BatchPage as Json;
    const item = ((batchPage.properties as Record<string, Json>).items as Json).items as Json;
    expect((item.properties as Record<string, Json>).port).toMatchObject({ type: "integer" });
  });
});

describe("GET /api/docs", () => {
  it("serves the Scalar reference of the document, its pinned script allowed by hash and nonce", async () => {
    const response = await callMain("/api/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    const policy = response.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([0-9a-f]{32})' (\S+);/.exec(policy);
    expect(nonce?.[2]).toBe(SCALAR_SCRIPT.url);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    // The one external script: pinned by version in its URL and by hash, and nonced.
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
    expect(scripts).toEqual([
      `<script src="${SCALAR_SCRIPT.url}" integrity="${SCALAR_SCRIPT.integrity}" crossorigin="anonymous" nonce="${nonce?.[1]}">`,
      `<script type="text/javascript" nonce="${nonce?.[1]}">`,
    ]);
    expect(SCALAR_SCRIPT.url).toMatch(/@\d+\.\d+\.\d+\//);
    expect(html).toContain('"url": "/api/v1/openapi.json"');
    // A fresh nonce for every answer.
    const again = await callMain("/api/docs");
    expect(again.headers.get("content-security-policy")).not.toBe(policy);
  });
});
