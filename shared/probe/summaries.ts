/** How replies, connections and failures are written into the result and its notes. */
import type { ConnectionSummary, ReplySummary } from "../schemas/probe-result.ts";
import { type Reply, SmtpError } from "../smtp/types.ts";

/** A reply as the result keeps it: code, enhanced code and text, without the raw lines. */
export function summarize(reply: Reply | null | undefined): ReplySummary | null {
  return reply ? { code: reply.code, enhanced: reply.enhanced, text: reply.text } : null;
}

/** A reply on one line, as the report shows a banner: `550 5.7.1 Relay access denied`. */
export function replyLine(reply: ReplySummary): string {
  return [String(reply.code), reply.enhanced, reply.text]
    .filter((part) => part !== null && part !== "")
    .join(" ");
}

/** One line for a note or a reason: what we were doing, then the error's kind and message. */
export function describeFailure(error: unknown, context: string): string {
  if (error instanceof SmtpError) return `${context}: ${error.kind}: ${error.message}`;
  return `${context}: ${error instanceof Error ? error.message : String(error)}`;
}

/** A connection's entry in the result, ending now. */
export function connectionSummary(
  conn: number,
  startedAt: string,
  cases: string[],
  tls: boolean,
  pipelined: boolean,
  ending: string,
): ConnectionSummary {
  return { conn, startedAt, endedAt: new Date().toISOString(), cases, tls, pipelined, ending };
}
