/**
 * The probe node registry (D1 table probe_nodes), managed without a redeploy:
 *
 *   npm run admin -- add-node --id vps-fra-1 --region eu-central --asn 24940 --network Hetzner \
 *       --url https://fra1.probe.example.net --ports 25,465,587 [--site fsn1] [--max-jobs 4] \
 *       [--egress 192.0.2.10,2001:db8::10]
 *   npm run admin -- set-node-egress vps-fra-1 --egress 192.0.2.10,2001:db8::10
 *   npm run admin -- list-nodes
 *   npm run admin -- disable-node <id>      (and enable-node <id>)
 *   npm run admin -- rotate-node-secret <id>
 *
 * add-node and rotate-node-secret print the node's new HMAC secret once, alone on stdout: put it
 * in the node's PROBE_SECRET. The registry keeps it wrapped with NODE_SECRET_KEY (the
 * coordinator's Worker secret, given to this CLI in its environment; a local network keeps it in
 * <persist-to>/node-secret-key), so a copy of the database alone cannot sign jobs.
 *
 * A node's egress addresses (where its connections leave from) are published on /about/probes
 * and looked up daily in the DNS blocklists; set-node-egress changes them when the host moves.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { getTableColumns } from "drizzle-orm";
import ipaddr from "ipaddr.js";
import { wrapNodeSecret } from "../shared/auth/secret-wrap.ts";
import { VantageNode } from "../shared/schemas/protocol.ts";
import { probeNodes } from "../workers/coordinator/src/db/schema.ts";
import { nodeRow } from "../workers/coordinator/src/nodes/node-row.ts";
import {
  AdminError,
  EXIT_NOT_FOUND,
  EXIT_USAGE,
  execute,
  sqlInteger,
  sqlText,
  type Target,
  UsageError,
} from "./admin-d1.ts";

export const NODE_USAGE = `  add-node --id <id> --region <label> --asn <AS number> --network <provider or AS name>
           (--url <https://...> | --binding <SERVICE_BINDING>) --ports <25,465,587>
           [--site <data centre>] [--runtime workerd|cloudflare|node] [--max-jobs <jobs at once, default 4>]
           [--egress <addresses its connections leave from: 192.0.2.10,2001:db8::10>]
  set-node-egress <id> --egress <addresses>
  list-nodes
  disable-node <id>
  enable-node <id>
  rotate-node-secret <id>
  (node commands need NODE_SECRET_KEY in the environment, or <persist-to>/node-secret-key)`;

export const NODE_OPTIONS = {
  id: { type: "string" },
  region: { type: "string" },
  asn: { type: "string" },
  network: { type: "string" },
  url: { type: "string" },
  binding: { type: "string" },
  ports: { type: "string" },
  site: { type: "string" },
  runtime: { type: "string" },
  "max-jobs": { type: "string" },
  egress: { type: "string" },
} as const;

type Options = Record<string, string | boolean | undefined>;

/** Where a local network keeps its NODE_SECRET_KEY, beside its D1 state. */
export const LOCAL_KEY_FILE = "node-secret-key";

/** NODE_SECRET_KEY from the environment, else the local network's key file. */
export async function wrappingKeyFor(target: Target): Promise<string> {
  const fromEnv = process.env.NODE_SECRET_KEY;
  if (fromEnv) return fromEnv;
  if (!target.remote && target.persistTo) {
    try {
      return (await readFile(join(resolve(target.persistTo), LOCAL_KEY_FILE), "utf8")).trim();
    } catch {
      // Fall through to the error below.
    }
  }
  throw new AdminError(
    "set NODE_SECRET_KEY to the coordinator's NODE_SECRET_KEY secret (node secrets are stored wrapped with it)",
    EXIT_USAGE,
  );
}

/** A fresh node secret: 32 random bytes, hex. */
export function newNodeSecret(): string {
  return randomBytes(32).toString("hex");
}

const optionText = (options: Options, name: string) => {
  const value = options[name];
  return typeof value === "string" ? value.trim() : undefined;
};

/**
 * `--egress`: up to 8 comma-separated IPv4 and IPv6 addresses, checked with the schema of
 * PROBE_NODES and kept in canonical form (the form blocklists and reverse DNS are asked in).
 */
function egressOption(options: Options): string[] | undefined {
  const text = optionText(options, "egress");
  if (text === undefined) return undefined;
  const parsed = VantageNode.shape.egress.safeParse(text.split(",").map((part) => part.trim()));
  if (!parsed.success || parsed.data === undefined) {
    throw new UsageError("--egress must list up to 8 IPv4 and IPv6 addresses, comma-separated");
  }
  return [...new Set(parsed.data.map((address) => ipaddr.process(address).toString()))];
}

