import { spawn } from "node:child_process";
import { CANARY_DOMAIN } from "./relaywatch-run.ts";

const NMAP = "/usr/bin/nmap";
/** The length of the hard-coded test list in smtp-open-relay.nse. */
export const NMAP_RELAY_TESTS = 16;
/** Far above any run seen in the lab (Postfix's error sleep makes the slowest about 20 s). */
const NMAP_TIMEOUT_MS = 180_000;

export interface NmapRun {
  /** The whole nmap process, start to exit, as a user waits for it. */
  wallMs: number;
  /** nmap's own timer for the script scan phase ("Completed NSE ... elapsed", 10 ms steps). */
  scriptMs: number | null;
  /** The script's first output line, or why there was none. */
  finding: string;
}

/**
 * smtp-open-relay's arguments, as the script reads them: `domain` is both the EHLO name and
 * the domain of every test address, so it must be the foreign domain mail is relayed to (our
 * canary), not the target's own domain, which would test local delivery instead. `from` and
 * `to` are local parts only: the script appends "@domain" itself. `ip` fills the address
 * literal tests ("user@[ip]").
 */
function scriptArgs(): string {
  return [
    `smtp-open-relay.domain=${CANARY_DOMAIN}`,
    "smtp-open-relay.ip=127.0.0.1",
    "smtp-open-relay.from=antispam",
    "smtp-open-relay.to=relaytest",
  ].join(",");
}

/** One nmap run of smtp-open-relay against 127.0.0.1:port. */
export async function runNmap(port: number): Promise<NmapRun> {
  const args = [
    "-n",
    "-Pn",
    // -v makes nmap print how long each NSE phase took.
    "-v",
    "-p",
    String(port),
    // "+" runs the script even though the port is not one its portrule accepts (25, 465, 587).
    "--script",
    "+smtp-open-relay",
    "--script-args",
    scriptArgs(),
    "127.0.0.1",
  ];
  const started = performance.now();
  const { stdout, code, signal } = await execute(NMAP, args, NMAP_TIMEOUT_MS);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`nmap ended with ${signal ?? `exit code ${code}`}:\n${stdout}`);
  return { wallMs, scriptMs: scriptPhaseMs(stdout), finding: findingOf(stdout) };
}

export async function nmapVersion(): Promise<string> {
  const { stdout, code } = await execute(NMAP, ["--version"], 10_000);
  const version = /Nmap version (\S+)/.exec(stdout)?.[1];
  if (code !== 0 || !version) throw new Error(`${NMAP} --version failed: ${stdout}`);
  return version;
}

/** The "Completed NSE" line right after "NSE: Script scanning": pre- and post-scan phases are empty. */
function scriptPhaseMs(output: string): number | null {
  const seconds =
    /NSE: Script scanning [^\n]*\n(?:[^\n]*\n)*?Completed NSE at [^,]+, ([\d.]+)s elapsed/.exec(
      output,
    )?.[1];
  return seconds === undefined ? null : Number(seconds) * 1000;
}

function findingOf(output: string): string {
  return /^\|[_ ]smtp-open-relay: (.*)$/m.exec(output)?.[1]?.trim() ?? "no script output";
}

function execute(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ stdout, code, signal }));
  });
}
