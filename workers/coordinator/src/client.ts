import { hc } from "hono/client";
import type { AppType } from "./app.ts";

/**
 * A typed client of the coordinator's API for providers: request bodies, parameters and answers
 * (errors too) are typed from the same route declarations the API validates with. It imports
 * only types from the coordinator, so it runs anywhere `fetch` does (README "API").
 */
export function relaywatchClient(
  baseUrl: string,
  options: { apiKey?: string; fetch?: typeof fetch } = {},
) {
  return hc<AppType>(baseUrl, {
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
export type RelaywatchClient = ReturnType<typeof relaywatchClient>;
