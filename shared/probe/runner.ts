/**
 * One probe run against one address, top to bottom: the run's shared state (`startRun`), the
 * suite it plans from the server's names (`expandSuite`), the run itself (`runProbe`) and the
 * result it ends with (`finishProbe`). The parts it calls, in the order a run meets them:
 * connect.ts opens and prepares connections, exchange.ts spreads the cases over them,
 * outcomes.ts records where each case ends up, delivery.ts sends the canary messages.
 */
import type {
  CaseResult,
  ConnectionSummary,
  DataStep,
  ProbeResult,
  TlsSummary,
} from "../schemas/probe-result.ts";
import { usesImplicitTls } from "../smtp/ports.ts";
import type { SmtpSession } from "../smtp/session.ts";
import { Transcript } from "../smtp/transcript.ts";
import { type Connector, DEFAULT_LIMITS, type Reply, type SessionLimits } from "../smtp/types.ts";
import { boundResult } from "./bound-result.ts";
import { inTellingOrder, RELAY_CASES } from "./cases.ts";
import { learnServerNames, openFirstSession, releaseSpares } from "./connect.ts";
import { runDataStep } from "./delivery.ts";
import { runWorkers } from "./exchange.ts";
import { type ExpandedCase, expandCase, randomLabel } from "./expand.ts";
import { type SuiteState, settleLeftovers, startSuite } from "./outcomes.ts";
import { type Pace, startPace, watchForTarpit } from "./pace.ts";
import { PROBE_DEFAULTS, type ProbeRequest } from "./request.ts";
import { summarize } from "./summaries.ts";
import { decideVerdict } from "./verdict.ts";

export interface ProbeHooks {
  /** Called once the suite is known (after the first connection): how many cases it has. */
  onPlan?: (caseCount: number) => void;
  /** Called as each case gets its final outcome: for live progress. */
  onCase?: (result: CaseResult) => void;
  /** Called when a case is put off until `until` (epoch ms), such as a greylisted one. */
  onWait?: (wait: { caseId: string; until: number; note: string }) => void;
}

/**
 * Runs the relay suite against one address. Cases are spread over several short connections
 * so that no default error limit (Postfix smtpd_soft_error_limit, Exim smtp_accept_max_nonmail)
 * cuts the suite off, and the plan adapts to the server's pace (see pace.ts); a dropped
 * connection resumes on a new one; greylisted cases wait out the server's delay when the
 * deadline allows. Accepted cases then go on to DATA, whose answer decides them. Nothing is
 * awaited past the time budget, nor past the tarpit budget against a server that crawls.
 */
export async function runProbe(
  connector: Connector,
  request: ProbeRequest,
  hooks: ProbeHooks = {},
): Promise<ProbeResult> {
  const run = startRun(connector, request, hooks);
  const planned = suiteSize(request);
  let suite: SuiteState | null = null;
  const stopWatching = watchForTarpit(run, () => (suite ? suite.queue.size : planned));
  try {
    // The first connection tells us the server's own names, which the cases need.
    const first = await openFirstSession(run, planned);
    if ("blocked" in first) {
      await releaseSpares(run);
      return finishProbe(run, run.stopReason ?? first.blocked, [], "not-needed");
    }
    const names = learnServerNames(run, first.ehlo);
    run.names = names;
    const expanded = expandSuite(run, names);
    hooks.onPlan?.(expanded.length);

    const started = startSuite(run, inTellingOrder(expanded));
    suite = started;
    run.onStop = () => started.progress.notify();
    await runWorkers(started, first.session);
    settleLeftovers(started);

    // The DATA step comes after the suite, so its messages never change what the suite saw.
    const dataStep = await runDataStep(run, names, expanded, request.proof ?? null);
    return finishProbe(run, null, expanded, dataStep);
  } finally {
    stopWatching();
  }
}

/*
 * The run's shared state: the settings resolved once at the start, and what the run learns and
 * records as it goes. Passed explicitly, so each part shows what it reads and changes.
 */

/** Where every connection of the run goes, and how it introduces itself. */
export interface ProbeTarget {
  address: string;
  port: number;
  implicitTls: boolean;
  hostName: string | null;
  heloName: string;
}

/** The server's own names, learnt on the first connection; the cases are built from them. */
export interface ServerNames {
  host: string;
  targetDomain: string;
}

/** What STARTTLS attempts taught the run; every later connection follows it. */
export interface TlsState {
  /** A case was refused until TLS: try STARTTLS even where the server does not offer it. */
  force: boolean;
  /** A handshake failed: later connections stay in plain text. */
  broken: boolean;
  /** The first TLS failure, for the reason of a run that ends inconclusive. */
  failure: string | null;
  /** The first TLS session's details, for the result. */
  info: TlsSummary | null;
}

/** A connection opened ahead of need: ready for cases, or why it could not be made ready. */
export type SpareSession = { session: SmtpSession } | { error: unknown };

