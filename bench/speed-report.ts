import { NMAP_RELAY_TESTS } from "./nmap-run.ts";
import type { TargetRuns } from "./speed.ts";
import { agreement, median } from "./stats.ts";
import { formatMs, formatTable } from "./table.ts";

/** The brief's bar for servers with PIPELINING: Relaywatch's full suite in this share of nmap's time. */
const PIPELINING_MAX_RATIO = 0.25;
/** The servers the protocol targets (pipelining, per case) were set for: real MTAs and two sims. */
const PROTOCOL_TARGETS = new Set([
  "postfix-secure",
  "postfix-open",
  "exim-secure",
  "secure-pipelining",
  "secure-no-pipelining",
]);
/** Issue 9's bars: a sendmail-like server fully checked, a byte tarpit answered, the whole lab. */
const SENDMAIL_LIKE = { name: "sendmail-throttle", maxMs: 1_500 };
const BYTE_TARPIT = { name: "byte-tarpit", maxMs: 20_000 };
const LAB_MAX_RATIO = 0.1;
/** The per-target connection budget (README, "Security model"). */
const MAX_CONNECTIONS_PER_RUN = 12;

interface TargetSummary {
  name: string;
  expected: string;
  pipeliningOffered: boolean;
  relaywatch: {
    wallMs: number;
    answered: number;
    total: number;
    verdict: string;
    connections: number;
    maxConnections: number;
    mail: number;
    rcpt: number;
  };
  nmap: {
    wallMs: number;
    scriptMs: number | null;
    answered: number;
    connections: number;
    mail: number;
    rcpt: number;
    finding: string;
  };
}

function summarize(runs: TargetRuns): TargetSummary {
  const relaywatch = runs.relaywatch;
  const nmap = runs.nmap;
  const scriptTimes = nmap.flatMap(({ run }) => (run.scriptMs === null ? [] : [run.scriptMs]));
  return {
    name: runs.name,
    expected: runs.expected,
    pipeliningOffered: relaywatch.every(({ run }) => run.pipeliningOffered),
    relaywatch: {
      wallMs: median(relaywatch.map(({ run }) => run.wallMs)),
      answered: median(relaywatch.map(({ run }) => run.answered)),
      total: median(relaywatch.map(({ run }) => run.total)),
      verdict: agreement(relaywatch.map(({ run }) => run.verdict)),
      connections: median(relaywatch.map(({ wire }) => wire.connections)),
      maxConnections: Math.max(...relaywatch.map(({ wire }) => wire.connections)),
      mail: median(relaywatch.map(({ wire }) => wire.mail)),
      rcpt: median(relaywatch.map(({ wire }) => wire.rcpt)),
    },
    nmap: {
      wallMs: median(nmap.map(({ run }) => run.wallMs)),
      scriptMs: scriptTimes.length > 0 ? median(scriptTimes) : null,
      answered: median(nmap.map(({ wire }) => wire.answered)),
      connections: median(nmap.map(({ wire }) => wire.connections)),
      mail: median(nmap.map(({ wire }) => wire.mail)),
      rcpt: median(nmap.map(({ wire }) => wire.rcpt)),
      finding: agreement(nmap.map(({ run }) => run.finding)),
    },
  };
}

const perCase = (ms: number, cases: number) => (cases > 0 ? ms / cases : Number.POSITIVE_INFINITY);
const formatPerCase = (ms: number) => (Number.isFinite(ms) ? formatMs(ms) : "-");
const formatCount = (count: number) => (Number.isInteger(count) ? `${count}` : count.toFixed(1));

/** Whether nmap ended with a verdict (open or not), rather than an error. */
function nmapReachedVerdict(finding: string): boolean {
  return /open relay \(\d+\/16 tests\)|doesn't seem to be an open relay/.test(finding);
}

/** nmap's sentence, cut to what fits a table cell; the notes below the table keep it whole. */
function shortFinding(finding: string): string {
  const relayed = /open relay \((\d+)\/16 tests\)/.exec(finding);
  if (relayed) return `open relay (${relayed[1]}/16)`;
  if (finding.includes("doesn't seem to be an open relay")) return "not an open relay";
  // Its error texts run "SMTP RSET: failed to receive data: connection closed": the cause is last.
  return `error: ${finding.split(": ").at(-1) ?? finding}`;
}

