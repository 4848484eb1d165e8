import { resolve } from "node:path";
import { LAB_CANARY_DOMAIN } from "../../shared/probe/defaults.ts";
import {
  eximAvailable,
  type MtaInstance,
  postfixAvailable,
  startExim,
  startPostfix,
} from "./mta/index.ts";
import {
  type LabHost,
  type RunningSim,
  SIM_SPECS,
  type SimBehaviour,
  startSim,
} from "./sim/index.ts";
import { type RunningSink, startSink } from "./sink.ts";

export interface LabTarget {
  name: string;
  kind: "sink" | "simulated" | "postfix" | "exim";
  port: number;
  implicitTls: boolean;
  /** What a correct tester concludes from this server. */
  expected: string;
  description: string;
  /** The domain's MX hosts when it has several, each with its addresses (all on `port`). */
  mxHosts?: LabMxHost[];
}

export interface LabMxHost {
  /** The first label: `mx1` becomes `mx1.<target>.lab.test`. */
  label: string;
  preference: number;
  addresses: LabHost[];
  behaviour: SimBehaviour;
}

/**
 * A domain with 2 MX hosts x 2 addresses on one port, as real domains have: the first host trusts
 * one vantage (open from there only), the second is secure, so a report has something to
 * summarise and vantages that differ.
 */
export const TWO_MX_HOSTS: readonly LabMxHost[] = [
  {
    label: "mx1",
    preference: 10,
    addresses: ["127.0.0.1", "127.0.0.4"],
    behaviour: "trusted-vantage",
  },
  {
    label: "mx2",
    preference: 20,
    addresses: ["127.0.0.2", "127.0.0.3"],
    behaviour: "secure-pipelining",
  },
];

export interface RunningLab {
  sink: RunningSink;
  sims: RunningSim[];
  mtas: MtaInstance[];
  targets: LabTarget[];
  /** Why a real MTA is missing, with what to install. */
  hints: string[];
  close(): Promise<void>;
}

export interface LabOptions {
  /** First port of a fixed block (sink, then MTAs, then simulations); 0 for ephemeral ports. */
  basePort: number;
  realMtas: boolean;
  workDir?: string;
}

const SIM_ORDER = Object.keys(SIM_SPECS) as SimBehaviour[];
const MTA_PLANS = [
  { kind: "postfix", mode: "secure", offset: 1 },
  { kind: "postfix", mode: "open", offset: 2 },
  { kind: "exim", mode: "secure", offset: 3 },
] as const;
const FIRST_SIM_OFFSET = 10;
const TWO_MX_OFFSET = FIRST_SIM_OFFSET + SIM_ORDER.length;

const portAt = (basePort: number, offset: number) => (basePort === 0 ? 0 : basePort + offset);

/**
 * Starts the lab: a sink that receives every relayed message, the real MTAs that are
 * installed, and every simulated behaviour. Everything listens on 127.0.0.1 only.
 */
export async function startLab(options: LabOptions): Promise<RunningLab> {
  const sink = await startSink({
    port: portAt(options.basePort, 0),
    acceptDomain: LAB_CANARY_DOMAIN,
  });
  const relayTo = { host: sink.host, port: sink.port };
  const sims: RunningSim[] = [];
  const mtas: MtaInstance[] = [];
  const hints: string[] = [];
  const twoMxSims: RunningSim[] = [];
  const closeAll = async () => {
    await Promise.allSettled([...sims, ...twoMxSims, ...mtas].map((instance) => instance.close()));
    await sink.close();
  };
  try {
    if (options.realMtas) {
      const workDir = resolve(options.workDir ?? "lab-run");
      for (const plan of MTA_PLANS) {
        const available = plan.kind === "postfix" ? postfixAvailable() : eximAvailable();
        if (!available) {
          hints.push(
            `${plan.kind} is not installed: run \`bash scripts/install-system-deps.sh\` to add the real ${plan.kind} to the lab`,
          );
          continue;
        }
        const start = plan.kind === "postfix" ? startPostfix : startExim;
        mtas.push(
          await start({
            name: plan.mode,
            mode: plan.mode,
            port: portAt(options.basePort, plan.offset),
            relayHost: sink.host,
            relayPort: sink.port,
            workDir: `${workDir}/${plan.kind}-${plan.mode}`,
          }),
        );
      }
    }
    for (const [index, behaviour] of SIM_ORDER.entries()) {
      sims.push(
        await startSim(behaviour, {
          port: portAt(options.basePort, FIRST_SIM_OFFSET + index),
          relayTo,
          canaryDomain: LAB_CANARY_DOMAIN,
        }),
      );
    }
    // One port for every address of the two-MX domain: MX records carry no port.
    let twoMxPort = portAt(options.basePort, TWO_MX_OFFSET);
    for (const mxHost of TWO_MX_HOSTS)
      for (const host of mxHost.addresses) {
        const sim = await startSim(mxHost.behaviour, {
          host,
          port: twoMxPort,
          relayTo,
          canaryDomain: LAB_CANARY_DOMAIN,
        });
        twoMxSims.push(sim);
        twoMxPort = sim.port;
      }
  } catch (error) {
    await closeAll();
    throw error;
  }
  const targets: LabTarget[] = [
    {
      name: "sink",
      kind: "sink",
      port: sink.port,
      implicitTls: false,
      expected: "-",
      description: `canary MX: receives everything the lab relays to ${LAB_CANARY_DOMAIN}`,
    },
    ...mtas.map((mta) => ({
      name: `${mta.kind}-${mta.mode}`,
      kind: mta.kind,
      port: mta.port,
      implicitTls: false,
      expected: mta.mode === "open" ? "open" : "closed",
      description: `real ${mta.kind} (${mta.hostname}), ${mta.mode === "open" ? "misconfigured as an open relay" : "configured securely"}`,
    })),
    ...sims.map((sim) => ({
      name: sim.behaviour,
      kind: "simulated" as const,
      port: sim.port,
      implicitTls: sim.implicitTls,
      expected: sim.spec.expectedVerdict,
      description: sim.spec.description,
    })),
    {
      name: "two-mx",
      kind: "simulated",
      port: twoMxSims[0]?.port ?? 0,
      implicitTls: false,
      expected: "open",
      description:
        "A domain with 2 MX hosts x 2 addresses: mx1 (127.0.0.1, 127.0.0.4) relays for the ap-northeast vantage only, mx2 (127.0.0.2, 127.0.0.3) is secure.",
      mxHosts: [...TWO_MX_HOSTS],
    },
  ];
  return { sink, sims, mtas, targets, hints, close: closeAll };
}

export function formatLabTable(lab: RunningLab): string {
  const rows = lab.targets.map((t) => [
    t.name,
    t.kind,
    `127.0.0.1:${t.port}`,
    t.expected,
    t.description,
  ]);
  const header = ["TARGET", "KIND", "ADDRESS", "EXPECT", "WHAT IT IS"];
  const widths = header.map((h, column) =>
    Math.max(h.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}
