import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { readCapped } from "../../../shared/streams/read-capped.ts";
import type { AppContext } from "./context.ts";
import { ApiException, BadRequest } from "./errors.ts";

/** A single check's body is a few hundred bytes; batches pass their own, larger limit. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * A route's JSON body, read before the route's schema validates it, with clear errors for the
 * ways a body goes wrong. The body is read only up to `maxBytes`, whatever Content-Length says
 * (or does not say).
 */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppContext> {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      throw new ApiException(415, "unsupported_media_type", "send the body as application/json");
    }
    const tooLarge = () => new BadRequest("body_too_large", `the body is over ${maxBytes} bytes`);
    if (Number(c.req.header("content-length") ?? "0") > maxBytes) throw tooLarge();
    const bytes = await readCapped(c.req.raw.body, maxBytes);
    if (bytes === null) throw tooLarge();
    try {
      JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new BadRequest("invalid_json", "the body is not valid JSON");
    }
    // The validator reads the body again: from these bytes, not from the (consumed) stream.
    c.req.raw = new Request(c.req.raw, { body: bytes });
    await next();
  };
}

type Issue = z.core.$ZodIssue;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * The option of a failed union that the input was meant as, or null when that cannot be told:
 * an option of the input's type (an object for an object form), and of several such, the first
 * whose required fields are all there (`{"host": ..., "port": "25"}` is a host check with a bad
 * port, not a domain check without a domain).
 */
function intendedOption(issue: Extract<Issue, { code: "invalid_union" }>, input: unknown) {
  const ofItsType = issue.errors.filter(
    (option) => !option.some((inner) => inner.code === "invalid_type" && inner.path.length === 0),
  );
  if (ofItsType.length === 1) return ofItsType[0] ?? null;
  const complete = ofItsType.filter(
    (option) =>
      !option.some(
        (inner) =>
          inner.code === "invalid_type" &&
          inner.path.length === 1 &&
          valueAt(input, inner.path) === undefined,
      ),
  );
  return complete[0] ?? null;
}

/** What is wrong with a request, as `field: problem`, in the words of the form it was meant as. */
export function describeInvalid(issues: readonly Issue[], input: unknown): string {
  return issues
    .flatMap((issue): Issue[] => {
      if (issue.code !== "invalid_union") return [issue];
      const option = intendedOption(issue, valueAt(input, issue.path));
      if (option === null) return [issue];
      return option.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
    })
    .slice(0, 3)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join(".") : "body";
      if (issue.code === "unrecognized_keys")
        return `${where}: unknown field(s) ${issue.keys.join(", ")}`;
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

/**
 * The hook every route's declared validation ends in: a request that fails its schema gets 400
 * with `invalid_request`, or the code `codes` names for the first failing field (so a bad
 * `?page=` stays `invalid_page`). Used as the app's defaultHook and, with codes, by a route.
 */
export function rejectInvalid(codes: Record<string, string> = {}) {
  // The validator passes the input as `data` on failure too, though the hook's type omits it.
  return (
    result: { success: true } | { success: false; error: z.ZodError; data?: unknown },
  ): undefined => {
    if (result.success) return undefined;
    const { issues } = result.error;
    const field = String(issues[0]?.path[0] ?? "");
    throw new BadRequest(codes[field] ?? "invalid_request", describeInvalid(issues, result.data));
  };
}
