import { readCapped } from "../../shared/streams/read-capped.ts";
import { PayloadTooLarge } from "./errors.ts";

/**
 * Reads a request body as text, refusing it as soon as it passes `limitBytes` so an
 * unauthenticated caller cannot make the node buffer an arbitrarily large body.
 */
export async function readCappedText(request: Request, limitBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limitBytes) throw new PayloadTooLarge(limitBytes);
  const bytes = await readCapped(request.body, limitBytes);
  if (bytes === null) throw new PayloadTooLarge(limitBytes);
  return new TextDecoder().decode(bytes);
}
