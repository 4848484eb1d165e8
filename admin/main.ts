/**
 * Administration of API keys in the coordinator's D1, through `wrangler d1 execute`:
 *
 *   npm run admin -- create-key --name "Hosting Co" [--daily-quota 1000] [--rate 60]
 *   npm run admin -- list-keys
 *   npm run admin -- revoke-key <id>
 *   npm run admin -- add-optout <domain | address | CIDR> [--note "who asked, when"]
 *   npm run admin -- list-optouts
 *   npm run admin -- remove-optout <domain | address | CIDR>
 *   npm run admin -- add-node | list-nodes | disable-node | enable-node | rotate-node-secret
 *                              (the probe node registry: admin/nodes.ts)
 *
 * Every command takes `--remote` (the deployed database) or `--persist-to <dir>` (a local one,
 * such as `npm start`'s lab-run/network/coordinator-state); without either it uses wrangler's
 * default local database. A key is printed once, alone on stdout; only its SHA-256 is stored.
 *
 * Exit status: 0 done, 1 no such key, opt-out or node (or already revoked / exists), 64 usage error,
 * 69 wrangler failed.
 */

import { parseArgs } from "node:util";
import {
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
} from "../workers/coordinator/src/access/api-key-format.ts";
import { type OptOutEntry, parseOptOutEntry } from "../workers/coordinator/src/optout/entry.ts";
import {
  AdminError,
  EXIT_NOT_FOUND,
  EXIT_UNAVAILABLE,
  execute,
  sqlInteger,
  sqlText,
  type Target,
  UsageError,
} from "./d1.ts";
import { NODE_COMMANDS, NODE_OPTIONS, NODE_USAGE } from "./nodes.ts";

const USAGE = `usage: npm run admin -- <command> [--remote | --persist-to <dir>]
  create-key --name <name> [--daily-quota <checks per UTC day, default 1000>] [--rate <requests per minute, default 60>]
  list-keys
  revoke-key <id>
  add-optout <domain | address | CIDR> [--note <who asked, when>]
  list-optouts
  remove-optout <domain | address | CIDR>
${NODE_USAGE}`;

function positiveInteger(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9]\d{0,8}$/.test(text))
    throw new UsageError(`${option} must be a positive whole number`);
  return Number(text);
}

function keyName(text: string | undefined): string {
  const name = text?.trim();
  if (!name) throw new UsageError("create-key needs --name <name>");
  // Control characters would garble list-keys; the length keeps the table readable.
  if (name.length > 100 || /\p{Cc}/u.test(name)) {
    throw new UsageError("--name must be at most 100 printable characters");
  }
  return name;
}

async function createKey(target: Target, options: Record<string, string | boolean | undefined>) {
  const name = keyName(options.name as string | undefined);
  const dailyQuota = positiveInteger(options["daily-quota"] as string, "--daily-quota", 1000);
  const ratePerMinute = positiveInteger(options.rate as string, "--rate", 60);
  const key = generateApiKey();
  const id = crypto.randomUUID();
  const values = [
    sqlText(id),
    sqlText(name),
    sqlText(await hashApiKey(key)),
    sqlText(apiKeyPrefix(key)),
    sqlInteger(dailyQuota),
    sqlInteger(ratePerMinute),
    sqlInteger(Date.now()),
  ];
  await execute(
    target,
    `insert into api_keys (id, name, key_hash, key_prefix, daily_quota, rate_per_minute, created_at) values (${values.join(", ")})`,
  );
  process.stderr.write(
    `Created API key ${id} for "${name}": ${dailyQuota} checks per UTC day, ${ratePerMinute} requests per minute.\n` +
      "The key is shown only this once; only its hash is stored:\n",
  );
  process.stdout.write(`${key}\n`);
}

async function listKeys(target: Target) {
  const today = new Date().toISOString().slice(0, 10);
  const rows = await execute(
    target,
    `select k.id, k.key_prefix, k.name, k.daily_quota, k.rate_per_minute, k.created_at, k.revoked_at,
            coalesce(u.checks, 0) as checks_today
     from api_keys k left join api_key_usage u on u.api_key_id = k.id and u.day = ${sqlText(today)}
     order by k.created_at`,
  );
  if (rows.length === 0) {
    process.stdout.write("no API keys\n");
    return;
  }
  for (const row of rows) {
    const created = new Date(Number(row.created_at)).toISOString();
    const state =
      row.revoked_at === null
        ? "active"
        : `revoked ${new Date(Number(row.revoked_at)).toISOString()}`;
    process.stdout.write(
      `${row.id}  ${row.key_prefix}...  ${JSON.stringify(row.name)}  ` +
        `${row.checks_today}/${row.daily_quota} checks today, ${row.rate_per_minute}/min  ` +
        `created ${created}  ${state}\n`,
    );
  }
}

