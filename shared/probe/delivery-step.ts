/**
 * The DATA step after the suite: the canary message goes through a sample of the accepted
 * cases, and the server's answer to the message, not to RCPT, decides them. A relay is a server
 * that takes the message for a foreign recipient; one that says 250 to RCPT and refuses the
 * message (554 at the end of DATA) relays nothing.
 */
import type { CaseResult, DataStep, ReplySummary } from "../schemas/probe-result.ts";
import { type DeliveryReply, deliverProof } from "./deliver.ts";
import { addressLiteral, type ExpandedCase } from "./expand.ts";
import type { ProofRequest } from "./request.ts";
import type { ProbeRun, ServerNames } from "./run-context.ts";
import { openReadySession } from "./session-opener.ts";

export async function runDataStep(
  run: ProbeRun,
  names: ServerNames,
  expanded: ExpandedCase[],
  proof: ProofRequest | null,
): Promise<DataStep> {
  const { results } = run;
  const answered = expanded.flatMap((entry) => results.get(entry.id) ?? []);
  if (!answered.some((entry) => entry.outcome === "accepted")) return "not-needed";
  if (!proof || proof.maxMessages <= 0) return "off";
  if (run.stopReason) return "not-reached";
  const { address, hostName } = run.target;
  const dataReplies = await deliverProof(answered, proof, {
    canaryDomain: run.request.canaryDomain.toLowerCase(),
    targetHost: hostName ?? address,
    ownNames: {
      host: names.host,
      targetDomain: names.targetDomain,
      addressLiteral: addressLiteral(address),
    },
    openReadySession: () => openReadySession(run),
    transcript: run.transcript,
    connections: run.connections,
    deadline: run.deadline,
  });
  const before = new Map(results);
  applyDataReplies(results, dataReplies);
  for (const [id, entry] of results) if (before.get(id) !== entry) run.hooks.onCase?.(entry);
  return dataReplies.size > 0 ? "sent" : "not-reached";
}

/**
 * Each sampled case takes the DATA step's answer: the message taken (2xx at its end) keeps it
 * accepted, now decided at DATA; a 5xx to DATA or to the message makes it `refused` at DATA. A
 * temporary refusal, or MAIL/RCPT refused on this second try, decides nothing. When the sample
 * was refused at DATA and no message was taken, the other RCPT-accepted cases become
 * `message-refused`: accepted at RCPT, message refused (sampled).
 */
export function applyDataReplies(
  results: Map<string, CaseResult>,
  dataReplies: ReadonlyMap<string, DeliveryReply>,
): void {
  let taken = 0;
  let refused = 0;
  for (const [id, { stage, reply }] of dataReplies) {
    const entry = results.get(id);
    if (!entry) continue;
    if (stage === "data" && isPositive(reply)) {
      taken += 1;
      set(results, { ...entry, step: "data", data: reply });
    } else if (stage === "data" && reply.code >= 500) {
      refused += 1;
      set(results, {
        ...entry,
        outcome: "refused",
        step: "data",
        data: reply,
        note: `refused at DATA (RCPT had been accepted${describeReply(entry.reply)})`,
      });
    } else {
      const why =
        stage === "data"
          ? "the message was only deferred at DATA"
          : `${stage.toUpperCase()} was refused when the message was sent`;
      set(results, { ...entry, data: reply, note: `${why}: the RCPT reply stands` });
    }
  }
  if (refused === 0 || taken > 0) return;
  for (const entry of results.values()) {
    if (entry.outcome !== "accepted") continue;
    set(results, {
      ...entry,
      outcome: "message-refused",
      step: "data",
      note: `accepted at RCPT, message refused (sampled): the server refused all ${refused} test messages it answered at DATA; this case's own message was not sent`,
    });
  }
}

function set(results: Map<string, CaseResult>, entry: CaseResult): void {
  results.set(entry.id, entry);
}

function describeReply(reply: ReplySummary | null): string {
  return reply ? ` with ${reply.code}` : "";
}

function isPositive(reply: ReplySummary): boolean {
  return reply.code >= 200 && reply.code < 300;
}
