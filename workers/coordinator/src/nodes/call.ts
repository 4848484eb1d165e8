import { signBody } from "../../../../shared/auth/hmac.ts";

interface ServiceBinding {
  fetch: typeof fetch;
}

function isServiceBinding(value: unknown): value is ServiceBinding {
  return typeof (value as ServiceBinding | undefined)?.fetch === "function";
}

export class NodeUnavailable extends Error {}

/** How a node is reached: its URL, or the service binding named in the registry. */
export interface NodeAddress {
  url: string | null;
  binding: string | null;
}

/** Pauses before the second and third attempt of a request that never reached the node. */
const RECONNECT_DELAYS_MS = [250, 1_000] as const;

/**
 * One HMAC-signed request to a node's `path` (`/v1/probe`, `/v1/health`), bounded by
 * `timeoutMs` in all: through its service binding when it has one, else by fetch to its URL.
 * A request that fails before any answer (a refused connection, or a pooled keep-alive
 * connection the node had already closed: "Network connection lost") is sent again, at most
 * twice, within the same bound. Sending again is safe: a node that did get the first copy never
 * runs the job twice; it answers the second copy with that one run's result (or, once it no
 * longer holds it, refuses it as `job_replayed`).
 */
export async function signedNodeRequest(
  node: NodeAddress,
  /** The Worker's env: a registry node names its service binding, not wrangler.toml. */
  env: object,
  secret: string,
  path: string,
  init: { method: "GET" | "POST"; body: string; timeoutMs: number; accept?: string },
): Promise<Response> {
  let call: typeof fetch = fetch;
  let base = (node.url ?? "").replace(/\/$/, "");
  if (node.binding) {
    const binding: unknown = Reflect.get(env, node.binding);
    if (!isServiceBinding(binding))
      throw new NodeUnavailable(`binding ${node.binding} is not bound`);
    call = binding.fetch.bind(binding);
    base = "https://probe-node";
  }
  const signal = AbortSignal.timeout(init.timeoutMs);
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(`${base}${path}`, {
        method: init.method,
        ...(init.method === "POST" ? { body: init.body } : {}),
        headers: {
          ...(init.method === "POST" ? { "content-type": "application/json" } : {}),
          ...(init.accept ? { accept: init.accept } : {}),
          ...(await signBody(secret, init.body)),
        },
        signal,
      });
    } catch (error) {
      const delay = RECONNECT_DELAYS_MS[attempt];
      if (delay === undefined || signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (signal.aborted) throw error;
    }
  }
}

/**
 * The data centre a placed Worker really ran in, from the `cf-placement` answer header
 * (`remote-LHR` or `local-EWR`); null when absent (self-hosted nodes, no placement).
 */
export function placementColo(headers: Headers): string | null {
  const match = /^(?:remote|local)-([A-Z]{3,4})$/.exec(headers.get("cf-placement")?.trim() ?? "");
  return match?.[1] ?? null;
}
