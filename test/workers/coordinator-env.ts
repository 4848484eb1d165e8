/**
 * The coordinator's configuration in the workers test project: read in Node by
 * vitest.workers.config.ts (bindings, the stand-in probe nodes) and inside workerd by the
 * coordinator tests. Plain data only, so it loads on both sides.
 */
import type { ProbeResult } from "../../shared/schemas/probe-result.ts";

export const PROBE_QUEUE_NAME = "relaywatch-probe-jobs";
export const CANARY_DOMAIN = "canary.relaywatch.test";
/** The smallest budget `readConfig` accepts. */
export const PROBE_TIME_BUDGET_MS = 5_000;

export interface TestNode {
  id: string;
  region: string;
  network: string;
  asn: number;
  /** The self-hosted site the stand-in reports as where each probe ran. */
  site: string;
  url: string;
  ports: number[];
  secret: string;
  /** Absent: the coordinator does not know (as for TEST_NODES); the stand-in says workerd. */
  runtime?: "cloudflare" | "workerd" | "node";
}

/**
 * Three vantages in different regions, networks and with different secrets. Their URLs are
 * answered by the stand-in probe node (test/workers/probe-node-stand-in.ts), never by the network.
 */
export const TEST_NODES: readonly TestNode[] = [
  {
    id: "node-fra",
    region: "eu-central",
    network: "hetzner",
    asn: 24940,
    site: "fsn1",
    url: "https://fra.probe.relaywatch.test",
    ports: [25, 465, 587],
    secret: "fra-secret-0123456789abcdef0123456789",
  },
  {
    id: "node-iad",
    region: "us-east",
    network: "aws",
    asn: 16509,
    site: "us-east-1a",
    url: "https://iad.probe.relaywatch.test/",
    ports: [25, 465, 587],
    secret: "iad-secret-0123456789abcdef0123456789",
  },
  {
    id: "node-sin",
    region: "ap-southeast",
    network: "digitalocean",
    asn: 14061,
    site: "sgp1",
    url: "https://sin.probe.relaywatch.test",
    ports: [25],
    secret: "sin-secret-0123456789abcdef0123456789",
  },
];

/**
 * Nodes the stand-in answers for that are not in PROBE_NODES: tests add them to the registry
 * themselves (as the admin CLI would), so stopping one never disturbs another test file.
 */
export const REGISTRY_ONLY_NODES: readonly TestNode[] = [
  {
    id: "node-ams",
    region: "eu-west",
    network: "leaseweb",
    asn: 60781,
    site: "ams1",
    url: "https://ams.probe.relaywatch.test",
    ports: [25],
    secret: "ams-secret-0123456789abcdef0123456789",
  },
  {
    id: "node-nrt",
    region: "ap-northeast",
    network: "sakura",
    asn: 9370,
    site: "tyo2",
    url: "https://nrt.probe.relaywatch.test",
    ports: [25],
    secret: "nrt-secret-0123456789abcdef0123456789",
  },
];

/**
 * More nodes the stand-in answers for, configured only by the tests that override PROBE_NODES
 * with them (coordinator-untestable.test.ts): two more workerd nodes, so a check's first five
 * vantages leave out the two Node.js nodes, which can test any TLS server.
 */
export const TLS_FALLBACK_NODES: readonly TestNode[] = [
  {
    id: "node-lhr",
    region: "eu-west",
    network: "leaseweb",
    asn: 60781,
    site: "lon1",
    url: "https://lhr.probe.relaywatch.test",
    ports: [25, 465, 587],
    secret: "lhr-secret-0123456789abcdef0123456789",
    runtime: "workerd",
  },
  {
    id: "node-waw",
    region: "eu-east",
    network: "ovh",
    asn: 16276,
    site: "waw1",
    url: "https://waw.probe.relaywatch.test",
    ports: [25, 465, 587],
    secret: "waw-secret-0123456789abcdef0123456789",
    runtime: "cloudflare",
  },
  {
    id: "node-gru",
    region: "sa-east",
    network: "vultr",
    asn: 20473,
    site: "sao1",
    url: "https://gru.probe.relaywatch.test",
    ports: [25, 465, 587],
    secret: "gru-secret-0123456789abcdef0123456789",
    runtime: "node",
  },
  {
    id: "node-syd",
    region: "ap-south",
    network: "linode",
    asn: 63949,
    site: "syd1",
    url: "https://syd.probe.relaywatch.test",
    ports: [25, 465, 587],
    secret: "syd-secret-0123456789abcdef0123456789",
    runtime: "node",
  },
];

/**
 * The DNS the coordinator sees (DNS_ZONE). Every mail host points at loopback, which
 * ALLOW_LOOPBACK_TARGETS admits, or at an address the guard must refuse; nothing here is ever
 * contacted (probe calls go to the stand-in, which opens no socket).
 *
 * Records spell out the class (`IN`): see the report on ZoneResolver and `name MX 10 host`.
 */
