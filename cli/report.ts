import type { CaseResult, ProbeResult, TranscriptLine } from "../shared/schemas/probe-result.ts";

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

function replyText(result: CaseResult): string {
  if (!result.reply) return result.note ?? "";
  const { code, enhanced, text } = result.reply;
  const line = [code, enhanced, text].filter(Boolean).join(" ");
  return result.note && result.outcome !== "refused" ? `${line} (${result.note})` : line;
}

function pad(value: string, width: number): string {
  return value.length >= width ? value : value + " ".repeat(width - value.length);
}

/** The human report: a line per case, the verdict, and the transcript of any accepted case. */
export function formatReport(result: ProbeResult, fullTranscript: boolean): string {
  const out: string[] = [];
  const { target, names } = result;
  out.push(`Relaywatch check of ${target.host} port ${target.port} (${target.address})`);
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
  out.push(`  ${pad("CASE", idWidth)}${pad("OUTCOME", 15)}${pad("AT", 6)}REPLY`);
  for (const result_ of result.cases) {
    out.push(
      `  ${pad(result_.id, idWidth)}${pad(result_.outcome, 15)}${pad(result_.step, 6)}${replyText(result_)}`,
    );
  }
  out.push("");
  out.push(`Verdict: ${VERDICT_WORDS[result.verdict]}: ${result.reason}`);
  out.push(
    `${result.cases.length} cases over ${result.connections.length} connections in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  const accepted = result.cases.filter((c) => c.outcome === "accepted");
  const delivered = result.cases.filter((c) => c.data !== null);
  if (delivered.length > 0) {
    out.push(
      "",
      `Delivery proof (a 250 is not proof: look for the message at ${names.canaryDomain}):`,
    );
    for (const c of delivered) {
      const data = c.data
        ? [c.data.code, c.data.enhanced, c.data.text].filter(Boolean).join(" ")
        : "";
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
