/**
 * Sending a chunk of cases over one connection and reading a step for each from the replies,
 * pipelined or one command at a time. A failure part way keeps the steps already decided.
 */
import type { SmtpSession } from "../smtp/session.ts";
import { type Reply, SmtpError } from "../smtp/types.ts";
import { type ChunkStep, decideCase } from "./case-step.ts";
import { classifyMailReply } from "./classify.ts";
import type { PendingCase } from "./scheduler.ts";

/** Thrown when a connection fails part way through a chunk, carrying what was decided. */
export class ChunkInterrupted extends Error {
  constructor(
    readonly steps: ChunkStep[],
    override readonly cause: unknown,
  ) {
    super("chunk interrupted");
  }
}

const RSET_CLOSING = (reply: Reply): ChunkStep | null =>
  reply.code === 421
    ? { kind: "unanswered", note: `server is closing: ${reply.text}`, stopChunk: true }
    : null;

/** RSET, MAIL, RCPT for every case of the chunk in one batch (RFC 2920), each reply checked. */
export async function pipelinedSteps(
  session: SmtpSession,
  chunk: PendingCase[],
): Promise<ChunkStep[]> {
  const lines: string[] = [];
  chunk.forEach((entry, index) => {
    if (index > 0) lines.push("RSET");
    lines.push(`MAIL FROM:${entry.expanded.mailFrom}`, `RCPT TO:${entry.expanded.rcptTo}`);
  });
  let replies: Reply[];
  let failure: unknown = null;
  try {
    replies = await session.pipeline(lines);
  } catch (error) {
    if (!(error instanceof SmtpError)) throw error;
    replies = error.partial;
    failure = error;
  }
  const steps: ChunkStep[] = [];
  let cursor = 0;
  for (const [index, entry] of chunk.entries()) {
    if (index > 0) {
      const rset = replies[cursor++];
      if (!rset) break;
      const closing = RSET_CLOSING(rset);
      if (closing) {
        steps.push(closing);
        break;
      }
    }
    const mailReply = replies[cursor++];
    const rcptReply = replies[cursor++];
    if (!mailReply) break;
    const step = decideCase(entry, mailReply, rcptReply);
    if (!step) break;
    steps.push(step);
    if (step.kind === "unanswered" && step.stopChunk) break;
  }
  if (failure) throw new ChunkInterrupted(steps, failure);
  return steps;
}

/** One command at a time, for servers without PIPELINING. */
export async function sequentialSteps(
  session: SmtpSession,
  chunk: PendingCase[],
): Promise<ChunkStep[]> {
  const steps: ChunkStep[] = [];
  try {
    for (const [index, entry] of chunk.entries()) {
      if (index > 0) {
        const closing = RSET_CLOSING(await session.command("RSET"));
        if (closing) {
          steps.push(closing);
          break;
        }
      }
      const mailReply = await session.command(`MAIL FROM:${entry.expanded.mailFrom}`);
      const rcptReply =
        classifyMailReply(mailReply).kind === "ok"
          ? await session.command(`RCPT TO:${entry.expanded.rcptTo}`)
          : undefined;
      const step = decideCase(entry, mailReply, rcptReply);
      if (!step) break;
      steps.push(step);
      if (step.kind === "unanswered" && step.stopChunk) break;
    }
  } catch (error) {
    throw new ChunkInterrupted(steps, error);
  }
  return steps;
}
