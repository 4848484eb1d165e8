/** The optional delivery proof after the suite, its replies added to the cases they prove. */
import { deliverProof } from "./deliver.ts";
import { addressLiteral, type ExpandedCase } from "./expand.ts";
import type { ProofRequest } from "./request.ts";
import type { ProbeRun, ServerNames } from "./run-context.ts";
import { openReadySession } from "./session-opener.ts";

export async function addDeliveryProof(
  run: ProbeRun,
  names: ServerNames,
  expanded: ExpandedCase[],
  proof: ProofRequest,
): Promise<void> {
  const { results } = run;
  const { address, hostName } = run.target;
  const answered = expanded.flatMap((entry) => results.get(entry.id) ?? []);
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
  for (const [id, data] of dataReplies) {
    const answeredCase = results.get(id);
    if (answeredCase) results.set(id, { ...answeredCase, data });
  }
}
