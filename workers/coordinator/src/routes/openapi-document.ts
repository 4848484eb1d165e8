import { z } from "zod";
import {
  CreateCheckRequest,
  CreateCheckResponse,
  DomainCheckRequest,
  HostCheckRequest,
} from "../../../../shared/schemas/api.ts";
import {
  CreateBatchRequest,
  CreateBatchResponse,
  MAX_PER_PAGE,
} from "../../../../shared/schemas/batch.ts";
import { CheckReport } from "../../../../shared/schemas/check-report.ts";
import { ApiError } from "../../../../shared/schemas/protocol.ts";
import { BatchPage } from "./openapi-schemas.ts";

/**
 * The OpenAPI 3.1 document of the public API, generated from the zod schemas the API validates
 * with, so the description cannot drift from the behaviour. OpenAPI 3.1 schemas are JSON Schema
 * 2020-12, which is what `z.toJSONSchema` writes.
 */

type JsonObject = Record<string, unknown>;

// Requests are described as clients write them (defaults optional), responses as sent.
const REQUEST_SCHEMAS = {
  CreateCheckRequest,
  DomainCheckRequest,
  HostCheckRequest,
  CreateBatchRequest,
};
const RESPONSE_SCHEMAS = {
  CreateCheckResponse,
  CheckReport,
  CreateBatchResponse,
  BatchPage,
  ApiError,
};

function componentSchemas(schemas: Record<string, z.ZodType>, io: "input" | "output") {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    // Refinements (such as "known case ids") cannot be written as JSON Schema; the server
    // still applies them and answers 400 invalid_request.
    unrepresentable: "any",
  });
  return Object.fromEntries(
    Object.entries(converted).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [
      id,
      schema,
    ]),
  );
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: JsonObject) => ({ "application/json": { schema } });

const ERROR_RESPONSES: Record<string, string> = {
  "400": "Invalid request: `invalid_json`, `invalid_request`, `forbidden_target`, ...",
  "401": "`invalid_api_key`: the Bearer key is unknown, malformed or revoked",
  "404": "`not_found`",
  "422": "The target cannot be checked: `no_such_domain`, `null_mx`, ...",
  "429": "`rate_limited`, `quota_exceeded` or `target_cooldown`; see Retry-After",
  "503": "`no_vantage`, `misconfigured`: try again later",
};

function errorResponses(statuses: string[]) {
  return Object.fromEntries(
    statuses.map((status) => {
      const response: JsonObject = {
        description: ERROR_RESPONSES[status],
        content: json(ref("ApiError")),
      };
      if (status === "429")
        response.headers = { "Retry-After": { $ref: "#/components/headers/RetryAfter" } };
      return [status, response];
    }),
  );
}

const IDEMPOTENCY_KEY = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "1-128 printable ASCII characters: a retry with the same key returns the same resource (200) and starts nothing new",
  schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,128}$" },
};

const idParameter = (description: string) => ({
  name: "id",
  in: "path",
  required: true,
  description,
  schema: { type: "string" },
});

const created = (schema: string, description: string) => ({
  description,
  headers: { Location: { description: "where to read the resource", schema: { type: "string" } } },
  content: json(ref(schema)),
});

