import { signBody } from "../../../../shared/auth/hmac.ts";
import { isHostName } from "../../../../shared/probe/names.ts";
import {
  ApiError,
  type ProbeJob,
  ProbeResponse,
  type VantageNode,
} from "../../../../shared/schemas/protocol.ts";
import {
  type Database,
  failVantage,
  findCheck,
  findVantage,
  finishCheckIfComplete,
  markCheckRunning,
  saveVantageResult,
} from "../db/repository.ts";
import type { CoordinatorConfig } from "../env.ts";
import { decideCheck } from "./decide.ts";
import type { ProbeMessage } from "./messages.ts";

interface ServiceBinding {
  fetch: typeof fetch;
}

function isServiceBinding(value: unknown): value is ServiceBinding {
  return typeof (value as ServiceBinding | undefined)?.fetch === "function";
}

/** Where a node's probe endpoint is: a service binding when it has one, else its URL. */
function nodeEndpoint(node: VantageNode, bindings: Record<string, unknown>) {
  if (node.binding) {
    const binding = bindings[node.binding];
    if (!isServiceBinding(binding))
      throw new NodeUnavailable(`binding ${node.binding} is not bound`);
    return { call: binding.fetch.bind(binding), url: "https://probe-node/v1/probe" };
  }
  return { call: fetch, url: `${(node.url ?? "").replace(/\/$/, "")}/v1/probe` };
}

class NodeUnavailable extends Error {}

/** Beyond the node's own time budget: network, queueing and the node's margin. */
export const PROBE_CALL_MARGIN_MS = 15_000;

async function describeRefusal(response: Response): Promise<string> {
  const body = ApiError.safeParse(await response.json().catch(() => null));
  return body.success ? `${body.data.code}: ${body.data.message}` : `HTTP ${response.status}`;
}

/**
 * Runs one (address x vantage) job: a signed call to the node, bounded by the probe's time
 * budget plus a margin, and whatever comes back (a result, a refusal, silence) is stored. The
 * check is finished by whichever job completes it.
 */
export async function runVantageJob(
  db: Database,
  config: CoordinatorConfig,
  message: ProbeMessage,
  bindings: Record<string, unknown> = {},
): Promise<void> {
  const [check, vantage] = await Promise.all([
    findCheck(db, message.checkId),
    findVantage(db, message.vantageId),
  ]);
  if (!check || !vantage || vantage.status !== "pending") return;
  const node = config.nodes.find((candidate) => candidate.id === vantage.nodeId);
  const secret = config.secrets[vantage.nodeId];
  const nodeName = `${vantage.nodeId} (${vantage.region})`;
  await markCheckRunning(db, check.id, Date.now());
  if (!node || !secret) {
    await failVantage(db, vantage.id, `node ${nodeName} is no longer configured`, Date.now());
  } else {
    const job: ProbeJob = {
      checkId: check.id,
      jobId: vantage.id,
      target: {
        address: vantage.address,
        port: vantage.port,
        hostName: isHostName(vantage.mxHost) ? vantage.mxHost : null,
        implicitTls: vantage.port === 465,
      },
      targetDomain: check.kind === "domain" ? check.target : null,
      canaryDomain: config.canaryDomain,
      caseIds: check.mx?.caseIds ?? null,
      timeBudgetMs: config.probeTimeBudgetMs,
    };
    const body = JSON.stringify(job);
    try {
      const { call, url } = nodeEndpoint(node, bindings);
      const response = await call(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...(await signBody(secret, body)) },
        signal: AbortSignal.timeout(config.probeTimeBudgetMs + PROBE_CALL_MARGIN_MS),
      });
      if (!response.ok) {
        await failVantage(
          db,
          vantage.id,
          `node ${nodeName} refused the job: ${await describeRefusal(response)}`,
          Date.now(),
        );
      } else {
        const parsed = ProbeResponse.safeParse(await response.json());
        if (parsed.success) await saveVantageResult(db, vantage.id, parsed.data, Date.now());
        else
          await failVantage(
            db,
            vantage.id,
            `node ${nodeName} sent an answer that does not fit the protocol`,
            Date.now(),
          );
      }
    } catch (error) {
      const why =
        error instanceof Error && error.name === "TimeoutError"
          ? "did not answer in time"
          : "could not be reached";
      await failVantage(
        db,
        vantage.id,
        `node ${nodeName} ${why} (${error instanceof Error ? error.message : String(error)})`,
        Date.now(),
      );
    }
  }
  await finishCheckIfComplete(db, check.id, Date.now(), decideCheck);
}