export interface ProbeRun {
  readonly connector: Connector;
  readonly request: ProbeRequest;
  readonly options: ProbeOptions;
  readonly hooks: ProbeHooks;
  readonly startedAt: number;
  /** Nothing is awaited past it. */
  readonly deadline: number;
  readonly limits: SessionLimits;
  readonly transcript: Transcript;
  readonly target: ProbeTarget;
  /** Every connection's summary: the suite's, then the delivery proof's. */
  readonly connections: ConnectionSummary[];
  /** Each case's final outcome, by case id. */
  readonly results: Map<string, CaseResult>;
  /** Connections opened so far; the newest one's number in the transcript. */
  connectionCount: number;
  readonly tls: TlsState;
  /** EHLO keywords of the first connection, for the result. */
  extensions: string[];
  names: ServerNames | null;
  firstBanner: Reply | null;
  /** The server's pace and the connection plan it leads to. */
  readonly pace: Pace;
  /** Every connection opened, so a stopped run can close them all at once. */
  readonly sessions: Set<SmtpSession>;
  /** Connections being made, not in `sessions` yet. */
  connecting: number;
  /** Connections opened ahead of need (one wave at the start), taken before opening more. */
  readonly spares: Promise<SpareSession>[];
  /** Why the run stopped early (a tarpit); null while it goes on. */
  stopReason: string | null;
  /** Called once when the run is stopped, to wake whatever waits. */
  onStop: (() => void) | null;
}

/** The request with every setting it leaves out taken from the defaults. */
function resolveOptions(request: ProbeRequest) {
  return { ...PROBE_DEFAULTS, ...definedOnly(request) };
}

export type ProbeOptions = ReturnType<typeof resolveOptions>;

/** Starts the clock: the time budget counts from here. */
export function startRun(connector: Connector, request: ProbeRequest, hooks: ProbeHooks): ProbeRun {
  const options = resolveOptions(request);
  const startedAt = Date.now();
  const deadline = startedAt + options.timeBudgetMs;
  const { address, port } = request.target;
  return {
    connector,
    request,
    options,
    hooks,
    startedAt,
    deadline,
    limits: { ...DEFAULT_LIMITS, ...definedOnly(request.limits ?? {}), deadline },
    transcript: new Transcript(),
    target: {
      address,
      port,
      implicitTls: usesImplicitTls(port, request.target.implicitTls),
      hostName: request.target.hostName ?? null,
      heloName: request.heloName ?? `probe.${request.canaryDomain}`,
    },
    connections: [],
    results: new Map(),
    connectionCount: 0,
    tls: { force: false, broken: false, failure: null, info: null },
    extensions: [],
    names: null,
    firstBanner: null,
    pace: startPace(options.casesPerConnection),
    sessions: new Set(),
    connecting: 0,
    spares: [],
    stopReason: null,
    onStop: null,
  };
}

/** The settings given: an explicit undefined in a request keeps the default rather than erasing it. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

/* Which cases this run tries, with the server's names filled into their templates. */

/** The requested subset of the catalogue, in catalogue order. */
function catalogueFor(request: ProbeRequest) {
  const wanted = request.caseIds ? new Set(request.caseIds) : null;
  return RELAY_CASES.filter((relayCase) => !wanted || wanted.has(relayCase.id));
}

/** How many cases the suite will run, known before the server's names are. */
function suiteSize(request: ProbeRequest): number {
  return catalogueFor(request).length;
}

/** The requested subset of the catalogue, in catalogue order, ready to send. */
function expandSuite(run: ProbeRun, names: ServerNames): ExpandedCase[] {
  const { request } = run;
  const catalogue = catalogueFor(request);
  const caseNames = {
    address: run.target.address,
    host: names.host,
    targetDomain: names.targetDomain,
    canaryDomain: request.canaryDomain.toLowerCase(),
    randomLabel: randomLabel(10),
    nonce: request.tokenNonce ?? randomLabel(8),
  };
  // A case keeps its catalogue index in a subset too, so its token does not depend on the subset.
  return catalogue.map((relayCase) =>
    expandCase(relayCase, RELAY_CASES.indexOf(relayCase), caseNames),
  );
}

/**
 * The run's record turned into a ProbeResult, with the verdict and the reason for it.
 * `blockedBeforeTesting` is set when the server never let a case run; `expanded` is every
 * case of the suite, and one that got no outcome is reported as not tried.
 */
function finishProbe(
  run: ProbeRun,
  blockedBeforeTesting: string | null,
  expanded: ExpandedCase[],
  dataStep: DataStep,
): ProbeResult {
  const { address, port, implicitTls, hostName } = run.target;
  const cases = expanded.map(
    (entry) =>
      run.results.get(entry.id) ?? {
        ...entry,
        outcome: "error" as const,
        step: "connect" as const,
        reply: null,
        note: "not tried",
        conn: null,
        attempts: 0,
        data: null,
      },
  );
  const decided = decideVerdict({
    cases,
    blockedBeforeTesting,
    dataStep,
    stoppedBy: run.stopReason,
  });
  const { verdict } = decided;
  const tlsFailure = run.tls.failure;
  const notTestableHere =
    verdict === "inconclusive" && tlsFailure && run.request.certificatesEnforced
      ? `TLS not testable from this vantage (certificate not accepted by a runtime that verifies every certificate: ${tlsFailure})`
      : null;
  // Why an inconclusive run could not use TLS belongs in its reason, not only in the log.
  const reason =
    notTestableHere ??
    (verdict === "inconclusive" && tlsFailure && !decided.reason.includes(tlsFailure)
      ? `${decided.reason}; STARTTLS failed from this vantage: ${tlsFailure}`
      : decided.reason);
  const finishedAt = Date.now();
  return boundResult({
    target: { host: hostName ?? address, port, address, implicitTls },
    names: {
      host: run.names?.host ?? hostName ?? address,
      targetDomain: run.names?.targetDomain ?? "",
      canaryDomain: run.request.canaryDomain,
    },
    verdict,
    reason,
    notTestableHere,
    dataStep,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: finishedAt - run.startedAt,
    banner: summarize(run.firstBanner),
    extensions: run.extensions,
    tls: run.tls.info,
    cases,
    connections: run.connections,
    transcript: run.transcript.entries,
  });
}