function paths(): JsonObject {
  return {
    "/api/v1/checks": {
      post: {
        operationId: "createCheck",
        summary: "Start a check of a domain's MX hosts or of one host",
        tags: ["checks"],
        parameters: [IDEMPOTENCY_KEY],
        requestBody: { required: true, content: json(ref("CreateCheckRequest")) },
        responses: {
          "202": created("CreateCheckResponse", "The check was started"),
          "200": created("CreateCheckResponse", "An idempotent retry: the check the key started"),
          ...errorResponses(["400", "401", "422", "429", "503"]),
        },
      },
    },
    "/api/v1/checks/{id}": {
      get: {
        operationId: "getCheck",
        summary: "A check's report: per MX host, per address, per vantage",
        tags: ["checks"],
        parameters: [idParameter("the check id")],
        responses: {
          "200": { description: "The report", content: json(ref("CheckReport")) },
          ...errorResponses(["401", "404", "429"]),
        },
      },
    },
    "/api/v1/batches": {
      post: {
        operationId: "createBatch",
        security: [{ apiKey: [] }],
        summary: "Check up to 1,000 domains as one job, with an optional webhook",
        tags: ["batches"],
        parameters: [IDEMPOTENCY_KEY],
        requestBody: { required: true, content: json(ref("CreateBatchRequest")) },
        responses: {
          "202": created("CreateBatchResponse", "The batch was accepted"),
          ...errorResponses(["400", "401", "422", "429", "503"]),
        },
      },
    },
    "/api/v1/batches/{id}": {
      get: {
        operationId: "getBatch",
        security: [{ apiKey: [] }],
        summary: "A batch's items, a page at a time, as JSON or CSV",
        description:
          "Only with the API key that created the batch; any other key gets 404, as for a batch that does not exist.",
        tags: ["batches"],
        parameters: [
          idParameter("the batch id"),
          {
            name: "page",
            in: "query",
            required: false,
            schema: { type: "integer", minimum: 1, default: 1 },
          },
          {
            name: "per_page",
            in: "query",
            required: false,
            schema: { type: "integer", minimum: 1, maximum: MAX_PER_PAGE, default: 100 },
          },
          {
            name: "format",
            in: "query",
            required: false,
            description: "`csv` for every item as CSV, without paging",
            schema: { type: "string", enum: ["json", "csv"], default: "json" },
          },
        ],
        responses: {
          "200": {
            description: "The page of items (JSON) or all of them (CSV)",
            content: { ...json(ref("BatchPage")), "text/csv": { schema: { type: "string" } } },
          },
          ...errorResponses(["400", "401", "404", "429"]),
        },
      },
    },
    "/api/v1/webhook-secret": {
      get: {
        operationId: "getWebhookSecret",
        security: [{ apiKey: [] }],
        summary: "Your key's webhook signing secret (HMAC-SHA256 over `<timestamp>.<body>`)",
        tags: ["batches"],
        responses: {
          "200": {
            description: "The secret",
            content: json({
              type: "object",
              properties: { secret: { type: "string" }, algorithm: { type: "string" } },
            }),
          },
          ...errorResponses(["401", "503"]),
        },
      },
    },
    "/api/v1/domains/{domain}/history": {
      get: {
        operationId: "getDomainHistory",
        summary: "Earlier verdicts of a domain and its current badge",
        tags: ["badge"],
        security: [],
        parameters: [{ name: "domain", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": { description: "The history, newest first", content: json({ type: "object" }) },
          ...errorResponses(["400"]),
        },
      },
    },
    "/api/v1/public-list": {
      get: {
        operationId: "getPublicList",
        summary: "Verified domains whose badge is currently green",
        tags: ["badge"],
        security: [],
        responses: { "200": { description: "The list", content: json({ type: "object" }) } },
      },
      post: {
        operationId: "requestPublicListing",
        summary: "Ask to be listed: returns a token to publish as TXT `_relaywatch.<domain>`",
        tags: ["badge"],
        security: [],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            required: ["domain"],
            properties: { domain: { type: "string" } },
          }),
        },
        responses: {
          "202": { description: "The token and instructions", content: json({ type: "object" }) },
          ...errorResponses(["400"]),
        },
      },
    },
    "/api/v1/public-list/{domain}/verify": {
      post: {
        operationId: "verifyPublicListing",
        summary: "Look up the TXT record and list the domain when it is there",
        tags: ["badge"],
        security: [],
        parameters: [{ name: "domain", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": { description: "Verified", content: json({ type: "object" }) },
          ...errorResponses(["404", "422", "503"]),
        },
      },
    },
    "/badge/{domain}.svg": {
      get: {
        operationId: "getBadge",
        summary: "An SVG badge with the domain's latest verdict",
        tags: ["badge"],
        security: [],
        parameters: [{ name: "domain", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "200": {
            description: "The badge",
            content: { "image/svg+xml": { schema: { type: "string" } } },
          },
          ...errorResponses(["400", "404"]),
        },
      },
    },
  };
}

export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: "3.1.0",
    info: {
      title: "Relaywatch API",
      version: "1",
      description:
        "Tests mail servers for open relaying from several vantage points. Anonymous use is rate limited per address and per target; an API key (`Authorization: Bearer rw_...`) has its own per-minute rate and daily quota.",
    },
    servers: [{ url: "/" }],
    // Anonymous use is allowed everywhere: the empty requirement makes the key optional.
    security: [{ apiKey: [] }, {}],
    tags: [
      { name: "checks", description: "One domain or host" },
      { name: "batches", description: "Many domains" },
      { name: "badge", description: "Embeddable status" },
    ],
    paths: paths(),
    components: {
      schemas: {
        ...componentSchemas(REQUEST_SCHEMAS, "input"),
        ...componentSchemas(RESPONSE_SCHEMAS, "output"),
      },
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "rw_ followed by 32 base32 characters",
          description: "An API key made with `npm run admin -- create-key`",
        },
      },
      headers: {
        RetryAfter: {
          description: "Seconds to wait before trying again",
          schema: { type: "integer", minimum: 1 },
        },
      },
    },
  };
}
