import { ApiException } from "../errors.ts";

/** Refusals of the access layer: ApiExceptions, so the API and the page show the same message. */

export class InvalidApiKey extends ApiException {
  constructor(message: string) {
    super(401, "invalid_api_key", message, { "WWW-Authenticate": 'Bearer realm="relaywatch"' });
  }
}

export type TooManyRequestsCode =
  | "rate_limited"
  | "quota_exceeded"
  | "target_cooldown"
  | "node_capacity"
  | "lookup_rate_limited";

export class TooManyRequests extends ApiException {
  constructor(
    code: TooManyRequestsCode,
    message: string,
    readonly retryAfterSeconds: number,
    headers: Record<string, string> = {},
  ) {
    super(429, code, message, {
      ...headers,
      "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

/** Features that let one request cause many checks or outbound calls need a key. */
export class ApiKeyRequired extends ApiException {
  constructor(feature: string) {
    super(401, "api_key_required", `${feature} needs an API key (Authorization: Bearer rw_...)`, {
      "WWW-Authenticate": 'Bearer realm="relaywatch"',
    });
  }
}