export const TEST_ZONE = `
$ORIGIN lab.test.
; Two MX hosts: 1 + 2 addresses, each probed from every vantage.
open              IN MX 10 mx1.open
open              IN MX 20 mx2.open
mx1.open          IN A     127.0.0.1
mx2.open          IN A     127.0.0.2
mx2.open          IN AAAA  ::1
; A host name for {"host": ...} checks.
mx.host           IN A     127.0.0.5
; One MX on loopback, one on a private address: the private one is refused, not probed.
mixed             IN MX 10 mx.mixed
mixed             IN MX 20 internal.mixed
mx.mixed          IN A     127.0.0.4
internal.mixed    IN A     10.1.2.3

$ORIGIN example.
; No MX, an A record: the domain is its own mail host (RFC 5321 5.1).
implicit          IN A     127.0.0.3
; Null MX (RFC 7505): takes no mail.
nullmx            IN MX 0  .
; The only MX is on a private address.
private           IN MX 10 mx.private
mx.private        IN A     192.168.1.10
; The only MX is on a documentation address.
docs              IN MX 10 mx.docs
mx.docs           IN A     192.0.2.25
; A public-looking address, only ever asked for on port 80, which the guard refuses.
public-looking    IN A     93.184.215.14

$ORIGIN optout.test.
; Opted out by the domain's own TXT record.
owner             IN MX 10 mx.owner
mx.owner          IN A     127.0.0.21
_relaywatch.owner IN TXT   "v=rw1; optout"
; A public-list token under the same label is not an opt-out.
listed            IN MX 10 mx.listed
mx.listed         IN A     127.0.0.25
_relaywatch.listed IN TXT  "relaywatch-verify=0123456789abcdef"
; Two domains whose MX hosts share one address, opted out in its reverse zone; a third domain
; also has a second MX host on an address that did not opt out.
shared-a          IN MX 10 mx.provider
shared-b          IN MX 10 other-name.provider
partial           IN MX 10 mx.provider
partial           IN MX 20 mx.partial
mx.provider       IN A     127.0.0.22
other-name.provider IN A   127.0.0.22
mx.partial        IN A     127.0.0.23
_relaywatch.22.0.0.127.in-addr.arpa. IN TXT "v=rw1; optout"
; Added to the operator's list by the tests, as \`npm run admin -- add-optout\` does.
operator          IN MX 10 mx.operator
mx.operator       IN A     127.0.0.24
; Badge re-checks: a domain that opts out after its badge was in use.
badge-owner       IN MX 10 mx.badge-owner
mx.badge-owner    IN A     127.0.0.26
_relaywatch.badge-owner IN TXT "v=rw1; optout"
; Batches: one domain opted out, one not.
batch-owner       IN MX 10 mx.batch-owner
mx.batch-owner    IN A     127.0.0.27
_relaywatch.batch-owner IN TXT "v=rw1;OPTOUT"
batch-ok          IN MX 10 mx.batch-ok
mx.batch-ok       IN A     127.0.0.28
; Traced lookups (no opt-out): two MX hosts, one address each.
traced            IN MX 10 mx1.traced
traced            IN MX 20 mx2.traced
mx1.traced        IN A     127.0.0.29
mx2.traced        IN A     127.0.0.30

; Webhook receivers: the stand-in answers hooks.example.test (webhook-receiver.ts), on loopback
; as ALLOW_LOOPBACK_TARGETS admits; the coordinator must refuse every other name here.
hooks.example.test.          IN A     127.0.0.1
$ORIGIN webhooks.test.
private           IN A     10.0.0.5
cgnat             IN A     100.64.0.7
mapped-private    IN AAAA  ::ffff:10.0.0.5
metadata          IN A     169.254.169.254
; One good address does not make up for a refused one.
partly-private    IN A     127.0.0.1
partly-private    IN A     192.168.0.10
`;

/** The canary proof secret of the tests (a Worker secret in production). */
export const PROOF_SECRET = "proof-secret-for-tests-0123456789abcdef";

/** The webhook signing secret of the tests (a Worker secret in production). */
export const WEBHOOK_SIGNING_SECRET = "webhook-signing-secret-for-tests-0123456789";

/** Wraps the registry's node secrets (a Worker secret in production). */
export const NODE_SECRET_KEY = "node-secret-wrapping-key-for-tests-0123456789";

/** The coordinator's vars as wrangler would give them, for miniflare.bindings. */
export function coordinatorVars(): Record<string, string> {
  return {
    // The bootstrap: migrated into the node registry (D1) by the first request of each file.
    PROBE_NODES: JSON.stringify(TEST_NODES.map(({ secret: _secret, ...node }) => node)),
    NODE_SECRETS: JSON.stringify(Object.fromEntries(TEST_NODES.map((n) => [n.id, n.secret]))),
    NODE_SECRET_KEY,
    ALLOW_LOOPBACK_TARGETS: "true",
    DNS_ZONE: TEST_ZONE,
    PROOF_SECRET,
    PROBE_TIME_BUDGET_MS: String(PROBE_TIME_BUDGET_MS),
    WEBHOOK_SIGNING_SECRET,
    // Most tests check the same targets again and again: no per-target cool-down. The access
    // tests (test/workers/access-*.test.ts) turn it on through env overrides.
    TARGET_COOLDOWN_SECONDS: "0",
    // Anonymous checks per minute: never reached by the suite, which comes from one address;
    // the limits tests set a low one through env overrides.
    ANON_CHECKS_PER_MINUTE: "100000",
    // Every test target is on 127.0.0.0/24: caps the suite never reaches; caps.test.ts sets low ones.
    NODE_CHECKS_PER_MINUTE: "100000",
    NODE_CHECKS_PER_PREFIX_PER_HOUR: "100000",
    // No Turnstile in the tests but where one turns it on with keys (page-turnstile, access-keys).
    TURNSTILE: "off",
  };
}

