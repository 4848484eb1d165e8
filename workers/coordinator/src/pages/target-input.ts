import { type GuardCode, GuardError, parseHostInput } from "../../../../shared/guard/index.ts";
import type { CreateCheckRequest } from "../../../../shared/schemas/api.ts";

export type TargetInputResult =
  | { ok: true; request: CreateCheckRequest }
  | { ok: false; problem: "empty" | "port" }
  | { ok: false; problem: "guard"; code: GuardCode; message: string };

const BRACKETED_WITH_PORT = /^(\[[^\]]*\]):(\d*)$/;
/** One colon only: "name:port" or "192.0.2.1:port"; a bare IPv6 address has several. */
const HOST_WITH_PORT = /^([^:[\]]*):(\d*)$/;

function splitPort(input: string): { host: string; port: string | null } {
  const match = BRACKETED_WITH_PORT.exec(input) ?? HOST_WITH_PORT.exec(input);
  if (!match) return { host: input, port: null };
  return { host: match[1] ?? "", port: match[2] ?? "" };
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65_535 ? port : null;
}

/**
 * Reads the one field of the form. A name is a domain check (its MX hosts; a name without MX
 * is its own mail host, RFC 5321 §5.1), with the port when one is given; an address literal is
 * a host check on the given port or 25. The guard itself judges the host part.
 */
export function parseTargetInput(raw: string): TargetInputResult {
  const input = raw.trim();
  if (input.length === 0) return { ok: false, problem: "empty" };
  const { host, port: portText } = splitPort(input);
  const port = portText === null ? null : parsePort(portText);
  if (portText !== null && port === null) return { ok: false, problem: "port" };
  try {
    const parsed = parseHostInput(host);
    if (parsed.kind === "address") {
      return { ok: true, request: { host: parsed.address, port: port ?? 25 } };
    }
    return {
      ok: true,
      request: port === null ? { domain: parsed.name } : { domain: parsed.name, port },
    };
  } catch (error) {
    if (error instanceof GuardError) {
      return { ok: false, problem: "guard", code: error.code, message: error.message };
    }
    throw error;
  }
}