export function formatSpeedReport(measured: readonly TargetRuns[], delayMs: number): string {
  const summaries = measured.map(summarize);
  const table = formatTable(
    [
      { header: "TARGET" },
      { header: "EXPECT" },
      { header: "PIPELINING" },
      { header: "RW ms", align: "right" },
      { header: "RW cases", align: "right" },
      { header: "RW verdict" },
      { header: "nmap ms", align: "right" },
      { header: "script ms", align: "right" },
      { header: "nmap cases", align: "right" },
      { header: "nmap finding" },
      { header: "RW/nmap", align: "right" },
      { header: "RW ms/case", align: "right" },
      { header: "nmap ms/case", align: "right" },
    ],
    summaries.map(({ name, expected, pipeliningOffered, relaywatch, nmap }) => [
      name,
      expected,
      pipeliningOffered ? "yes" : "no",
      formatMs(relaywatch.wallMs),
      `${formatCount(relaywatch.answered)}/${formatCount(relaywatch.total)}`,
      relaywatch.verdict,
      formatMs(nmap.wallMs),
      nmap.scriptMs === null ? "-" : formatMs(nmap.scriptMs),
      `${formatCount(nmap.answered)}/${NMAP_RELAY_TESTS}`,
      shortFinding(nmap.finding),
      (relaywatch.wallMs / nmap.wallMs).toFixed(2),
      formatPerCase(perCase(relaywatch.wallMs, relaywatch.answered)),
      formatPerCase(perCase(nmap.wallMs, nmap.answered)),
    ]),
  );
  return [
    `Speed, ${delayMs} ms round trip added by the latency proxy (medians; RW = Relaywatch):`,
    "",
    table,
    "",
    "  RW ms / nmap ms: wall time of the whole run (nmap: the whole process); script ms: nmap's own",
    "  timer for its script phase. Cases: answered by the server (RW: outcome not error; nmap:",
    "  counted on the wire, a MAIL refused or a RCPT replied to). ms/case: wall ms / cases answered.",
    "",
    ...formatTargets(summaries),
    ...formatLabTargets(summaries),
    "",
    "On the wire (command tap behind the proxy), and nmap's own words:",
    ...summaries.map(
      ({ name, relaywatch, nmap }) =>
        `  ${name}: RW ${formatCount(relaywatch.connections)} connections, ${formatCount(relaywatch.mail)} MAIL / ${formatCount(relaywatch.rcpt)} RCPT; ` +
        `nmap ${formatCount(nmap.connections)} connection${nmap.connections === 1 ? "" : "s"}, ${formatCount(nmap.mail)} MAIL / ${formatCount(nmap.rcpt)} RCPT; ` +
        `nmap: "${nmap.finding}"`,
    ),
  ].join("\n");
}

const verdict = (met: boolean) => (met ? "met" : "NOT MET");

