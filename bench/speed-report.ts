import { NMAP_RELAY_TESTS } from "./nmap-run.ts";
import type { TargetRuns } from "./speed.ts";
import { agreement, median } from "./stats.ts";
import { formatMs, formatTable } from "./table.ts";

/** The brief's bar for servers with PIPELINING: Relaywatch's full suite in this share of nmap's time. */
const PIPELINING_MAX_RATIO = 0.25;

interface TargetSummary {
  name: string;
  pipeliningOffered: boolean;
  relaywatch: {
    wallMs: number;
    answered: number;
    total: number;
    verdict: string;
    connections: number;
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
    pipeliningOffered: relaywatch.every(({ run }) => run.pipeliningOffered),
    relaywatch: {
      wallMs: median(relaywatch.map(({ run }) => run.wallMs)),
      answered: median(relaywatch.map(({ run }) => run.answered)),
      total: median(relaywatch.map(({ run }) => run.total)),
      verdict: agreement(relaywatch.map(({ run }) => run.verdict)),
      connections: median(relaywatch.map(({ wire }) => wire.connections)),
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
    summaries.map(({ name, pipeliningOffered, relaywatch, nmap }) => [
      name,
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

function formatTargets(summaries: readonly TargetSummary[]): string[] {
  const verdict = (met: boolean) => (met ? "met" : "NOT MET");
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
