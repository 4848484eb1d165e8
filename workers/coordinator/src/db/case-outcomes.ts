import { z } from "zod";
import type { CaseOutcome, CaseResult, CaseStep } from "../../../../shared/schemas/probe-result.ts";

/*
 * A vantage's case outcomes as D1 keeps them: what is queried (accepted or not, the deciding
 * step, whether a canary message went out) packed into two characters per case, against a case
 * list stored once in `case_sets`. 29 narrow rows per vantage would cost 29 rows written and
 * ~60 bytes each with their index entries; ids inline would repeat ~500 bytes per vantage. Everything
 * else about a case (addresses, replies, notes) is evidence, in R2 with the transcript.
 */

/** Outcome letters; upper case when a canary message was sent for the case. No digit, no step. */
const OUTCOME_CODES: Record<CaseOutcome, string> = {
  accepted: "a",
  refused: "r",
  "message-refused": "m",
  deferred: "d",
  "auth-required": "u",
  untested: "n",
  error: "e",
};

/** Step digits: disjoint from the outcome letters, so `outcomes like '%a%'` finds an accepted case. */
const STEP_CODES: Record<CaseStep, string> = {
  connect: "0",
  banner: "1",
  ehlo: "2",
  starttls: "3",
  mail: "4",
  rcpt: "5",
  data: "6",
};

const OUTCOME_OF = invert(OUTCOME_CODES);
const STEP_OF = invert(STEP_CODES);

/** The SQL pattern of a packed outcome string holding an accepted case (LIKE ignores case). */
export const ACCEPTED_OUTCOME_PATTERN = `%${OUTCOME_CODES.accepted}%`;

/** One case of a vantage, as D1 keeps it. */
export interface PackedCase {
  /** Position in the vantage's run order: with the vantage id, what a canary delivery links to. */
  index: number;
  caseId: string;
  /** The last part of the case's token, `rw-<vantage nonce>-<suffix>`; "" when it has none. */
  tokenSuffix: string;
  outcome: CaseOutcome;
  step: CaseStep;
  /** A canary message was sent for this case (its DATA reply is in the evidence). */
  messageSent: boolean;
}

/** `case_sets.cases`: `[case id, token suffix]` per case, in run order. */
const CaseSet = z.array(z.tuple([z.string(), z.string()]));

export interface Packed {
  caseSet: string;
  outcomes: string;
}

/** Packs a vantage's cases; tokens that do not carry the vantage's nonce get no suffix. */
export function packCases(cases: readonly CaseResult[], nonce: string | null): Packed {
  const prefix = nonce === null ? null : `rw-${nonce}-`;
  const set = cases.map((probeCase): [string, string] => [
    probeCase.id,
    prefix !== null && probeCase.token.startsWith(prefix)
      ? probeCase.token.slice(prefix.length)
      : "",
  ]);
  const outcomes = cases
    .map((probeCase) => {
      const letter = OUTCOME_CODES[probeCase.outcome];
      return (probeCase.data === null ? letter : letter.toUpperCase()) + STEP_CODES[probeCase.step];
    })
    .join("");
  return { caseSet: JSON.stringify(set), outcomes };
}

/** The cases of a stored vantage; empty when it has none (pending, failed, or past retention). */
export function unpackCases(caseSet: string | null, outcomes: string | null): PackedCase[] {
  if (caseSet === null || outcomes === null) return [];
  const set = CaseSet.parse(JSON.parse(caseSet));
  if (outcomes.length !== set.length * 2)
    throw new Error(`${outcomes.length / 2} packed outcomes for ${set.length} cases`);
  return set.map(([caseId, tokenSuffix], index) => {
    const letter = outcomes[index * 2] ?? "";
    const outcome = OUTCOME_OF.get(letter.toLowerCase());
    const step = STEP_OF.get(outcomes[index * 2 + 1] ?? "");
    if (!outcome || !step) throw new Error(`unknown packed outcome ${letter} at case ${caseId}`);
    return {
      index,
      caseId,
      tokenSuffix,
      outcome,
      step,
      messageSent: letter !== letter.toLowerCase(),
    };
  });
}

/** The token a packed case carries, or null when it has none this coordinator issued. */
export function tokenOf(packed: PackedCase, nonce: string | null): string | null {
  return nonce === null || packed.tokenSuffix === "" ? null : `rw-${nonce}-${packed.tokenSuffix}`;
}

function invert<K extends string>(codes: Record<K, string>): Map<string, K> {
  return new Map(Object.entries(codes).map(([key, code]) => [code as string, key as K]));
}
