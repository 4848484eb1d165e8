import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalD1, migratedLocalD1 } from "./local-d1.ts";

/**
 * admin/main.ts against a real local D1: migrated with wrangler into a temporary persist
 * directory, written by the script, read back with `wrangler d1 execute --json`.
 */

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(REPO_ROOT, "node_modules/.bin/tsx");

let d1: LocalD1;
let persistDir: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function admin(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(TSX, ["admin/main.ts", ...args], { cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  d1 = await migratedLocalD1("relaywatch-admin-");
  persistDir = d1.dir;
});

afterAll(async () => {
  await d1?.remove();
});

const query = (sql: string) => d1.query(sql);

describe("npm run admin", () => {
  let keyId: string;

  it("create-key prints the key once and stores only its hash", async () => {
    const name = 'Hosting Co\'s "test"; drop table api_keys; --';
    const created = await admin(
      "create-key",
      "--name",
      name,
      "--daily-quota",
      "500",
      "--rate",
      "30",
      "--persist-to",
      persistDir,
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^rw_[a-z2-7]{32}$/);
    expect(created.stderr).toContain("shown only this once");

    const rows = await query("select * from api_keys");
    expect(rows).toHaveLength(1);
    const row = rows[0] ?? {};
    keyId = String(row.id);
    expect(row).toMatchObject({
      name,
      key_hash: createHash("sha256").update(key).digest("hex"),
      key_prefix: key.slice(0, 11),
      daily_quota: 500,
      rate_per_minute: 30,
      revoked_at: null,
    });
    expect(JSON.stringify(row)).not.toContain(key);
  });

  it("list-keys shows the key by id, prefix and name, never the key", async () => {
    const listed = await admin("list-keys", "--persist-to", persistDir);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).toMatch(/rw_[a-z2-7]{8}\.\.\./);
    expect(listed.stdout).toContain("0/500 checks today, 30/min");
    expect(listed.stdout).toContain("active");
  });

  it("revoke-key revokes once, then says so", async () => {
    const revoked = await admin("revoke-key", keyId, "--persist-to", persistDir);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${keyId}\n` });
    const [row] = await query(`select revoked_at from api_keys where id = '${keyId}'`);
    expect(row?.revoked_at).toEqual(expect.any(Number));

    const again = await admin("revoke-key", keyId, "--persist-to", persistDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already revoked");
    const unknown = await admin("revoke-key", "no-such-id' or '1'='1", "--persist-to", persistDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no API key");
  });

  it("exits 64 with the usage on a usage error", async () => {
    for (const args of [
      [],
      ["rotate-key"],
      ["create-key"],
      ["create-key", "--name", "x", "--rate", "0"],
      ["create-key", "--name", "x", "--daily-quota", "many"],
      ["create-key", "--name", "x", "--bogus"],
      ["list-keys", "--remote", "--persist-to", "/tmp"],
      ["revoke-key"],
    ]) {
      const outcome = await admin(...args);
      expect(outcome.code, args.join(" ")).toBe(64);
      expect(outcome.stderr).toContain("usage: npm run admin");
    }
    expect(await query("select count(*) as n from api_keys")).toEqual([{ n: 1 }]);
  });
});
