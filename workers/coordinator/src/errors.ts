import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every API error is one of these, thrown anywhere and shaped once in `app.onError` into the
 * stable JSON `{ code, message }`.
 */
export class ApiException extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message });
  }
}

export class BadRequest extends ApiException {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

export class NotFound extends ApiException {
  constructor(message: string) {
    super(404, "not_found", message);
  }
}

export class Unprocessable extends ApiException {
  constructor(code: string, message: string) {
    super(422, code, message);
  }
}

export class ServiceUnavailable extends ApiException {
  constructor(code: string, message: string) {
    super(503, code, message);
  }
}
