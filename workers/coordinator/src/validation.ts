import { ApiException, BadRequest } from "./errors.ts";

const MAX_BODY_BYTES = 64 * 1024;

/** The request body as JSON, with clear errors for the ways a body goes wrong. */
export async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiException(415, "unsupported_media_type", "send the body as application/json");
  }
  const text = await request.text();
  if (new TextEncoder().encode(text).length > MAX_BODY_BYTES)
    throw new BadRequest("body_too_large", `the body is over ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest("invalid_json", "the body is not valid JSON");
  }
}