/** The node described by add-node's options, checked with the same schema as PROBE_NODES. */
export function parseNodeOptions(options: Options): VantageNode {
  const number = (name: string) => {
    const text = optionText(options, name);
    if (text === undefined) return undefined;
    if (!/^\d{1,10}$/.test(text)) throw new UsageError(`--${name} must be a whole number`);
    return Number(text);
  };
  const portsText = optionText(options, "ports");
  if (portsText !== undefined && !/^\d{1,5}(,\d{1,5})*$/.test(portsText)) {
    throw new UsageError("--ports must be a comma-separated list such as 25,465,587");
  }
  const url = optionText(options, "url");
  // Jobs carry proof keys: https, or plain http only to a node on loopback (local development).
  if (
    url !== undefined &&
    !/^(?:https:\/\/|http:\/\/(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?(?:\/|$))/.test(url)
  ) {
    throw new UsageError("--url must be https (plain http only to a node on loopback)");
  }
  const parsed = VantageNode.safeParse({
    id: optionText(options, "id"),
    region: optionText(options, "region"),
    network: optionText(options, "network"),
    asn: number("asn"),
    url,
    binding: optionText(options, "binding"),
    ports: portsText ? [...new Set(portsText.split(",").map(Number))] : undefined,
    site: optionText(options, "site"),
    runtime: optionText(options, "runtime"),
    maxConcurrentJobs: number("max-jobs"),
    egress: egressOption(options),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? "node");
      const option = field === "maxConcurrentJobs" ? "max-jobs" : field;
      return `--${option}: ${issue.message}`;
    });
    throw new UsageError(`add-node: ${problems.join("; ")}`);
  }
  // Ids, regions and sites reach HELO names, reports and log lines: printable, no spaces.
  for (const [name, value] of [
    ["id", parsed.data.id],
    ["region", parsed.data.region],
    ["site", parsed.data.site ?? parsed.data.region],
  ] as const) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) {
      throw new UsageError(`--${name} may use letters, digits, ".", "_" and "-" only`);
    }
  }
  if (/\p{Cc}/u.test(parsed.data.network)) {
    throw new UsageError("--network must be printable");
  }
  return parsed.data;
}

/** A SQL literal of a value as drizzle hands it to the driver. */
function sqlLiteral(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number") return sqlInteger(value);
  if (typeof value === "string") return sqlText(value);
  throw new Error(`no SQL literal for ${typeof value}`);
}

/**
 * The INSERT of one node with its wrapped secret: the row the coordinator's own bootstrap
 * builds (nodeRow), in the schema's column names. `replace` (a local network starting again on
 * its saved state) overwrites a node of the same id; add-node never does.
 */
export async function insertNodeSql(
  key: string,
  node: VantageNode,
  secret: string,
  now: number,
  replace: boolean,
): Promise<string> {
  const row: Record<string, unknown> = await nodeRow(key, node, secret, now);
  const columns = Object.entries(getTableColumns(probeNodes)).filter(
    ([property]) => row[property] !== undefined,
  );
  const names = columns.map(([, column]) => column.name);
  const values = columns.map(([property, column]) =>
    sqlLiteral(column.mapToDriverValue(row[property])),
  );
  const onConflict = replace
    ? `on conflict (id) do update set ${names
        .filter((name) => name !== "id" && name !== "created_at")
        .map((name) => `${name} = excluded.${name}`)
        .join(", ")}, health_error = null, health_checked_at = null`
    : "on conflict (id) do nothing";
  return `insert into probe_nodes (${names.join(", ")}) values (${values.join(", ")}) ${onConflict} returning id`;
}

async function addNode(target: Target, options: Options) {
  const node = parseNodeOptions(options);
  const key = await wrappingKeyFor(target);
  const secret = newNodeSecret();
  const inserted = await execute(target, await insertNodeSql(key, node, secret, Date.now(), false));
  if (inserted.length !== 1) {
    throw new AdminError(`node ${node.id} already exists (see list-nodes)`, EXIT_NOT_FOUND);
  }
  process.stderr.write(
    `Added node ${node.id} (${node.region}, AS${node.asn} ${node.network}, ports ${node.ports.join(",")}, ` +
      `at most ${node.maxConcurrentJobs} jobs at once). Its secret, shown only this once; ` +
      "put it in the node's PROBE_SECRET:\n",
  );
  process.stdout.write(`${secret}\n`);
}

