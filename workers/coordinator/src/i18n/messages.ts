import type { CaseFamily } from "../../../../shared/probe/cases.ts";
import type { MailServerSoftware } from "../../../../shared/probe/mail-server-software.ts";
import type { CaseOutcome, CaseStep, Verdict } from "../../../../shared/schemas/probe-result.ts";
import type { CouldNotTestWords } from "../../../../shared/verdict/could-not-test.ts";
import type { VerdictLabel } from "../../../../shared/verdict/verdict-label.ts";
import type { CellOutcome } from "../pages/cell-outcome.ts";
import type { DeliveryStatus } from "../proof/case-delivery.ts";

export type Language = "en" | "ja";
export const LANGUAGES: readonly Language[] = ["en", "ja"];

/** The codes a check submission can be refused with (guard, DNS, admission). */
export type RefusalCode =
  | "invalid_address"
  | "forbidden_address"
  | "forbidden_target"
  | "port_not_allowed"
  | "invalid_host"
  | "no_such_domain"
  | "null_mx"
  | "no_mail_host"
  | "no_address"
  | "dns_failure"
  | "no_vantage"
  | "rate_limited"
  | "quota_exceeded"
  | "target_cooldown"
  | "target_opted_out"
  | "node_capacity";

export type { CaseFamily } from "../../../../shared/probe/cases.ts";
export type { MailServerSoftware } from "../../../../shared/probe/mail-server-software.ts";

export interface FamilyText {
  title: string;
  meaning: string;
  danger: string;
  fix: string;
}

/**
 * Every string the pages show. Both dictionaries implement this interface, so a key missing
 * in one language is a type error rather than a blank on the page.
 */
