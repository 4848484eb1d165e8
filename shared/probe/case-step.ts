/** What the replies to one case's MAIL and RCPT decide for it. */
import type { CaseResult } from "../schemas/probe-result.ts";
import type { Reply } from "../smtp/types.ts";
import { classifyMailReply, classifyRcptReply, type ReplyMeaning } from "./classify.ts";
import type { PendingCase } from "./scheduler.ts";
import { summarize } from "./summaries.ts";

/** What one reply pair decided for one case in a chunk. */
export type ChunkStep =
  | {
      kind: "answered";
      result: Omit<CaseResult, "conn" | "attempts" | "data">;
      /** How long a refused RCPT's reply took after its MAIL's: a throttle shows here. */
      refusedRcptMs?: number;
    }
  | { kind: "retry"; afterSeconds: number; note: string }
  | { kind: "unanswered"; note: string; stopChunk: boolean; needsTls?: boolean };

/** Turns the replies to one case's MAIL and RCPT into a step. */
export function decideCase(
  entry: PendingCase,
  mailReply: Reply,
  rcptReply: Reply | undefined,
): ChunkStep | null {
  const expanded = entry.expanded;
  const fromMeaning = (meaning: ReplyMeaning, step: "mail" | "rcpt", reply: Reply): ChunkStep => {
    switch (meaning.kind) {
      case "final":
        return {
          kind: "answered",
          result: {
            ...expanded,
            outcome: meaning.outcome,
            step,
            reply: summarize(reply),
            note: meaning.note,
          },
        };
      case "retry":
        return { kind: "retry", afterSeconds: meaning.afterSeconds, note: meaning.note };
      case "tls-required":
        return {
          kind: "unanswered",
          note: `${reply.code} ${reply.text}`,
          stopChunk: true,
          needsTls: true,
        };
      case "closing":
        return { kind: "unanswered", note: meaning.note, stopChunk: true };
      case "ok":
        throw new Error("unreachable: ok is handled by the caller");
    }
  };
  const mailMeaning = classifyMailReply(mailReply);
  if (mailMeaning.kind !== "ok") return fromMeaning(mailMeaning, "mail", mailReply);
  if (!rcptReply) return null;
  const step = fromMeaning(classifyRcptReply(rcptReply), "rcpt", rcptReply);
  const { receivedAt: mailAt } = mailReply;
  const { receivedAt: rcptAt } = rcptReply;
  if (step.kind === "answered" && rcptReply.code >= 400 && mailAt && rcptAt) {
    step.refusedRcptMs = rcptAt - mailAt;
  }
  return step;
}