function time(value: unknown): string {
  return value === null || value === undefined ? "never" : new Date(Number(value)).toISOString();
}

async function listNodes(target: Target) {
  const rows = await execute(
    target,
    `select id, region, site, asn, network, url, binding, ports_json, runtime, state,
            max_concurrent_jobs, health, health_checked_at, health_error, egress_json
     from probe_nodes order by id`,
  );
  if (rows.length === 0) {
    process.stdout.write("no probe nodes\n");
    return;
  }
  for (const row of rows) {
    const health =
      row.health === "down"
        ? `down since ${time(row.health_checked_at)}: ${row.health_error}`
        : `${row.health} (checked ${time(row.health_checked_at)})`;
    const egress = (JSON.parse(String(row.egress_json)) as string[]).join(",") || "none";
    process.stdout.write(
      `${row.id}  ${row.region} @ ${row.site}  AS${row.asn} ${JSON.stringify(row.network)}  ` +
        `${row.url ?? `binding ${row.binding}`}  ports ${(JSON.parse(String(row.ports_json)) as number[]).join(",")}  ` +
        `${row.runtime}  max ${row.max_concurrent_jobs} jobs  ${row.state}  health ${health}  egress ${egress}\n`,
    );
  }
}

async function setState(target: Target, id: string | undefined, state: "active" | "disabled") {
  const command = state === "active" ? "enable-node" : "disable-node";
  if (!id) throw new UsageError(`${command} needs the node's id (see list-nodes)`);
  const changed = await execute(
    target,
    `update probe_nodes set state = ${sqlText(state)}, updated_at = ${sqlInteger(Date.now())}
     where id = ${sqlText(id)} and state <> ${sqlText(state)} returning id`,
  );
  if (changed.length === 1) {
    process.stdout.write(`${state === "active" ? "enabled" : "disabled"} ${id}\n`);
    return;
  }
  const existing = await execute(target, `select id from probe_nodes where id = ${sqlText(id)}`);
  throw new AdminError(
    existing.length === 1 ? `node ${id} is already ${state}` : `no probe node ${id}`,
    EXIT_NOT_FOUND,
  );
}

async function rotateSecret(target: Target, id: string | undefined) {
  if (!id) throw new UsageError("rotate-node-secret needs the node's id (see list-nodes)");
  const key = await wrappingKeyFor(target);
  const secret = newNodeSecret();
  const rotated = await execute(
    target,
    `update probe_nodes set secret_wrapped = ${sqlText(await wrapNodeSecret(key, id, secret))},
       updated_at = ${sqlInteger(Date.now())} where id = ${sqlText(id)} returning id`,
  );
  if (rotated.length !== 1) throw new AdminError(`no probe node ${id}`, EXIT_NOT_FOUND);
  process.stderr.write(
    `New secret for ${id}, shown only this once. Jobs to the node fail (and its health check ` +
      "marks it down) until its PROBE_SECRET is this:\n",
  );
  process.stdout.write(`${secret}\n`);
}

async function setEgress(target: Target, id: string | undefined, options: Options) {
  if (!id) throw new UsageError("set-node-egress needs the node's id (see list-nodes)");
  const egress = egressOption(options);
  if (egress === undefined) throw new UsageError("set-node-egress needs --egress <addresses>");
  const changed = await execute(
    target,
    `update probe_nodes set egress_json = ${sqlText(JSON.stringify(egress))},
       updated_at = ${sqlInteger(Date.now())} where id = ${sqlText(id)} returning id`,
  );
  if (changed.length !== 1) throw new AdminError(`no probe node ${id}`, EXIT_NOT_FOUND);
  process.stdout.write(`egress of ${id}: ${egress.join(", ")}\n`);
}

/** The node commands, by name, with how many positional arguments each takes. */
export const NODE_COMMANDS: Record<
  string,
  { positionals: number; run(target: Target, options: Options, rest: string[]): Promise<void> }
> = {
  "add-node": { positionals: 0, run: (target, options) => addNode(target, options) },
  "list-nodes": { positionals: 0, run: (target) => listNodes(target) },
  "disable-node": { positionals: 1, run: (target, _, [id]) => setState(target, id, "disabled") },
  "enable-node": { positionals: 1, run: (target, _, [id]) => setState(target, id, "active") },
  "rotate-node-secret": { positionals: 1, run: (target, _, [id]) => rotateSecret(target, id) },
  "set-node-egress": {
    positionals: 1,
    run: (target, options, [id]) => setEgress(target, id, options),
  },
};
