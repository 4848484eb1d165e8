/**
 * What every lab MTA (Postfix, Exim) looks like to tests and to the lab launcher,
 * and the process and socket chores that starting one needs.
 *
 * Network rule of the lab: every MTA listens on 127.0.0.1 and sends all of its outbound
 * mail to a sink on 127.0.0.1. Nothing here ever names another address.
 */

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { Socket } from "node:net";

export type MtaKind = "postfix" | "exim";

/** "secure" behaves like a stock install; "open" is a misconfigured open relay. */
export type MtaMode = "secure" | "open";

/** The only address a lab MTA may listen on or talk to. */
export const LAB_HOST = "127.0.0.1";

export interface MtaInstance {
  kind: MtaKind;
  name: string;
  mode: MtaMode;
  host: typeof LAB_HOST;
  port: number;
  /** What the server calls itself in its banner and EHLO reply. */
  hostname: string;
  /** A mail domain the server treats as local, so `postmaster@<domain>` is accepted. */
  domain: string;
  /** The MTA's own log, written without syslog. */
  logFile: string;
  /** Stops the MTA and waits until its processes are gone. Safe to call twice. */
  close(): Promise<void>;
}

export interface StartMtaOptions {
  /** A DNS label; becomes the first label of the server's host name. */
  name: string;
  mode: MtaMode;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** The sink that receives ALL outbound mail. Must be 127.0.0.1. */
  relayHost: string;
  relayPort: number;
  /** Directory owned by this instance (config, queue, log); wiped and recreated on start. */
  workDir: string;
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Paths go into MTA config files verbatim; whitespace, commas, `$` or quotes would be
 * parsed as list separators, expansions or syntax there, so they are refused outright.
 */
const CONFIG_SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

export function checkStartOptions(options: StartMtaOptions, absoluteWorkDir: string): void {
  if (!DNS_LABEL.test(options.name)) {
    throw new Error(`MTA name ${JSON.stringify(options.name)} must be a lower-case DNS label`);
  }
  if (options.relayHost !== LAB_HOST) {
    throw new Error(`relayHost must be ${LAB_HOST} (lab network rule), got ${options.relayHost}`);
  }
  for (const [label, port] of [
    ["port", options.port],
    ["relayPort", options.relayPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new Error(`${label} must be a TCP port number, got ${port}`);
    }
  }
  if (options.relayPort === 0) throw new Error("relayPort must be the sink's real port, not 0");
  if (!CONFIG_SAFE_PATH.test(absoluteWorkDir)) {
    throw new Error(`workDir ${absoluteWorkDir} has characters MTA config files cannot carry`);
  }
}

/** A port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
/** Connects once and resolves with the full 220 greeting, then says QUIT. */
function readGreetingOnce(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolveGreeting, reject) => {
    const socket = new Socket();
    let received = "";
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error("no greeting before timeout")));
    socket.once("error", fail);
    socket.once("close", () => reject(new Error(`closed before a greeting: ${received}`)));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const lines = received.split("\r\n");
      const last = lines.findLast((line) => /^\d{3} /.test(line) || /^\d{3}$/.test(line));
      if (last === undefined) return;
      if (!last.startsWith("220")) return fail(new Error(`not a 220 greeting: ${received}`));
      socket.end("QUIT\r\n");
      socket.removeAllListeners("close");
      resolveGreeting(received.trimEnd());
    });
    socket.connect(port, LAB_HOST);
  });
}

/**
 * Polls until the port greets with 220 (MTAs spawn their SMTP server lazily, so a listening
 * socket is not enough). `fatalError` is asked between attempts and ends the wait at once
 * when it finds one, instead of letting a broken config run into the timeout.
 */
export async function waitForGreeting(
  port: number,
  timeoutMs: number,
  fatalError: () => Promise<string | null> = async () => null,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      return await readGreetingOnce(port, Math.max(500, Math.min(2_000, deadline - Date.now())));
    } catch (error) {
      lastError = error;
      const fatal = await fatalError();
      if (fatal !== null) throw new Error(fatal);
      await sleep(100);
    }
  }
  throw new Error(`no SMTP greeting on ${LAB_HOST}:${port} within ${timeoutMs} ms: ${lastError}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; never throws for a non-zero exit, only reports it. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolveRun) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs, env: options.env ?? process.env, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolveRun({ code, stdout, stderr: error && code === -1 ? `${stderr}${error}` : stderr });
      },
    );
  });
}

/** The last lines of a log, for error messages; empty when the log does not exist yet. */
export async function tailOfFile(path: string, lineCount = 30): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trimEnd().split("\n").slice(-lineCount).join("\n");
  } catch {
    return "";
  }
}

/**
 * Whether a process still runs. A zombie counts as gone: daemonised MTAs are children of
 * PID 1, and a container's init may take seconds to reap them after they exited.
 */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state letter follows the command name, which is in parentheses and may contain spaces.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Polls until nothing accepts connections on the port any more (all listeners are gone). */
export async function waitForPortClosed(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const accepted = await new Promise<boolean>((resolveProbe) => {
      const socket = new Socket();
      socket.setTimeout(1_000, () => {
        socket.destroy();
        resolveProbe(true);
      });
      socket.once("connect", () => {
        socket.destroy();
        resolveProbe(true);
      });
      socket.once("error", () => resolveProbe(false));
      socket.connect(port, LAB_HOST);
    });
    if (!accepted) return;
    await sleep(50);
  }
  throw new Error(`${LAB_HOST}:${port} still accepts connections after ${timeoutMs} ms`);
}

/** Waits for a process to exit, sending SIGKILL if SIGTERM was not enough within the grace time. */
export async function terminateProcess(pid: number, graceMs: number): Promise<void> {
  if (!processAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  const killDeadline = Date.now() + graceMs;
  while (processAlive(pid) && Date.now() < killDeadline) await sleep(50);
}

export interface ProcessInfo {
  pid: number;
  argv: string[];
  /** The program file (/proc/<pid>/exe), or null when it cannot be read. */
  executable: string | null;
  /** Working directory, or null when it cannot be read (zombie, vanished). */
  cwd: string | null;
}

/**
 * Processes left behind by a crashed earlier run are recognised by what they are, not by a
 * pid file: the file may have been wiped with the workDir, or name a pid reused since.
 */
export async function findProcesses(matches: (info: ProcessInfo) => boolean): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0").filter(Boolean);
      const [executable, cwd] = await Promise.all(
        ["exe", "cwd"].map((link) =>
          readlink(`/proc/${entry}/${link}`).then(
            (path) => path.replace(/ \(deleted\)$/, ""),
            () => null,
          ),
        ),
      );
      const info = { pid, argv, executable: executable ?? null, cwd: cwd ?? null };
      if (processAlive(pid) && matches(info)) found.push(pid);
    } catch {
      // The process exited while we looked.
    }
  }
  return found;
}

export function isInside(path: string | null, directory: string): boolean {
  return path !== null && (path === directory || path.startsWith(`${directory}/`));
}
