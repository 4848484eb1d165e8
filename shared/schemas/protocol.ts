import { z } from "zod";
import { CaseOutcome, ProbeResult } from "./probe-result.ts";

/**
 * The coordinator-probe protocol. Both sides parse with these schemas: the coordinator what it
 * receives from a node, the node what it receives from the coordinator.
 */

export const ApiError = z.object({ code: z.string(), message: z.string() });
export type ApiError = z.infer<typeof ApiError>;

const DomainName = z.string().min(1).max(253);

/** Lower-case letters and digits only: it becomes part of a mailbox local part. */
export const TokenNonce = z.string().regex(/^[a-z0-9]{8,24}$/);
export type TokenNonce = z.infer<typeof TokenNonce>;

export const ProbeJob = z
  .object({
    checkId: z.string().min(1).max(64),
    /** The vantage result this job fills in. */
    jobId: z.string().min(1).max(64),
    target: z
      .object({
        /** The address the coordinator checked with its guard; never a name to resolve again. */
        address: z.union([z.ipv4(), z.ipv6()]),
        port: z.number().int().min(1).max(65_535),
        hostName: DomainName.nullable(),
        implicitTls: z.boolean(),
      })
      .strict(),
    targetDomain: DomainName.nullable(),
    caseIds: z.array(z.string().max(64)).max(100).nullable(),
    timeBudgetMs: z.number().int().min(1_000).max(300_000),
    /**
     * The coordinator's part of every case token (`rw-<nonce>-<index>`), so it recognises a
     * canary message that arrives before this job's answer; the node picks one when absent.
     */
    tokenNonce: TokenNonce.optional(),
    /**
     * Delivery proof: send the canary message for accepted cases, at most `maxMessages` (this
     * vantage's share of the check's cap; the node applies its own cap too). `key` is the vantage
     * key the messages' MACs are made with (shared/probe/canary-proof.ts): secret, never echoed.
     * The canary domain and the report link are the node's own configuration, not the job's.
     */
    proof: z
      .object({
        maxMessages: z.number().int().min(0).max(10),
        key: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict()
      .nullable()
      .default(null),
  })
  .strict()
  .refine((job) => job.proof === null || job.tokenNonce !== undefined, {
    path: ["tokenNonce"],
    message: "a job with proof names its token nonce (the proof key is derived from it)",
  });
export type ProbeJob = z.infer<typeof ProbeJob>;

/**
 * Where a probe node runs. "cloudflare" and "workerd" verify every TLS certificate (the runtime
 * cannot be told not to); "node" (Node.js, node:tls) records certificates and tests any server.
 */
export const NodeRuntime = z.enum(["cloudflare", "workerd", "node"]);
export type NodeRuntime = z.infer<typeof NodeRuntime>;

/** Who a probe node is and what it may reach, from its own configuration. */
export const NodeIdentity = z.object({
  nodeId: z.string(),
  region: z.string(),
  network: z.string(),
  runtime: NodeRuntime,
  allowedPorts: z.array(z.number().int()),
  /** What the node says in EHLO/HELO: `probe-<region>.<service domain>`. */
  ehloName: z.string().min(1).max(253),
  /** Only local development and tests: loopback targets on any port. */
  loopbackAllowed: z.boolean(),
  /** Jobs this node runs at once; the coordinator never sends it more. */
  maxConcurrentJobs: z.number().int().min(1).max(1_000),
});
export type NodeIdentity = z.infer<typeof NodeIdentity>;

/**
 * The largest answer a node sends (the coordinator reads no more). Transcripts and server texts
 * are bounded by the engine; should an answer still pass this, the node drops its transcript
 * rather than its result.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Where a probe really ran: the Cloudflare data centre (`colo`, such as FRA) for a Worker, the
 * operator's configured site for a self-hosted node. Two vantages with the same location are
 * one network path, whatever their labels say. Short printable text only: it reaches reports.
 */
export const RunLocation = z.object({
  kind: z.enum(["colo", "site"]),
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._:-]*$/),
});
export type RunLocation = z.infer<typeof RunLocation>;

export const ProbeResponse = z.object({
  node: NodeIdentity,
  location: RunLocation,
  result: ProbeResult,
});
export type ProbeResponse = z.infer<typeof ProbeResponse>;

/** The answer to a signed `GET /v1/health`: the node's identity and where it runs now. */
export const NodeHealth = z.object({
  node: NodeIdentity,
  location: RunLocation,
});
export type NodeHealth = z.infer<typeof NodeHealth>;

/** More cases than any suite has: a plan or a stream announcing more is not from our node. */
export const MAX_PLANNED_CASES = 1_000;

/** The media type of a streamed answer: one JSON object per line. */
export const PROBE_STREAM_TYPE = "application/x-ndjson";

/**
 * A streamed answer, asked for with `Accept: application/x-ndjson`: how many cases the suite has,
 * each case as it is answered (for live progress), then the answer or the error that ended it.
 * A node may also answer with plain JSON (ProbeResponse); the coordinator reads both.
 */
export const ProbeStreamLine = z.discriminatedUnion("type", [
  z.object({ type: z.literal("plan"), cases: z.number().int().min(0).max(MAX_PLANNED_CASES) }),
  z.object({ type: z.literal("case"), id: z.string().max(64), outcome: CaseOutcome }),
  z.object({ type: z.literal("answer"), response: ProbeResponse }),
  z.object({ type: z.literal("error"), error: ApiError }),
]);
export type ProbeStreamLine = z.infer<typeof ProbeStreamLine>;

/**
 * A node as the coordinator knows it: reached by signed fetch at `url` (self-hosted nodes,
 * anywhere), or through the service binding named `binding` (probe Workers on Cloudflare in the
 * same account, which skips the public internet).
 */
export const VantageNode = z
  .object({
    id: z.string().min(1).max(64),
    region: z.string().min(1).max(64),
    network: z.string().min(1).max(64),
    /** The node's origin AS: a vantage in its target's AS is `inside` the target's network. */
    asn: z.number().int().min(1).max(4_294_967_295),
    /** Where a self-hosted node runs (its data centre); Cloudflare nodes report their colo. */
    site: z.string().min(1).max(64).optional(),
    /**
     * Where the node runs; unknown counts as a runtime that verifies certificates: only "node"
     * is planned for servers whose certificate another vantage could not accept.
     */
    runtime: NodeRuntime.default("workerd"),
    maxConcurrentJobs: z.number().int().min(1).max(1_000).default(4),
    url: z.url().optional(),
    binding: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/)
      .optional(),
    ports: z.array(z.number().int().min(1).max(65_535)),
    /**
     * The addresses its connections leave from: published on /about/probes (with their reverse
     * DNS) so administrators can allow them, and looked up daily in the DNS blocklists.
     */
    egress: z
      .array(z.union([z.ipv4(), z.ipv6()]))
      .max(8)
      .optional(),
  })
  .strict()
  .refine((node) => (node.url === undefined) !== (node.binding === undefined), {
    message: "a node has either a url or a binding",
  });
export type VantageNode = z.infer<typeof VantageNode>;

export const VantageNodes = z.array(VantageNode);
