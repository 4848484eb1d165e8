/**
 * Everything one probe run shares between its parts: the settings resolved once at the start,
 * and what the run learns and records as it goes. Passed explicitly, so each part shows what
 * it reads and changes.
 */
import type { CaseResult, ConnectionSummary } from "../schemas/probe-result.ts";
import type { SmtpSession } from "../smtp/session.ts";
import { Transcript } from "../smtp/transcript.ts";
import {
  type Connector,
  DEFAULT_LIMITS,
  type Reply,
  type SessionLimits,
  type TlsInfo,
} from "../smtp/types.ts";
import { type Pace, startPace } from "./pace.ts";
import { PROBE_DEFAULTS, type ProbeRequest } from "./request.ts";

export interface ProbeHooks {
  /** Called once the suite is known (after the first connection): how many cases it has. */
  onPlan?: (caseCount: number) => void;
  /** Called as each case gets its final outcome: for live progress. */
  onCase?: (result: CaseResult) => void;
  /** Called when a case is put off until `until` (epoch ms), such as a greylisted one. */
  onWait?: (wait: { caseId: string; until: number; note: string }) => void;
}

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
  info: TlsInfo | null;
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
  return { ...PROBE_DEFAULTS, ...stripUndefined(request) };
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
    // An explicit undefined in the request keeps the default rather than erasing it.
    limits: { ...DEFAULT_LIMITS, ...definedOnly(request.limits ?? {}), deadline },
    transcript: new Transcript(),
    target: {
      address,
      port,
      implicitTls: request.target.implicitTls ?? port === 465,
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

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
