import { extendZodWithOpenApi, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ApiError as ApiErrorShape } from "../../../../shared/schemas/protocol.ts";
import { TARGET_LOOKUPS_PER_MINUTE } from "../access/lookups.ts";

// Gives zod schemas `.openapi()`, here too, so it has happened before `component` is first called.
extendZodWithOpenApi(z);

/**
 * A shared schema as the named component `id` of the document. Zod copies `.openapi()` onto a
 * schema when the schema is made, and a shared schema may be older than the extension (the
 * probe node's code never loads it), so the component is a fresh copy of the schema, which
 * validates the same and keeps its descriptions.
 */
export function component<T extends z.ZodType>(id: string, schema: T): T {
  return schema.clone().openapi(id);
}

/**
 * What every route declaration shares in the OpenAPI 3.1 document: the error responses, the
 * RateLimit fields, the bearer scheme. The paths and their schemas come from the declarations
 * themselves (`createRoute` in each routes/ module), so the document cannot drift from what the
 * API validates and answers.
 */

/** `{code, message}`, a component of its own so every error response names it. */
export const ApiError = component("ApiError", ApiErrorShape);

/** Every 429 code, what it means and what to do; none of them took any quota. */
export const TOO_MANY_REQUESTS_CODES: Record<string, string> = {
  rate_limited:
    "Too many requests: an API key's requests per minute, or anonymous checks per minute from one address (IPv6: one /64). Wait `Retry-After` seconds, or use an API key.",
  quota_exceeded:
    "The API key's checks for this UTC day are used up (a batch needs one per valid domain). `Retry-After` is the next UTC midnight.",
  target_cooldown:
    "This target and port were checked moments ago (`GET /api/v1/limits?target=` says how long is left). The `Link` header names the existing report.",
  lookup_rate_limited: `Too many target lookups (\`GET /api/v1/limits?target=\`): ${TARGET_LOOKUPS_PER_MINUTE} per minute per API key, or per address without one (IPv6: one /64). A lookup resolves the target, so it has an allowance of its own and never takes a check from your quota. Wait \`Retry-After\` seconds.`,
  node_capacity:
    "Every probe node that could test this target has reached its own cap (checks per minute, or checks to one /24 or /48 per hour), which protects the networks we test and our probe hosts. Try again after `Retry-After` seconds.",
};

const ERROR_RESPONSES = {
  400: "Invalid request: `invalid_json`, `invalid_request`, `forbidden_target`, ...",
  401: "`invalid_api_key`: the Bearer key is unknown, malformed or revoked",
  403: "`turnstile_required`: an anonymous check without a Turnstile token where Turnstile is on (use an API key). `target_opted_out`: the target's owner asked not to be checked (DNS TXT `_relaywatch.<domain>` or in the address's reverse zone, `v=rw1; optout`, or the operator's list); the message says how to opt back in. No quota is taken.",
  404: "`not_found`",
  415: "`unsupported_media_type`: send the body as `application/json`",
  422: "The target cannot be checked: `no_such_domain`, `null_mx`, ...",
  429: Object.entries(TOO_MANY_REQUESTS_CODES)
    .map(([code, meaning]) => `\`${code}\`: ${meaning}`)
    .join("\n\n"),
  503: "`no_vantage`, `misconfigured`: try again later",
} as const;
type ErrorStatus = keyof typeof ERROR_RESPONSES;

/** On every API answer: the caller's limits (see GET /api/v1/limits). */
const RATE_LIMIT_HEADERS = {
  "RateLimit-Policy": { $ref: "#/components/headers/RateLimitPolicy" },
  RateLimit: { $ref: "#/components/headers/RateLimit" },
};

/** A JSON answer of an /api/ route, with the RateLimit fields it carries. */
export function jsonResponse<T>(schema: T, description: string, headers = {}) {
  return {
    description,
    headers: { ...headers, ...RATE_LIMIT_HEADERS },
    content: { "application/json": { schema } },
  };
}

/** The same, for a resource just made (or found again by its Idempotency-Key). */
export function createdResponse<T>(schema: T, description: string) {
  return jsonResponse(schema, description, {
    Location: { description: "where to read the resource", schema: { type: "string" } },
  });
}

/**
 * The error answers an /api/ route can give, each the stable `{code, message}`: those named, and
 * 401 and 429, which any of them can give (an unknown key; a key's requests per minute).
 */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(
    [...statuses, 401 as const, 429 as const]
      .sort()
      .map((status) => [
        status,
        jsonResponse(
          ApiError,
          ERROR_RESPONSES[status],
          status === 429 ? { "Retry-After": { $ref: "#/components/headers/RetryAfter" } } : {},
        ),
      ]),
  ) as { [K in S | 401 | 429]: ReturnType<typeof jsonResponse<typeof ApiError>> };
}

/** The Idempotency-Key header of the routes that start something. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

const DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Relaywatch API",
    version: "1",
    description:
      "Tests mail servers for open relaying from several vantage points. Anonymous use is rate limited per address and per target; an API key (`Authorization: Bearer rw_...`) has its own per-minute rate and daily quota. Errors are always `{code, message}`; a 429 carries `Retry-After`.",
  },
  servers: [{ url: "/" }],
  // Anonymous use is allowed everywhere: the empty requirement makes the key optional.
  security: [{ apiKey: [] }, {}] as Record<string, string[]>[],
  tags: [
    { name: "checks", description: "One domain or host" },
    { name: "batches", description: "Many domains" },
    { name: "badge", description: "Embeddable status" },
    { name: "limits", description: "What you may still do" },
    { name: "probes", description: "Who we are" },
  ],
};

/** The components the declarations refer to by `$ref` without a zod schema behind them. */
// biome-ignore lint/suspicious/noExplicitAny: any app's registry, whatever its routes' types
function registerSharedComponents(app: OpenAPIHono<any, any, any>) {
  const { openAPIRegistry: registry } = app;
  registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "rw_ followed by 32 base32 characters",
    description: "An API key made with `npm run admin -- create-key`",
  });
  registry.registerComponent("headers", "RetryAfter", {
    description: "Seconds to wait before trying again",
    schema: { type: "integer", minimum: 1 },
  });
  registry.registerComponent("headers", "RateLimitPolicy", {
    description:
      'The limits that apply to you (IETF RateLimit fields): `"anonymous-checks-per-minute";q=10;w=60` anonymously, `"requests-per-minute";q=60;w=60, "checks-per-day";q=1000;w=86400` with a key',
    schema: { type: "string" },
  });
  registry.registerComponent("headers", "RateLimit", {
    description:
      'What is left of each policy after this request and the seconds until its window resets: `"checks-per-day";r=998;t=3600`',
    schema: { type: "string" },
  });
}

/** The whole document, from the routes the app declares (call once the routes are mounted). */
// biome-ignore lint/suspicious/noExplicitAny: any app's registry, whatever its routes' types
export function buildOpenApiDocument(app: OpenAPIHono<any, any, any>) {
  registerSharedComponents(app);
  return app.getOpenAPI31Document(DOCUMENT);
}
