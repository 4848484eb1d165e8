import type { TlsSummary } from "../schemas/probe-result.ts";
import { type ByteStream, type Connector, SmtpError } from "./types.ts";

/*
 * Local shapes of the `cloudflare:sockets` API, so this file type-checks and imports under Node
 * without @cloudflare/workers-types. The real `connect` is assignable to CloudflareConnect.
 * Note: Workers refuse outbound connections to port 25.
 */

export interface CloudflareSocketReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  releaseLock(): void;
}

export interface CloudflareSocketWriter {
  write(chunk: Uint8Array): Promise<void>;
  releaseLock(): void;
}

export interface CloudflareSocket {
  readonly readable: { getReader(): CloudflareSocketReader };
  readonly writable: { getWriter(): CloudflareSocketWriter };
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
  startTls(options?: { expectedServerHostname?: string }): CloudflareSocket;
}

export type CloudflareConnect = (
  address: { hostname: string; port: number },
  options: { secureTransport: "on" | "starttls"; allowHalfOpen: boolean },
) => CloudflareSocket;

/** Cloudflare exposes nothing about the negotiated session: only that TLS is on. */
const UNKNOWN_TLS: TlsSummary = {
  protocol: null,
  cipher: null,
  authorized: null,
  authorizationError: null,
  peerSubject: null,
  peerIssuer: null,
  altNames: null,
  validFrom: null,
  validTo: null,
  fingerprint256: null,
};

export function cloudflareConnector(connect: CloudflareConnect): Connector {
  return async (options) => {
    const address = { hostname: options.address, port: options.port };
    const socket = connect(
      address,
      // "starttls" keeps a later socket.startTls() possible; "off" would forbid it.
      { secureTransport: options.implicitTls ? "on" : "starttls", allowHalfOpen: false },
    );
    try {
      await settle(socket, options.timeoutMs, "connect");
    } catch (error) {
      if (!options.implicitTls || !(error instanceof SmtpError) || error.kind !== "connect") {
        throw error;
      }
      throw await tlsOrConnectFailure(connect, address, options.timeoutMs, error);
    }
    return new CloudflareByteStream(socket, options.implicitTls ? UNKNOWN_TLS : null);
  };
}

/**
 * workerd reports a TLS handshake it refused (a certificate it does not accept) exactly as it
 * reports a closed port. A plain TCP connection, closed at once without a byte sent, tells them
 * apart: if the port accepts one, the failure was the TLS handshake's.
 */
async function tlsOrConnectFailure(
  connect: CloudflareConnect,
  address: { hostname: string; port: number },
  timeoutMs: number,
  failure: SmtpError,
): Promise<SmtpError> {
  const plain = connect(address, { secureTransport: "starttls", allowHalfOpen: false });
  try {
    await settle(plain, timeoutMs, "connect");
  } catch {
    return failure;
  }
  await plain.close().catch(() => undefined);
  return new SmtpError(
    "tls",
    `TLS handshake failed: the port accepts TCP connections but not this runtime's TLS (often a certificate it does not trust): ${failure.message}`,
  );
}

/** Waits for `socket.opened`; a failure after the timeout is swallowed with the socket. */
async function settle(socket: CloudflareSocket, timeoutMs: number, kind: "connect" | "tls") {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new SmtpError("timeout", `${kind} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([socket.opened, timeout]);
  } catch (error) {
    socket.close().catch(() => undefined);
    if (error instanceof SmtpError) throw error;
    throw new SmtpError(kind, error instanceof Error ? error.message : String(error));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** How long a STARTTLS handshake may take; the session also bounds it by its deadline. */
const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

class CloudflareByteStream implements ByteStream {
  readonly tls: TlsSummary | null;
  readonly #socket: CloudflareSocket;
  readonly #reader: CloudflareSocketReader;
  readonly #writer: CloudflareSocketWriter;

  constructor(socket: CloudflareSocket, tls: TlsSummary | null) {
    this.#socket = socket;
    this.tls = tls;
    // Readable streams pull: the runtime buffers only up to its high-water mark.
    this.#reader = socket.readable.getReader();
    this.#writer = socket.writable.getWriter();
  }

  async read(): Promise<Uint8Array | null> {
    const { done, value } = await this.#reader.read();
    return done || !value ? null : value;
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.#writer.write(bytes);
  }

  async startTls(servername: string): Promise<ByteStream> {
    this.#reader.releaseLock();
    this.#writer.releaseLock();
    const secure = this.#socket.startTls(
      isAddressLiteral(servername) ? {} : { expectedServerHostname: servername },
    );
    await settle(secure, TLS_HANDSHAKE_TIMEOUT_MS, "tls");
    return new CloudflareByteStream(secure, UNKNOWN_TLS);
  }

  async close(): Promise<void> {
    await this.#socket.close().catch(() => undefined);
  }
}

function isAddressLiteral(name: string): boolean {
  return name.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(name);
}
