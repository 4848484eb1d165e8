import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiError } from "../../shared/schemas/protocol.ts";

/**
 * Every refusal the node makes, each with a stable `code` the coordinator can act on.
 * `app.onError` turns them into `{ code, message }` JSON in one place.
 */
export class ProbeNodeError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(status, { message });
  }

  toApiError(): ApiError {
    return { code: this.code, message: this.message };
  }
}

export class NodeMisconfigured extends ProbeNodeError {
  constructor(problem: string) {
    super(500, "node_misconfigured", `this probe node is misconfigured: ${problem}`);
  }
}

export class Unauthorized extends ProbeNodeError {
  constructor(why: string) {
    super(401, "unauthorized", why);
  }
}

export class PayloadTooLarge extends ProbeNodeError {
  constructor(limitBytes: number) {
    super(413, "payload_too_large", `a probe job is at most ${limitBytes} bytes`);
  }
}

export class InvalidJob extends ProbeNodeError {
  constructor(why: string) {
    super(400, "invalid_job", why);
  }
}

/** The job id ran before within the signature window: a replay, never run twice. */
export class JobReplayed extends ProbeNodeError {
  constructor(jobId: string) {
    super(409, "job_replayed", `job ${jobId} was already run by this node`);
  }
}

export class NodeBusy extends ProbeNodeError {
  constructor() {
    super(503, "node_busy", "this node has too many recent jobs to remember; try again later");
  }
}

export class PortNotAllowed extends ProbeNodeError {
  constructor(why: string) {
    super(403, "port_not_allowed", why);
  }
}

export class ForbiddenAddress extends ProbeNodeError {
  constructor(why: string) {
    super(403, "forbidden_address", why);
  }
}

export class ProbeTimedOut extends ProbeNodeError {
  constructor(limitMs: number) {
    super(504, "probe_timeout", `the probe did not finish within ${limitMs} ms`);
  }
}

export class NotFound extends ProbeNodeError {
  constructor(method: string, path: string) {
    super(404, "not_found", `no route for ${method} ${path}`);
  }
}

/** Our own response failed its schema: a bug on this node, not the caller's fault. */
export class InternalError extends ProbeNodeError {
  constructor(message = "internal error") {
    super(500, "internal_error", message);
  }
}
