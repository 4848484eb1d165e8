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

/**
 * One HMAC-signed request to a node's `path` (`/v1/probe`, `/v1/health`), bounded by
 * `timeoutMs`: through its service binding when it has one, else by fetch to its URL.
 */
export async function signedNodeRequest(
  node: NodeAddress,
  bindings: Record<string, unknown>,
  secret: string,
  path: string,
  init: { method: "GET" | "POST"; body: string; timeoutMs: number; accept?: string },
): Promise<Response> {
  let call: typeof fetch = fetch;
  let base = (node.url ?? "").replace(/\/$/, "");
  if (node.binding) {
    const binding = bindings[node.binding];
    if (!isServiceBinding(binding))
      throw new NodeUnavailable(`binding ${node.binding} is not bound`);
    call = binding.fetch.bind(binding);
    base = "https://probe-node";
  }
  return call(`${base}${path}`, {
    method: init.method,
    ...(init.method === "POST" ? { body: init.body } : {}),
    headers: {
      ...(init.method === "POST" ? { "content-type": "application/json" } : {}),
      ...(init.accept ? { accept: init.accept } : {}),
      ...(await signBody(secret, init.body)),
    },
    signal: AbortSignal.timeout(init.timeoutMs),
  });
}

/**
 * The data centre a placed Worker really ran in, from the `cf-placement` answer header
 * (`remote-LHR` or `local-EWR`); null when absent (self-hosted nodes, no placement).
 */
export function placementColo(headers: Headers): string | null {
  const match = /^(?:remote|local)-([A-Z]{3,4})$/.exec(headers.get("cf-placement")?.trim() ?? "");
  return match?.[1] ?? null;
}
