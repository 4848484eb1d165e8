/**
 * Simulated SMTP servers for the lab: real TCP servers on loopback with realistic replies,
 * for behaviours the lab's real Postfix cannot show. A server that relays hands the message
 * to `relayTo` (the canary MX, normally the sink) by SMTP.
 */
import { POLICIES } from "./behaviours.ts";
import { createDeliveryAgent } from "./delivery.ts";
import { listenSmtp } from "./smtp-server.ts";
import {
  DEFAULT_CANARY_DOMAIN,
  LAB_HOST,
  LAB_HOSTS,
  type LabHost,
  SIM_SPECS,
  type SimBehaviour,
  type SimSpec,
} from "./specs.ts";

export {
  DEFAULT_CANARY_DOMAIN,
  LAB_HOST,
  type LabHost,
  SIM_SPECS,
  type SimBehaviour,
  type SimSpec,
};

export interface SimOptions {
  /** 0 = ephemeral. */
  port?: number;
  /** 127.0.0.1 unless another LAB_HOSTS address is asked for; start a server once per address, same port, to serve several. */
  host?: LabHost;
  /** Added before every reply, for benchmarks. */
  replyDelayMs?: number;
  /** Canary MX: where a relaying server delivers. Without it relayed mail is dropped. */
  relayTo?: { host: string; port: number };
  /** Only recipients in this domain (or below) are routed to relayTo. */
  canaryDomain?: string;
  /** greylist: seconds before a retry is let through (default 2). */
  greylistDelaySec?: number;
  /** tarpit: delay before every reply (default 1500). */
  tarpitDelayMs?: number;
  /** Any behaviour: delay before every 4xx/5xx reply, as Exchange tarpits refusals. */
  refusalDelayMs?: number;
}

export interface RunningSim {
  behaviour: SimBehaviour;
  spec: SimSpec;
  host: string;
  port: number;
  /** TLS from the first byte (port 465 style). */
  implicitTls: boolean;
  /** Messages this server relayed onward (accepted by relayTo). */
  relayed: number;
  close(): Promise<void>;
}

export async function startSim(
  behaviour: SimBehaviour,
  options: SimOptions = {},
): Promise<RunningSim> {
  const host = options.host ?? LAB_HOST;
  if (!LAB_HOSTS.includes(host)) {
    throw new Error(`lab servers listen on ${LAB_HOSTS.join(" or ")} only, not ${host}`);
  }
  // The lab never sends mail anywhere but to a server of its own on loopback.
  if (options.relayTo && options.relayTo.host !== LAB_HOST) {
    throw new Error(`relayTo must be on ${LAB_HOST}, not ${options.relayTo.host}`);
  }
  const spec = SIM_SPECS[behaviour];
  const policy = POLICIES[behaviour]({
    spec,
    address: host,
    greylistDelaySec: options.greylistDelaySec ?? 2,
    tarpitDelayMs: options.tarpitDelayMs ?? 1500,
  });
  if (options.refusalDelayMs) {
    policy.errorSleep = { after: 0, sleepMs: options.refusalDelayMs };
  }
  const delivery = createDeliveryAgent({
    hostname: spec.hostname,
    label: behaviour,
    relayTo: options.relayTo,
    canaryDomain: options.canaryDomain ?? DEFAULT_CANARY_DOMAIN,
  });
  const listener = await listenSmtp({
    host,
    port: options.port ?? 0,
    policy,
    replyDelayMs: options.replyDelayMs ?? 0,
    onMessage: (message) => delivery.deliver(message),
  });
  return {
    behaviour,
    spec,
    host,
    port: listener.port,
    implicitTls: policy.implicitTls ?? false,
    get relayed() {
      return delivery.relayed;
    },
    async close() {
      await listener.close();
      await delivery.close();
    },
  };
}
