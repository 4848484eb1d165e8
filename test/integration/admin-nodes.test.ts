import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_KEY_FILE } from "../../scripts/admin-nodes.ts";
import { unwrapNodeSecret } from "../../shared/auth/secret-wrap.ts";
import { type LocalD1, migratedLocalD1 } from "./local-d1.ts";

/**
 * The node registry commands of scripts/admin.ts against a real local D1 (migrated with
 * wrangler into a temporary persist directory), read back with `wrangler d1 execute --json`.
 */

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(REPO_ROOT, "node_modules/.bin/tsx");
const KEY = "admin-nodes-test-wrapping-key-0123456789abcdef";

let d1: LocalD1;
let persistDir: string;

async function admin(args: string[], env: Record<string, string> = { NODE_SECRET_KEY: KEY }) {
  try {
    const { stdout, stderr } = await run(
      TSX,
      ["scripts/admin.ts", ...args, "--persist-to", persistDir],
      { cwd: REPO_ROOT, env: { ...process.env, NODE_SECRET_KEY: "", ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const ADD_FRA = [
  "add-node",
  "--id",
  "vps-fra-1",
  "--region",
  "eu-central",
  "--asn",
  "24940",
  "--network",
  "Hetzner",
  "--url",
  "https://fra1.probe.example.net",
  "--ports",
  "25,587,465",
  "--site",
  "fsn1",
  "--max-jobs",
  "6",
];

beforeAll(async () => {
  d1 = await migratedLocalD1("relaywatch-admin-nodes-");
  persistDir = d1.dir;
});

afterAll(async () => {
  await d1?.remove();
});

const query = (sql: string) => d1.query(sql);

describe("npm run admin: the node registry", () => {
  let secret: string;

  it("add-node stores the node with its secret wrapped, and prints the secret once", async () => {
    const added = await admin(ADD_FRA);
    expect(added.code).toBe(0);
    secret = added.stdout.trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(added.stderr).toContain("Added node vps-fra-1 (eu-central, AS24940 Hetzner");
    const [row] = await query("select * from probe_nodes");
    expect(row).toMatchObject({
      id: "vps-fra-1",
      region: "eu-central",
      site: "fsn1",
      asn: 24940,
      network: "Hetzner",
      url: "https://fra1.probe.example.net",
      binding: null,
      ports_json: "[25,587,465]",
      runtime: "workerd",
      state: "active",
      max_concurrent_jobs: 6,
      health: "unknown",
    });
    // The database alone cannot sign: only the wrapped form is there.
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(await unwrapNodeSecret(KEY, "vps-fra-1", String(row?.secret_wrapped))).toBe(secret);
  });

  it("refuses a second node with the same id, keeping the first", async () => {
    const again = await admin(ADD_FRA);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("node vps-fra-1 already exists");
    const rows = await query("select secret_wrapped from probe_nodes");
    expect(rows).toHaveLength(1);
    expect(await unwrapNodeSecret(KEY, "vps-fra-1", String(rows[0]?.secret_wrapped))).toBe(secret);
  });

  it.each([
    [["--asn", "AS24940"], /--asn must be a whole number/],
    [["--ports", "smtp"], /--ports must be a comma-separated list/],
    [["--url", "ftp://x"], /--url must be https/],
    [["--url", "http://fra1.probe.example.net"], /plain http only to a node on loopback/],
    [["--region", "eu west"], /--region may use letters, digits/],
    [["--runtime", "lambda"], /--runtime/],
  ])("refuses bad options %j with a usage error, storing nothing", async (change, message) => {
    const args = [...ADD_FRA];
    args[args.indexOf(change[0] as string) + 1] = change[1] as string;
    args[args.indexOf("--id") + 1] = "vps-bad";
    const outcome = await admin(args);
    expect(outcome.code).toBe(64);
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stderr).toContain("usage: npm run admin");
    expect(await query("select id from probe_nodes where id = 'vps-bad'")).toEqual([]);
  });

  it("needs the wrapping key, from the environment or the local network's key file", async () => {
    const withoutKey = await admin([...ADD_FRA.slice(0, 2), "vps-nokey", ...ADD_FRA.slice(3)], {});
    expect(withoutKey.code).toBe(64);
    expect(withoutKey.stderr).toContain("set NODE_SECRET_KEY");
    await writeFile(join(persistDir, LOCAL_KEY_FILE), `${KEY}\n`, { mode: 0o600 });
    try {
      const fromFile = await admin(
        [...ADD_FRA.slice(0, 2), "vps-keyfile", ...ADD_FRA.slice(3)],
        {},
      );
      expect(fromFile.code).toBe(0);
      const [row] = await query("select secret_wrapped from probe_nodes where id = 'vps-keyfile'");
      expect(await unwrapNodeSecret(KEY, "vps-keyfile", String(row?.secret_wrapped))).toBe(
        fromFile.stdout.trim(),
      );
    } finally {
      await rm(join(persistDir, LOCAL_KEY_FILE));
    }
  });

  it("list-nodes shows each node's place, AS, reach, limit, state and health", async () => {
    const listed = await admin(["list-nodes"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(
      'vps-fra-1  eu-central @ fsn1  AS24940 "Hetzner"  https://fra1.probe.example.net  ports 25,587,465  workerd  max 6 jobs  active  health unknown (checked never)',
    );
    expect(listed.stdout).not.toContain(secret);
  });

  it("disable-node and enable-node change the state, once", async () => {
    expect((await admin(["disable-node", "vps-fra-1"])).stdout).toBe("disabled vps-fra-1\n");
    const twice = await admin(["disable-node", "vps-fra-1"]);
    expect(twice).toMatchObject({ code: 1, stderr: expect.stringContaining("already disabled") });
    expect(await query("select state from probe_nodes where id = 'vps-fra-1'")).toEqual([
      { state: "disabled" },
    ]);
    expect((await admin(["enable-node", "vps-fra-1"])).stdout).toBe("enabled vps-fra-1\n");
    expect((await admin(["disable-node", "no-such-node"])).code).toBe(1);
  });

  it("keeps each node's egress addresses, canonical, for /about/probes and the blocklists", async () => {
    const args = [...ADD_FRA, "--egress", "192.0.2.10, 2001:DB8:0::10,192.0.2.10"];
    args[args.indexOf("--id") + 1] = "vps-egress";
    expect((await admin(args)).code).toBe(0);
    expect(await query("select egress_json from probe_nodes where id = 'vps-egress'")).toEqual([
      { egress_json: '["192.0.2.10","2001:db8::10"]' },
    ]);
    expect((await admin(["list-nodes"])).stdout).toMatch(
      /vps-egress .* egress 192\.0\.2\.10,2001:db8::10\n/,
    );
    const moved = await admin(["set-node-egress", "vps-egress", "--egress", "198.51.100.7"]);
    expect(moved).toMatchObject({ code: 0, stdout: "egress of vps-egress: 198.51.100.7\n" });
    const bad = await admin(["set-node-egress", "vps-egress", "--egress", "198.51.100.7,mail"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("--egress must list up to 8 IPv4 and IPv6 addresses");
    expect((await admin(["set-node-egress", "no-such-node", "--egress", "192.0.2.1"])).code).toBe(
      1,
    );
    expect(await query("select egress_json from probe_nodes where id = 'vps-egress'")).toEqual([
      { egress_json: '["198.51.100.7"]' },
    ]);
    // A node added without --egress publishes none (list-nodes says so) until it is set.
    expect((await admin(["list-nodes"])).stdout).toMatch(/vps-fra-1 .* egress none\n/);
  });

  it("rotate-node-secret replaces the wrapped secret and prints the new one once", async () => {
    const rotated = await admin(["rotate-node-secret", "vps-fra-1"]);
    expect(rotated.code).toBe(0);
    const fresh = rotated.stdout.trim();
    expect(fresh).toMatch(/^[0-9a-f]{64}$/);
    expect(fresh).not.toBe(secret);
    const [row] = await query("select secret_wrapped from probe_nodes where id = 'vps-fra-1'");
    expect(await unwrapNodeSecret(KEY, "vps-fra-1", String(row?.secret_wrapped))).toBe(fresh);
    const missing = await admin(["rotate-node-secret", "no-such-node"]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("no probe node") });
  });
});