async function revokeKey(target: Target, id: string | undefined) {
  if (!id) throw new UsageError("revoke-key needs the key's id (see list-keys)");
  const revoked = await execute(
    target,
    `update api_keys set revoked_at = ${sqlInteger(Date.now())} where id = ${sqlText(id)} and revoked_at is null returning id`,
  );
  if (revoked.length === 1) {
    process.stdout.write(`revoked ${id}\n`);
    return;
  }
  const existing = await execute(target, `select id from api_keys where id = ${sqlText(id)}`);
  throw new AdminError(
    existing.length === 1 ? `key ${id} was already revoked` : `no API key ${id}`,
    EXIT_NOT_FOUND,
  );
}

function optOutEntry(text: string | undefined, command: string): OptOutEntry {
  if (!text) throw new UsageError(`${command} needs a domain, an address or a CIDR block`);
  const entry = parseOptOutEntry(text);
  if (entry === null) {
    throw new UsageError(
      `${JSON.stringify(text)} is not a domain, an address or a CIDR block (at most /8 for IPv4, /19 for IPv6)`,
    );
  }
  return entry;
}

function noteSql(text: string | undefined): string {
  const note = text?.trim();
  if (!note) return "null";
  if (note.length > 200 || /\p{Cc}/u.test(note)) {
    throw new UsageError("--note must be at most 200 printable characters");
  }
  return sqlText(note);
}

/** Checks of the entry (a domain with its subdomains, or addresses in the block) answer 403. */
async function addOptOut(target: Target, text: string | undefined, note: string | undefined) {
  const entry = optOutEntry(text, "add-optout");
  const values = [
    sqlText(crypto.randomUUID()),
    sqlText(entry.kind),
    sqlText(entry.value),
    noteSql(note),
    sqlInteger(Date.now()),
  ];
  const added = await execute(
    target,
    `insert into opt_outs (id, kind, value, note, created_at) values (${values.join(", ")})
     on conflict (kind, value) do nothing returning value`,
  );
  process.stdout.write(
    added.length === 1
      ? `opted out ${entry.kind} ${entry.value}\n`
      : `${entry.kind} ${entry.value} was already opted out\n`,
  );
}

async function listOptOuts(target: Target) {
  const rows = await execute(
    target,
    "select kind, value, note, created_at from opt_outs order by kind, value",
  );
  if (rows.length === 0) {
    process.stdout.write("no opt-outs\n");
    return;
  }
  for (const row of rows) {
    const created = new Date(Number(row.created_at)).toISOString();
    const note = row.note === null ? "" : `  ${JSON.stringify(row.note)}`;
    process.stdout.write(`${row.kind}  ${row.value}  added ${created}${note}\n`);
  }
}

async function removeOptOut(target: Target, text: string | undefined) {
  const entry = optOutEntry(text, "remove-optout");
  const removed = await execute(
    target,
    `delete from opt_outs where kind = ${sqlText(entry.kind)} and value = ${sqlText(entry.value)} returning value`,
  );
  if (removed.length === 0) {
    throw new AdminError(`no opt-out for ${entry.kind} ${entry.value}`, EXIT_NOT_FOUND);
  }
  process.stdout.write(`removed the opt-out of ${entry.kind} ${entry.value}\n`);
}

async function main(argv: string[]) {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.remote && values["persist-to"]) {
    throw new UsageError("--remote and --persist-to exclude each other");
  }
  const target: Target = { remote: values.remote === true, persistTo: values["persist-to"] };
  const [command, ...rest] = positionals;
  const expectArguments = (count: number) => {
    if (rest.length > count)
      throw new UsageError(`unexpected argument(s): ${rest.slice(count).join(" ")}`);
  };
  switch (command) {
    case "create-key":
      expectArguments(0);
      return createKey(target, values);
    case "list-keys":
      expectArguments(0);
      return listKeys(target);
    case "revoke-key":
      expectArguments(1);
      return revokeKey(target, rest[0]);
    case "add-optout":
      expectArguments(1);
      return addOptOut(target, rest[0], values.note);
    case "list-optouts":
      expectArguments(0);
      return listOptOuts(target);
    case "remove-optout":
      expectArguments(1);
      return removeOptOut(target, rest[0]);
    default: {
      const nodeCommand = command ? NODE_COMMANDS[command] : undefined;
      if (nodeCommand) {
        expectArguments(nodeCommand.positionals);
        return nodeCommand.run(target, values, rest);
      }
      throw new UsageError(command ? `unknown command ${command}` : "no command");
    }
  }
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      "daily-quota": { type: "string" },
      rate: { type: "string" },
      note: { type: "string" },
      remote: { type: "boolean" },
      "persist-to": { type: "string" },
      ...NODE_OPTIONS,
    },
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof AdminError) {
    const usage = error instanceof UsageError ? `\n${USAGE}` : "";
    process.stderr.write(`admin: ${error.message}${usage}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`admin: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(EXIT_UNAVAILABLE);
});
