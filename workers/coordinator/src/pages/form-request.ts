import { readCapped } from "../../../../shared/streams/read-capped.ts";

/** The form has two short fields and a Turnstile token: a few KB at most. */
export const MAX_FORM_BYTES = 16 * 1024;

/**
 * Whether a POST comes from another site. Browsers send Sec-Fetch-Site on every request; older
 * ones at least an Origin on a cross-origin POST. A page elsewhere must not be able to make a
 * visitor's browser start checks (a hammer that spends the visitor's allowance, and their
 * Turnstile pass, on a target of its choosing).
 */
export function isCrossSitePost(request: Request, publicOrigin: string | undefined): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  const own = (publicOrigin ?? new URL(request.url).origin).replace(/\/+$/, "");
  return origin !== own && origin !== new URL(request.url).origin;
}

/**
 * The form's fields, read only up to MAX_FORM_BYTES (whatever Content-Length says); null when
 * the body is larger or not a form.
 */
export async function readFormFields(request: Request): Promise<Record<string, string> | null> {
  if (Number(request.headers.get("content-length") ?? "0") > MAX_FORM_BYTES) return null;
  const bytes = await readCapped(request.body, MAX_FORM_BYTES);
  if (bytes === null) return null;
  const type = request.headers.get("content-type") ?? "";
  try {
    const form = await new Response(bytes, { headers: { "content-type": type } }).formData();
    const fields: Record<string, string> = {};
    for (const [name, value] of form) if (typeof value === "string") fields[name] = value;
    return fields;
  } catch {
    return null;
  }
}
