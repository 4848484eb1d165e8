/**
 * What every lab MTA (Postfix, Exim) looks like to tests and to the lab launcher, and which
 * start options it accepts (lifecycle.ts starts and stops one).
 *
 * Network rule of the lab: every MTA listens on 127.0.0.1 and sends all of its outbound
 * mail to a sink on 127.0.0.1. Nothing here ever names another address.
 */

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
