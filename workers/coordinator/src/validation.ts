import { readCapped } from "../../../shared/streams/read-capped.ts";
import { ApiException, BadRequest } from "./errors.ts";

/** A single check's body is a few hundred bytes; batches pass their own, larger limit. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The request body as JSON, with clear errors for the ways a body goes wrong. The body is read
 * only up to `maxBytes`, whatever Content-Length says (or does not say).
 */
export async function readJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiException(415, "unsupported_media_type", "send the body as application/json");
  }
  const tooLarge = () => new BadRequest("body_too_large", `the body is over ${maxBytes} bytes`);
  if (Number(request.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge();
  const bytes = await readCapped(request.body, maxBytes);
  if (bytes === null) throw tooLarge();
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BadRequest("invalid_json", "the body is not valid JSON");
  }
}
