import { shown } from "../shared/guard/display.ts";
import type { OverallVerdict } from "../shared/probe/aggregate.ts";
import { replyLine } from "../shared/probe/summaries.ts";
import type { CaseResult, ProbeResult, TranscriptLine } from "../shared/schemas/probe-result.ts";
import type { TestPlan } from "./resolve.ts";
import type { AddressResult } from "./run.ts";

const VERDICT_WORDS: Record<ProbeResult["verdict"], string> = {
  open: "OPEN RELAY",
  suspect: "SUSPECT",
  closed: "closed",
  inconclusive: "inconclusive",
};

const ARROW: Record<TranscriptLine["dir"], string> = { server: "<<", client: ">>", note: "**" };

export function formatTranscriptLine(entry: TranscriptLine): string {
  const time = entry.at.slice(11, 23);
  return `  ${time} [${entry.conn}] ${ARROW[entry.dir]} ${entry.line}`;
}

/** The deciding replies: RCPT's (or MAIL's), then the DATA step's when a message was sent. */
function replyText(result: CaseResult): string {
  if (!result.reply) return result.note ?? "";
  const data = result.data ? `; DATA ${replyLine(result.data)}` : "";
  const line = `${replyLine(result.reply)}${data}`;
  return result.note && result.outcome !== "refused" ? `${line} (${result.note})` : line;
}

/** How the DATA step went, in one line. */
const DATA_STEP_WORDS: Record<ProbeResult["dataStep"], string> = {
  sent: "on: accepted cases were decided by the server's answer to the test message",
  off: "off (--no-data, or no test message left for this address): the verdict rests on RCPT replies",
  "not-needed": "not needed: no case was accepted",
  "not-reached": "not reached: the run stopped before a message could be sent",
};

function pad(value: string, width: number): string {
  return value.length >= width ? value : value + " ".repeat(width - value.length);
}

/** One address's report: a line per case, its verdict, and the transcript of any accepted case. */
export function formatReport(result: ProbeResult, fullTranscript: boolean): string {
  const out: string[] = [];
  const { target, names } = result;
  out.push(`== ${target.host} (${target.address}) port ${target.port}`);
  if (result.banner) out.push(`Greeting: ${result.banner.code} ${result.banner.text}`);
  const tls = result.tls
    ? `${result.tls.protocol ?? "TLS"}${result.tls.peerSubject ? `, certificate ${result.tls.peerSubject}` : ""}${result.tls.authorized === false ? " (not trusted)" : ""}`
    : "none";
  out.push(`Extensions: ${result.extensions.join(" ") || "(none)"}; TLS: ${tls}`);
  out.push(
    `Names used: host ${names.host}, domain ${names.targetDomain || "?"}, canary ${names.canaryDomain}`,
  );
  out.push("");
  const idWidth = Math.max(4, ...result.cases.map((c) => c.id.length)) + 2;
  out.push(`  ${pad("CASE", idWidth)}${pad("OUTCOME", 17)}${pad("AT", 6)}REPLY`);
  for (const result_ of result.cases) {
    out.push(
      `  ${pad(result_.id, idWidth)}${pad(result_.outcome, 17)}${pad(result_.step, 6)}${replyText(result_)}`,
    );
  }
  out.push("");
  out.push(`Result for ${target.address}: ${VERDICT_WORDS[result.verdict]}: ${result.reason}`);
  out.push(`DATA step: ${DATA_STEP_WORDS[result.dataStep]}`);
  out.push(
    `${result.cases.length} cases over ${result.connections.length} connections in ${formatDuration(result.durationMs)}`,
  );
  const accepted = result.cases.filter((c) => c.outcome === "accepted");
  const delivered = result.cases.filter((c) => c.data !== null);
  if (delivered.length > 0) {
    out.push(
      "",
      `Test messages sent (a 250 is not proof of delivery: look for the message at ${names.canaryDomain}):`,
    );
    for (const c of delivered) {
      const data = c.data ? replyLine(c.data) : "";
      out.push(`  ${pad(c.id, idWidth)}token ${c.token}: ${data}`);
    }
  }
  if (fullTranscript) {
    out.push("", "Transcript:");
    out.push(...result.transcript.map(formatTranscriptLine));
  } else if (accepted.length > 0) {
    out.push("", "Transcript of the connections where a case was accepted:");
    for (const conn of new Set(accepted.map((c) => c.conn))) {
      out.push(
        ...result.transcript.filter((entry) => entry.conn === conn).map(formatTranscriptLine),
      );
    }
  }
  return out.join("\n");
}

const mxLabel = (preference: number | null, host: string) =>
  preference === null ? host : `MX ${preference} ${host}`;

/** What was tested and how it was found: MX records, the implicit MX, or a host named directly. */
export function formatPlan(plan: TestPlan, port: number): string {
  const count = plan.mailHosts.reduce((sum, mailHost) => sum + mailHost.addresses.length, 0);
  const testing = `testing ${count} address${count === 1 ? "" : "es"} on port ${port}`;
  const how = {
    mx: `Domain ${plan.target}: following its MX records; ${testing}:`,
    implicit: `Domain ${plan.target}: it has no MX record, so the domain itself is its mail host (implicit MX, RFC 5321 §5.1); ${testing}:`,
    named: `Host ${plan.target}: tested directly as named, MX records not consulted; ${testing}:`,
  }[plan.found];
  const out = [`Relaywatch check. ${how}`];
  for (const mailHost of plan.mailHosts) {
    out.push(`  ${mxLabel(mailHost.preference, mailHost.host)}: ${mailHost.addresses.join(", ")}`);
  }
  for (const skipped of plan.skipped) {
    out.push(`  not tested: ${skipped.host} ${shown(skipped.address)} (${skipped.reason})`);
  }
  return out.join("\n");
}

/** The closing summary: each address's verdict under its MX host, then the overall verdict. */
export function formatSummary(
  plan: TestPlan,
  results: AddressResult[],
  overall: OverallVerdict,
): string {
  const out = ["Summary, per MX host and address:"];
  const width = Math.max(...results.map((run) => run.address.length));
  for (const mailHost of plan.mailHosts) {
    out.push(`  ${mxLabel(mailHost.preference, mailHost.host)}`);
    for (const run of results.filter((r) => r.mxHost === mailHost.host)) {
      out.push(`    ${pad(run.address, width + 2)}${VERDICT_WORDS[run.result.verdict]}`);
    }
  }
  out.push("", `Verdict: ${VERDICT_WORDS[overall.verdict]}: ${overall.reason}`);
  return out.join("\n");
}

/** "38 ms" under a second, "2.4 s" above: a fast run must not read "0.0 s". */
export function formatDuration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  return rounded < 1_000 ? `${rounded} ms` : `${(ms / 1000).toFixed(1)} s`;
}
