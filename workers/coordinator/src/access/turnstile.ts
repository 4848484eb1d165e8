import type { Context } from "hono";
import type { AppContext } from "../context.ts";
import { ApiException } from "../errors.ts";
import { turnstileKeys, verifyTurnstile } from "../pages/turnstile.ts";

/** The header an anonymous API caller sends its Turnstile token in. */
export const TURNSTILE_HEADER = "cf-turnstile-response";

export class HumanCheckFailed extends ApiException {
  constructor() {
    super(
      403,
      "turnstile_required",
      `anonymous checks need a Turnstile token (${TURNSTILE_HEADER} header), as the page asks for; scripts use an API key`,
    );
  }
}

/**
 * The anonymous API is held to the page's bar: where Turnstile is on, an anonymous request must
 * carry a token the widget issued (header cf-turnstile-response), else 403 turnstile_required.
 * Key holders never are: they are accountable through their key and its quota.
 */
export async function enforceHumanCheck(c: Context<AppContext>): Promise<void> {
  if (c.var.apiKey) return;
  const keys = turnstileKeys(c.env);
  if (keys === null) return;
  const token = c.req.header(TURNSTILE_HEADER) ?? "";
  const verified = await verifyTurnstile(
    keys.secretKey,
    token,
    c.req.header("cf-connecting-ip") ?? null,
  );
  if (!verified) throw new HumanCheckFailed();
}
