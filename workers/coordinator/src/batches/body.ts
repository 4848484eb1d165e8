import { ApiException, BadRequest } from "../errors.ts";

/**
 * Larger than the single-check limit of readJsonBody (64 KiB): a thousand domains of up to 253
 * characters are about 260 KB of JSON.
 */
const MAX_BATCH_BODY_BYTES = 512 * 1024;

/** The batch request body as JSON, with the same errors as readJsonBody. */
export async function readBatchBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiException(415, "unsupported_media_type", "send the body as application/json");
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  const text = declared > MAX_BATCH_BODY_BYTES ? null : await request.text();
  if (text === null || new TextEncoder().encode(text).length > MAX_BATCH_BODY_BYTES) {
    throw new BadRequest("body_too_large", `the body is over ${MAX_BATCH_BODY_BYTES} bytes`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest("invalid_json", "the body is not valid JSON");
  }
}