/** ANON_RATE_LIMITER's limit per minute in the tests: never reached by the suite. */
export const ANON_RATE_LIMIT_FOR_TESTS = 100_000;
/** STRICT_RATE_LIMITER's limit per minute: the access tests' real binding that does refuse. */
export const STRICT_RATE_LIMIT = 2;

/** The stand-in's control endpoint: tests script node answers and read the calls here. */
export const STAND_IN_CONTROL = "http://stand-in.control.relaywatch.test";

/** What a stand-in node does with one probe call. */
export type ScriptedAnswer =
  /**
   * A schema-valid ProbeResponse whose cases make the engine decide this verdict, reporting the
   * node's site as where it ran unless `location` says otherwise; `placement` is sent as the
   * `cf-placement` header Cloudflare adds to a placed Worker's answers. `refused-at-data`: every
   * RCPT accepted, every sampled message refused (closed).
   */
  | {
      kind: "result";
      verdict: "open" | "suspect" | "closed" | "refused-at-data";
      /** What a hostile server said instead of the usual refusal text (and its greeting). */
      replyText?: string;
      location?: { kind: "colo" | "site"; name: string };
      placement?: string;
      /** The certificate a Node.js node recorded (its fields as a hostile server may set them). */
      tls?: ProbeResult["tls"];
    }
  /** What a workerd or Cloudflare node answers when it cannot speak TLS with the server. */
  | { kind: "tls-not-testable" }
  /** A ProbeResponse claiming to come from another node. */
  | { kind: "result-as"; nodeId: string }
  /** An error status with the node's `{ code, message }` body. */
  | { kind: "refuse"; status: number; code: string; message: string }
  /** Any status and body, for answers outside the protocol. */
  | { kind: "raw"; status: number; body: string }
  /** No answer until the test releases the call through the control endpoint. */
  | { kind: "hold" };

export interface ScriptRequest {
  checkId: string;
  answers: Record<string, ScriptedAnswer>;
}

/** Stops (or restarts) a stand-in node: health checks and probe calls answer 503. */
export interface NodeDownRequest {
  nodeId: string;
  isDown: boolean;
}

export interface ReleaseRequest {
  checkId: string;
  nodeId: string;
  answer: ScriptedAnswer;
}

/** One call the coordinator made to a stand-in node, as the stand-in saw it. */
export interface RecordedCall {
  /** The node the URL belongs to; null for a URL of no configured node. */
  nodeId: string | null;
  method: string;
  url: string;
  contentType: string | null;
  /** `verifyBody` with the node's own secret: null when authentic and fresh. */
  signatureProblem: string | null;
  /** Problems ProbeJob.safeParse found; empty when the body is a valid job. */
  jobProblems: string[];
  /** The parsed body, whatever it was. */
  body: unknown;
  /** The stand-in's answer: an HTTP status, or "held" while it has not answered. */
  answered: number | "held";
}

export interface AuxProbeNode {
  id: string;
  region: string;
  network: string;
  asn: number;
  binding: string;
  workerName: string;
  ports: number[];
  secret: string;
}

/** The service domain the auxiliary probe Workers name themselves under in EHLO. */
export const AUX_SERVICE_DOMAIN = "relaywatch.test";

/** Real probe Workers run as auxiliary workers, reached through service bindings. */
export const AUX_PROBE_NODES: readonly AuxProbeNode[] = [
  {
    id: "aux-eu-west",
    region: "eu-west",
    network: "cf-a",
    asn: 64601,
    binding: "PROBE_EU_WEST",
    workerName: "probe-eu-west",
    ports: [25, 465, 587, 2525],
    secret: "aux-eu-west-secret-0123456789abcdef0123",
  },
  {
    id: "aux-ap-northeast",
    region: "ap-northeast",
    network: "cf-b",
    asn: 64602,
    binding: "PROBE_AP_NORTHEAST",
    workerName: "probe-ap-northeast",
    ports: [25, 465, 587, 2525],
    secret: "aux-ap-northeast-secret-0123456789abcdef",
  },
];

/** The coordinator's view of the auxiliary nodes: bindings instead of URLs. */
export function auxNodeVars() {
  return {
    PROBE_NODES: JSON.stringify(
      AUX_PROBE_NODES.map(({ id, region, network, asn, binding, ports }) => ({
        id,
        region,
        network,
        asn,
        binding,
        ports,
      })),
    ),
    NODE_SECRETS: JSON.stringify(
      Object.fromEntries(AUX_PROBE_NODES.map((node) => [node.id, node.secret])),
    ),
  };
}