/** Issue 9's targets: throttling servers, tarpits, the whole lab, verdicts and the budget. */
function formatLabTargets(summaries: readonly TargetSummary[]): string[] {
  const lines: string[] = [];
  const single = (bar: { name: string; maxMs: number }, words: string, full: boolean) => {
    const summary = summaries.find((candidate) => candidate.name === bar.name);
    if (!summary) return `Target "${words}": ${bar.name} not measured`;
    const { relaywatch } = summary;
    const complete = !full || relaywatch.answered === relaywatch.total;
    const met =
      complete && relaywatch.wallMs <= bar.maxMs && relaywatch.verdict === summary.expected;
    return (
      `Target "${words} in at most ${bar.maxMs / 1000} s": ${bar.name} ${formatMs(relaywatch.wallMs)} ms, ` +
      `${formatCount(relaywatch.answered)}/${formatCount(relaywatch.total)} cases, ${relaywatch.verdict}  ${verdict(met)}`
    );
  };
  lines.push(single(SENDMAIL_LIKE, "sendmail-like server checked fully", true));
  lines.push(single(BYTE_TARPIT, "byte tarpit answered", false));
  const judged = summaries.filter((summary) => nmapReachedVerdict(summary.nmap.finding));
  const ours = judged.reduce((sum, summary) => sum + summary.relaywatch.wallMs, 0);
  const theirs = judged.reduce((sum, summary) => sum + summary.nmap.wallMs, 0);
  const ratio = theirs > 0 ? ours / theirs : Number.POSITIVE_INFINITY;
  lines.push(
    `Target "whole lab in at most 1/${Math.round(1 / LAB_MAX_RATIO)} of nmap's wall time, on the ${judged.length} servers where nmap reaches a verdict": ` +
      `RW ${formatMs(ours)} ms / nmap ${formatMs(theirs)} ms = ${ratio.toFixed(3)}  ${verdict(ratio <= LAB_MAX_RATIO)}`,
  );
  const wrong = summaries.filter((summary) => summary.relaywatch.verdict !== summary.expected);
  lines.push(
    `Target "every lab verdict as expected": ${summaries.length - wrong.length}/${summaries.length}  ${verdict(wrong.length === 0)}` +
      (wrong.length > 0
        ? ` (${wrong.map((summary) => `${summary.name}: ${summary.relaywatch.verdict}, expected ${summary.expected}`).join("; ")})`
        : ""),
  );
  const busiest = Math.max(...summaries.map((summary) => summary.relaywatch.maxConnections));
  lines.push(
    `Target "at most ${MAX_CONNECTIONS_PER_RUN} connections per target and run" (counted on the wire): at most ${busiest}  ${verdict(busiest <= MAX_CONNECTIONS_PER_RUN)}`,
  );
  return lines;
}

function formatTargets(all: readonly TargetSummary[]): string[] {
  const summaries = all.filter((summary) => PROTOCOL_TARGETS.has(summary.name));
  const pipelining = summaries.filter((summary) => summary.pipeliningOffered);
  const sequential = summaries.filter((summary) => !summary.pipeliningOffered);
  const lines = [
    `Target "PIPELINING server: full suite in at most 1/${Math.round(1 / PIPELINING_MAX_RATIO)} of nmap's wall time":`,
  ];
  for (const { name, relaywatch, nmap } of pipelining) {
    const ratio = relaywatch.wallMs / nmap.wallMs;
    const fullSuite = relaywatch.answered === relaywatch.total;
    const met = fullSuite && ratio <= PIPELINING_MAX_RATIO;
    const caveats = [
      ...(fullSuite ? [] : [`Relaywatch answered only ${formatCount(relaywatch.answered)} cases`]),
      ...(nmap.mail < NMAP_RELAY_TESTS
        ? [
            `nmap got through only ${formatCount(nmap.mail)} of its ${NMAP_RELAY_TESTS} tests; per case RW ${formatPerCase(perCase(relaywatch.wallMs, relaywatch.answered))} ms vs nmap ${formatPerCase(perCase(nmap.wallMs, nmap.answered))} ms`,
          ]
        : []),
    ];
    lines.push(
      `  ${name.padEnd(22)} ${formatMs(relaywatch.wallMs)} / ${formatMs(nmap.wallMs)} ms = ${ratio.toFixed(2)}  ${verdict(met)}` +
        (caveats.length > 0 ? ` (${caveats.join("; ")})` : ""),
    );
  }
  if (pipelining.length === 0) lines.push("  no target offered PIPELINING: not measured");
  lines.push(`Target "no PIPELINING: no slower per case than nmap":`);
  for (const { name, relaywatch, nmap } of sequential) {
    const ours = perCase(relaywatch.wallMs, relaywatch.answered);
    const theirs = perCase(nmap.wallMs, nmap.answered);
    const theirScript = nmap.scriptMs === null ? null : perCase(nmap.scriptMs, nmap.answered);
    lines.push(
      `  ${name.padEnd(22)} RW ${formatPerCase(ours)} ms/case vs nmap ${formatPerCase(theirs)} ms/case  ${verdict(ours <= theirs)}` +
        (theirScript === null
          ? ""
          : ` (against nmap's script time alone, ${formatPerCase(theirScript)} ms/case: ${verdict(ours <= theirScript)})`),
    );
  }
  if (sequential.length === 0) lines.push("  no target without PIPELINING: not measured");
  return lines;
}
