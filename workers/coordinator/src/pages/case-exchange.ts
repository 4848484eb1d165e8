/**
 * The lines of one case, out of the connection that carried it. SMTP answers commands in order
 * (RFC 5321 §4.1, and RFC 2920 keeps that order when pipelining), so pairing each reply with the
 * oldest unanswered command rebuilds who said what even when commands went out in a batch.
 */
import type { TranscriptLine } from "../../../../shared/schemas/probe-result.ts";

interface Exchange {
  command: TranscriptLine | null;
  /** The reply's lines, and any note the probe wrote while waiting for it. */
  lines: TranscriptLine[];
}

const REPLY_LINE = /^(\d{3})([ -])/;

function pairCommands(lines: readonly TranscriptLine[]): Exchange[] {
  const exchanges: Exchange[] = [];
  const waiting: Exchange[] = [];
  let current: Exchange | null = null;
  for (const line of lines) {
    if (line.dir === "client") {
      const exchange = { command: line, lines: [] };
      exchanges.push(exchange);
      waiting.push(exchange);
      continue;
    }
    if (line.dir === "note") {
      (current ?? exchanges.at(-1))?.lines.push(line);
      continue;
    }
    // A server line: it belongs to the oldest command still waiting (the greeting to none).
    if (!current) {
      current = waiting.shift() ?? null;
      if (!current) {
        current = { command: null, lines: [] };
        exchanges.push(current);
      }
    }
    current.lines.push(line);
    const reply = REPLY_LINE.exec(line.line);
    if (reply?.[2] === "-") continue;
    // 354 to DATA: the message follows, and its end gets the next reply.
    if (reply?.[1] === "354" && /^DATA\b/i.test(current.command?.line ?? "")) {
      const endOfData: Exchange = { command: null, lines: [] };
      exchanges.push(endOfData);
      waiting.unshift(endOfData);
    }
    current = null;
  }
  return exchanges;
}

export interface CaseAddresses {
  mailFrom: string;
  rcptTo: string;
}

/**
 * From the MAIL FROM of this case to the next RSET, MAIL FROM or QUIT, each command with its
 * reply; empty when the connection's log does not hold the case (cut short, truncated).
 */
export function caseExchange(
  connectionLines: readonly TranscriptLine[],
  addresses: CaseAddresses,
): TranscriptLine[] {
  const exchanges = pairCommands(connectionLines);
  const mail = `MAIL FROM:${addresses.mailFrom}`.toLowerCase();
  const rcpt = `RCPT TO:${addresses.rcptTo}`.toLowerCase();
  for (let start = 0; start < exchanges.length; start++) {
    if (!exchanges[start]?.command?.line.toLowerCase().startsWith(mail)) continue;
    let end = start + 1;
    while (end < exchanges.length && !endsCase(exchanges[end]?.command ?? null)) end++;
    const block = exchanges.slice(start, end);
    if (!block.some((entry) => entry.command?.line.toLowerCase().startsWith(rcpt))) continue;
    return block.flatMap((entry) => (entry.command ? [entry.command] : []).concat(entry.lines));
  }
  return [];
}

function endsCase(command: TranscriptLine | null): boolean {
  return command !== null && /^(RSET|QUIT|MAIL FROM:)/i.test(command.line);
}
