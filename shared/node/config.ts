import { z } from "zod";
import { NodeIdentity, NodeRuntime } from "../schemas/protocol.ts";

/**
 * A probe node's configuration, read from its environment (wrangler vars and secrets on
 * Cloudflare, text bindings in the workerd config when self-hosted).
 *
 * Port 25 on the "cloudflare" runtime is refused, not stripped: Cloudflare forbids outbound
 * port 25, so a node configured with it would advertise a reach it does not have. Failing loudly
 * (every request answers 500 node_misconfigured) makes the operator fix the config instead of
 * discovering later that every port-25 job fails.
 */

const CLOUDFLARE_FORBIDDEN_PORT = 25;
/** HMAC-SHA256 keys shorter than this are too easy to guess. */
const MIN_SECRET_LENGTH = 32;

/** A DNS label, because the region becomes part of the HELO name `probe-<region>.<canary>`. */
const DnsLabel = z
  .string()
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "must be a lower-case DNS label such as eu-west");

const PortList = z
  .string()
  .regex(/^\s*\d+(?:\s*,\s*\d+)*\s*$/, "must be a comma-separated list of ports such as 465,587")
  .transform((text) => [...new Set(text.split(",").map((port) => Number(port.trim())))])
  .pipe(z.array(z.number().int().min(1).max(65_535)).min(1))
  .transform((ports) => ports.sort((a, b) => a - b));

const NodeEnv = z
  .object({
    NODE_ID: z.string().min(1).max(64),
    NODE_REGION: DnsLabel,
    NODE_NETWORK: z.string().min(1).max(64),
    NODE_RUNTIME: NodeRuntime,
    NODE_ALLOWED_PORTS: PortList,
    PROBE_SECRET: z.string().min(MIN_SECRET_LENGTH),
    ALLOW_LOOPBACK_TARGETS: z.enum(["true", "false"]).default("false"),
  })
  .refine(
    (env) =>
      env.NODE_RUNTIME !== "cloudflare" ||
      !env.NODE_ALLOWED_PORTS.includes(CLOUDFLARE_FORBIDDEN_PORT),
    {
      path: ["NODE_ALLOWED_PORTS"],
      message: "Cloudflare forbids outbound port 25; remove it from this node's ports",
    },
  );

export interface NodeConfig {
  identity: NodeIdentity;
  /** Never part of the identity: the identity is served to anyone who asks. */
  secret: string;
}

export type NodeConfigResult = { ok: true; config: NodeConfig } | { ok: false; problem: string };

/** Names the variables at fault and why, never their values (one of them is the secret). */
function describeProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`)
    .join("; ");
}

export function parseNodeConfig(env: Record<string, unknown> | undefined): NodeConfigResult {
  const parsed = NodeEnv.safeParse(env ?? {});
  if (!parsed.success) return { ok: false, problem: describeProblems(parsed.error) };
  const vars = parsed.data;
  const identity = NodeIdentity.parse({
    nodeId: vars.NODE_ID,
    region: vars.NODE_REGION,
    network: vars.NODE_NETWORK,
    runtime: vars.NODE_RUNTIME,
    allowedPorts: vars.NODE_ALLOWED_PORTS,
    loopbackAllowed: vars.ALLOW_LOOPBACK_TARGETS === "true",
  });
  return { ok: true, config: { identity, secret: vars.PROBE_SECRET } };
}
