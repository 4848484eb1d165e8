/** Which cases this run tries, with the server's names filled into their templates. */
import { RELAY_CASES } from "./cases.ts";
import { type ExpandedCase, expandCase, randomLabel } from "./expand.ts";
import type { ProbeRequest } from "./request.ts";
import type { ProbeRun, ServerNames } from "./run-context.ts";

/** The requested subset of the catalogue, in catalogue order. */
function catalogueFor(request: ProbeRequest) {
  const wanted = request.caseIds ? new Set(request.caseIds) : null;
  return RELAY_CASES.filter((relayCase) => !wanted || wanted.has(relayCase.id));
}

/** How many cases the suite will run, known before the server's names are. */
export function suiteSize(request: ProbeRequest): number {
  return catalogueFor(request).length;
}

/** The requested subset of the catalogue, in catalogue order, ready to send. */
export function expandSuite(run: ProbeRun, names: ServerNames): ExpandedCase[] {
  const { request } = run;
  const catalogue = catalogueFor(request);
  const caseNames = {
    address: run.target.address,
    host: names.host,
    targetDomain: names.targetDomain,
    canaryDomain: request.canaryDomain.toLowerCase(),
    randomLabel: randomLabel(10),
    nonce: request.tokenNonce ?? randomLabel(8),
  };
  // A case keeps its catalogue index in a subset too, so its token does not depend on the subset.
  return catalogue.map((relayCase) =>
    expandCase(relayCase, RELAY_CASES.indexOf(relayCase), caseNames),
  );
}