export interface Messages {
  languageName: string;
  skipToContent: string;
  siteTitle: string;
  tagline: string;
  languageSwitchLabel: string;
  form: {
    heading: string;
    label: string;
    hint: string;
    submit: string;
    refusedLead: string;
    invalidPort: string;
    turnstileFailed: string;
    /** A POST from another site's page (cross-site request forgery). */
    crossSite: string;
    /** A form body over the size limit. */
    tooLarge: string;
    noInput: string;
    privacy: string;
    implicitTlsLabel: string;
    implicitTlsHint: string;
    /**
     * A sentence in this language for each refusal code; the server's own detail (English, with
     * the address or name) follows it. A code without an entry shows the detail alone.
     */
    refusals: Partial<Record<RefusalCode, string>>;
  };
  report: {
    title: (target: string) => string;
    port: string;
    statusNames: Record<"queued" | "running" | "done" | "failed", string>;
    progressHeading: string;
    progressNote: string;
    vantageStates: Record<"pending" | "done" | "failed" | "untestable", string>;
    verdictHeading: string;
    verdictNames: Record<Verdict, string>;
    noVerdict: string;
    /** The verdict with delivery proof taken into account (see shared/verdict/verdict-label.ts). */
    verdictLabels: Record<VerdictLabel, string>;
    awaitingDelivery: string;
    deliveryNames: Record<DeliveryStatus, string>;
    /** Before the hop that handed a confirmed message to the canary domain. */
    handedOverBy: string;
    receivedChain: string;
    reason: string;
    disagreement: string;
    refusedHeading: string;
    delivery: string;
    /** The address's origin network from DNS; `null` name when only the number is known. */
    origin: (asns: string, name: string | null) => string;
    originUnknown: string;
    outsideVantages: (count: number) => string;
    notCorroborated: string;
    unavailable: (vantages: string) => string;
    /** A vantage whose node was on a DNS blocklist when the check ran. */
    listedVantage: (zones: string) => string;
    outcomeNames: Record<CaseOutcome, string>;
    /** The step whose reply decided a case, as the outcome column names it. */
    stepNames: Record<CaseStep, string>;
    decidedAt: (step: string) => string;
    transcriptSummary: (caseId: string, conn: number | null) => string;
    noTranscript: string;
    /** The vantage's transcript and case details passed their retention (in days). */
    evidenceExpired: (days: number) => string;
    /** The vantage's case outcomes passed their retention (in days); its verdict stays. */
    outcomesExpired: (days: number) => string;
    notFound: string;
    newCheck: string;
  };
  advice: {
    heading: string;
    intro: string;
    acceptedCases: string;
    meaning: string;
    danger: string;
    fix: string;
    families: Record<CaseFamily, FamilyText>;
    servers: Record<MailServerSoftware, string>;
    retest: string;
  };
  /** An inconclusive result, in words that blame the right party (see could-not-test.ts). */
  couldNotTest: CouldNotTestWords & { serverDidLabel: string; whatToDoLabel: string };
  /** The page about our probes, /about/probes. */
  probes: ProbesPageMessages;
  summary: {
    tricksHeading: string;
    noTricks: string;
    /** "from eu-west, us-east" */
    from: string;
    on: string;
    delivered: string;
    more: (count: number) => string;
    fixHeading: string;
    detected: (software: string) => string;
    evidence: string;
    unknownServer: string;
    otherServers: string;
    copy: string;
    copied: string;
  };
  matrix: {
    heading: string;
    intro: string;
    caption: (addresses: string) => string;
    caseColumn: string;
    outcomeNames: Record<CellOutcome, string>;
    legend: string;
    /** The note of a column that stands for several vantages. */
    sameAs: (count: number) => string;
    sameAddresses: (count: number) => string;
    targetsHeading: string;
    targetColumns: { host: string; address: string; verdicts: string };
    otherGroups: (count: number) => string;
    exchangeHint: string;
  };
  /** Where each vantage ran, which counted, and the certificates Node.js vantages recorded. */
  vantages: {
    heading: string;
    /** The first screen's line: independent outside vantages, with a link to the details. */
    outsideCount: (count: number) => string;
    /**
     * Follows either outside count when some of those vantages' nodes were on a DNS blocklist,
     * with its own leading punctuation: their refusals corroborate nothing.
     */
    listedAmong: (listed: number) => string;
    details: string;
    columns: { vantage: string; ranAt: string; network: string; counted: string };
    counted: string;
    /** After the region where a trick was accepted by a vantage inside the target's network. */
    insideMark: string;
    insideFor: (addresses: string) => string;
    tlsNotTestable: (addresses: string) => string;
    testedInstead: (vantages: string) => string;
    noneInstead: string;
    failed: (address: string, reason: string) => string;
    certificatesHeading: string;
    certificatesIntro: string;
    certColumns: {
      address: string;
      recordedBy: string;
      subject: string;
      issuer: string;
      validity: string;
      verifies: string;
    };
    verifiesYes: string;
    verifiesNo: (why: string) => string;
    unknown: string;
  };
  exchange: {
    title: (caseId: string, vantage: string) => string;
    noLines: string;
    fullTranscript: string;
    back: string;
    notFound: string;
  };
  progress: {
    answered: (answered: number, total: number) => string;
    waiting: string;
    slow: (seconds: number) => string;
    casesSoFar: string;
  };
  again: {
    button: string;
    waitFor: (seconds: number) => string;
    changesHeading: string;
    previous: string;
    nowRefused: string;
    nowAccepted: string;
    noChanges: string;
  };
  downloads: {
    heading: string;
    json: string;
    transcripts: string;
  };
  domainPage: {
    title: (domain: string) => string;
    latest: string;
    noChecks: string;
    timelineHeading: string;
    timelineLabel: (domain: string, count: number) => string;
    reportsHeading: string;
    invalid: string;
    link: string;
  };
  badge: {
    heading: string;
    intro: string;
    html: string;
    markdown: string;
    restructuredText: string;
  };
  history: {
    heading: string;
    empty: string;
    current: string;
  };
}

export interface ProbesPageMessages {
  title: string;
  intro: string;
  whoHeading: string;
  columns: {
    node: string;
    region: string;
    site: string;
    network: string;
    egress: string;
    reverseName: string;
    ehloName: string;
    ports: string;
    status: string;
    /** The node's concurrency slots (the registry's maxConcurrentJobs). */
    atOnce: string;
  };
  listedOn: (zones: string) => string;
  /** A Cloudflare node's data centre, by its colo code, as its last health check found it. */
  colo: (code: string) => string;
  notListed: string;
  noProbes: string;
  notLookedUp: string;
  doesHeading: string;
  does: (budget: {
    connections: number;
    atOnce: number;
    messages: number;
    canaryDomain: string;
  }) => string[];
  neverHeading: string;
  never: string[];
  capsHeading: string;
  caps: (caps: { perMinute: number; perPrefixPerHour: number }) => string;
  optOutHeading: string;
  optOutDomain: string;
  optOutAddress: string;
  optOutOperator: (contact: string) => string;
  optOutDelay: (minutes: number) => string;
  contactHeading: string;
  contact: (contact: string) => string;
  allowHeading: string;
  allow: string;
}
