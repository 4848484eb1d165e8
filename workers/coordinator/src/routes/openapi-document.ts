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
import { BatchPage, LimitsReport, ProbeDirectory } from "./openapi-schemas.ts";

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
  LimitsReport,
  ProbeDirectory,
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

/** Every 429 code, what it means and what to do; none of them took any quota. */
export const TOO_MANY_REQUESTS_CODES: Record<string, string> = {
  rate_limited:
    "Too many requests: an API key's requests per minute, or anonymous checks per minute from one address (IPv6: one /64). Wait `Retry-After` seconds, or use an API key.",
  quota_exceeded:
    "The API key's checks for this UTC day are used up (a batch needs one per valid domain). `Retry-After` is the next UTC midnight.",
  target_cooldown:
    "This target and port were checked moments ago (`GET /api/v1/limits?target=` says how long is left). The `Link` header names the existing report.",
  node_capacity:
    "Every probe node that could test this target has reached its own cap (checks per minute, or checks to one /24 or /48 per hour), which protects the networks we test and our probe hosts. Try again after `Retry-After` seconds.",
};

const ERROR_RESPONSES: Record<string, string> = {
  "400": "Invalid request: `invalid_json`, `invalid_request`, `forbidden_target`, ...",
  "401": "`invalid_api_key`: the Bearer key is unknown, malformed or revoked",
  "403":
    "`target_opted_out`: the target's owner asked not to be checked (DNS TXT `_relaywatch.<domain>` or in the address's reverse zone, `v=rw1; optout`, or the operator's list); the message says how to opt back in. No quota is taken.",
  "404": "`not_found`",
  "422": "The target cannot be checked: `no_such_domain`, `null_mx`, ...",
  "429": Object.entries(TOO_MANY_REQUESTS_CODES)
    .map(([code, meaning]) => `\`${code}\`: ${meaning}`)
    .join("\n\n"),
  "503": "`no_vantage`, `misconfigured`: try again later",
};

/** On every API answer: the caller's limits (see GET /api/v1/limits). */
const RATE_LIMIT_HEADERS = {
  "RateLimit-Policy": { $ref: "#/components/headers/RateLimitPolicy" },
  RateLimit: { $ref: "#/components/headers/RateLimit" },
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

/** Adds the RateLimit fields to every response of every /api/ operation. */
function withRateLimitHeaders(paths: JsonObject): JsonObject {
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith("/api/")) continue;
    for (const operation of Object.values(operations as Record<string, JsonObject>)) {
      for (const response of Object.values(operation.responses as Record<string, JsonObject>)) {
        response.headers = {
          ...(response.headers as JsonObject | undefined),
          ...RATE_LIMIT_HEADERS,
        };
      }
    }
  }
  return paths;
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
          ...errorResponses(["400", "401", "403", "422", "429", "503"]),
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
    "/api/v1/limits": {
      get: {
        operationId: "getLimits",
        summary: "Your limits, what is left of them, and a target's cool-down",
        description:
          "For anonymous callers (per address) and key holders alike; the same numbers as the RateLimit fields. With `target` (and `port`), also how long that target's cool-down has left for you. The cool-down is on the addresses a check would contact, so the target is resolved as a check would resolve it (a name as a domain, through its MX), and refused as a check would be (403, 422, 503). Reading it takes no check.",
        tags: ["limits"],
        parameters: [
          {
            name: "target",
            in: "query",
            required: false,
            description: "a domain, host name or address",
            schema: { type: "string", maxLength: 255 },
          },
          {
            name: "port",
            in: "query",
            required: false,
            schema: { type: "integer", minimum: 1, maximum: 65_535, default: 25 },
          },
        ],
        responses: {
          "200": { description: "Your limits", content: json(ref("LimitsReport")) },
          ...errorResponses(["400", "401", "403", "422", "429", "503"]),
        },
      },
    },
    "/api/v1/probes": {
      get: {
        operationId: "getProbes",
        summary: "Who connects to mail servers for us, and how to make it stop",
        description:
          "Every active probe with its region, where it runs, its network (AS), its egress addresses and their reverse DNS, its EHLO name and whether it is on a DNS blocklist; what a check may do (the abuse budget), each probe's caps, the abuse contact and how to opt out. The same as the page /about/probes.",
        tags: ["probes"],
        security: [],
        responses: {
          "200": { description: "The probes", content: json(ref("ProbeDirectory")) },
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
            properties: {
              domain: { type: "string" },
              port: {
                type: "integer",
                default: 25,
                description:
                  "the port the badge is about; it is written into the TXT value to publish, so only the domain's owner can set it",
              },
            },
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
          "200": {
            description: "Verified; `port` is the badge's port, as the TXT record published it",
            content: json({ type: "object" }),
          },
          ...errorResponses(["404", "422", "503"]),
        },
      },
    },
    "/badge/{domain}.svg": {
      get: {
        operationId: "getBadge",
        summary:
          "An SVG badge from the domain's latest check with the whole catalogue on the badge's port (25, or the verified listing's)",
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
      { name: "limits", description: "What you may still do" },
      { name: "probes", description: "Who we are" },
    ],
    paths: withRateLimitHeaders(paths()),
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
        RateLimitPolicy: {
          description:
            'The limits that apply to you (IETF RateLimit fields): `"anonymous-checks-per-minute";q=10;w=60` anonymously, `"requests-per-minute";q=60;w=60, "checks-per-day";q=1000;w=86400` with a key',
          schema: { type: "string" },
        },
        RateLimit: {
          description:
            'What is left of each policy after this request and the seconds until its window resets: `"checks-per-day";r=998;t=3600`',
          schema: { type: "string" },
        },
      },
    },
  };
}
