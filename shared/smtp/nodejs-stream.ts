import net from "node:net";
import tls from "node:tls";
import type { TlsSummary } from "../schemas/probe-result.ts";
import { type ByteStream, type ConnectOptions, type Connector, SmtpError } from "./types.ts";

/** Above this many unread bytes the socket is paused, so a fast server cannot fill memory. */
const PAUSE_ABOVE_BYTES = 64 * 1024;
const RESUME_BELOW_BYTES = 16 * 1024;

/** Opens plain TCP or implicit TLS with node:net / node:tls. Certificates are never enforced. */
export const nodejsConnector: Connector = async (options) => {
  if (net.isIP(options.address) === 0) {
    throw new SmtpError("connect", `not an address literal: ${options.address}`);
  }
  const socket = options.implicitTls
    ? tls.connect({
        host: options.address,
        port: options.port,
        servername: sniName(options.servername),
        rejectUnauthorized: false,
      })
    : net.connect({ host: options.address, port: options.port });
  await establish(socket, options);
  return new NodeByteStream(socket);
};

async function establish(socket: net.Socket, options: ConnectOptions): Promise<void> {
  const readyEvent = socket instanceof tls.TLSSocket ? "secureConnect" : "connect";
  let tcpConnected = false;
  socket.once("connect", () => {
    tcpConnected = true;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError("timeout", `connect timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      resolve();
    });
    // Left attached after success, so no error goes unheard before the stream's own handlers.
    socket.once("error", (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      // With implicit TLS, a failure after the TCP handshake is a TLS failure.
      reject(new SmtpError(tcpConnected ? "tls" : "connect", error.message));
    });
  });
}

/** SNI must be a host name (RFC 6066 §3): an address literal is not sent. */
function sniName(servername: string | undefined): string | undefined {
  return servername && net.isIP(servername) === 0 ? servername : undefined;
}

class NodeByteStream implements ByteStream {
  readonly tls: TlsSummary | null;
  readonly #socket: net.Socket;
  readonly #chunks: Uint8Array[] = [];
  #queuedBytes = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  readonly #onData = (chunk: Buffer) => {
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > PAUSE_ABOVE_BYTES) this.#socket.pause();
    this.#notify();
  };
  readonly #onEnd = () => {
    this.#ended = true;
    this.#notify();
  };
  readonly #onError = (error: Error) => {
    // Errors after the end (a write after the server hung up) say nothing new.
    if (!this.#ended) this.#error ??= error;
    this.#ended = true;
    this.#notify();
  };

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.tls = socket instanceof tls.TLSSocket ? describeTls(socket) : null;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onEnd);
    socket.on("error", this.#onError);
    this.#ended = socket.destroyed;
  }

  /** One reader at a time: the session never reads concurrently. */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk) {
        this.#queuedBytes -= chunk.length;
        if (this.#socket.isPaused() && this.#queuedBytes < RESUME_BELOW_BYTES) {
          this.#socket.resume();
        }
        return chunk;
      }
      if (this.#error) {
        const error = this.#error;
        this.#error = null;
        throw error;
      }
      if (this.#ended) return null;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  async startTls(servername: string): Promise<ByteStream> {
    // Bytes already queued arrived in plaintext after the server's 220: they are dropped,
    // never handed over as if TLS had protected them.
    this.#detach();
    const secure = tls.connect({
      socket: this.#socket,
      servername: sniName(servername),
      rejectUnauthorized: false,
    });
    await new Promise<void>((resolve, reject) => {
      const onFailure = (error?: Error) => {
        secure.destroy();
        reject(new SmtpError("tls", error?.message ?? "connection closed during TLS handshake"));
      };
      // Left attached after success: rejecting a settled promise is a no-op.
      secure.once("secureConnect", () => resolve());
      secure.once("error", onFailure);
      secure.once("close", () => onFailure());
    });
    return new NodeByteStream(secure);
  }

  async close(): Promise<void> {
    this.#socket.destroy();
    this.#ended = true;
    this.#notify();
  }

  #detach(): void {
    this.#socket.off("data", this.#onData);
    this.#socket.off("end", this.#onEnd);
    this.#socket.off("close", this.#onEnd);
    this.#socket.off("error", this.#onError);
    this.#chunks.length = 0;
    this.#queuedBytes = 0;
    this.#ended = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

function describeTls(socket: tls.TLSSocket): TlsSummary {
  const cert = socket.getPeerCertificate();
  const hasCert = cert && Object.keys(cert).length > 0;
  return {
    protocol: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    authorized: socket.authorized,
    authorizationError: describeAuthorizationError(socket.authorizationError),
    peerSubject: hasCert ? formatName(cert.subject) : null,
    peerIssuer: hasCert ? formatName(cert.issuer) : null,
    altNames: hasCert ? (cert.subjectaltname ?? null) : null,
    validFrom: hasCert ? cert.valid_from : null,
    validTo: hasCert ? cert.valid_to : null,
    fingerprint256: hasCert ? cert.fingerprint256 : null,
  };
}

/** Node documents an Error but sets the OpenSSL code string, such as "DEPTH_ZERO_SELF_SIGNED_CERT". */
function describeAuthorizationError(error: unknown): string | null {
  if (typeof error === "string") return error;
  return error instanceof Error ? error.message : null;
}

/** "CN=mx.example, O=Example": node gives a field several values as an array. */
function formatName(name: tls.Certificate | undefined): string | null {
  if (!name) return null;
  const parts = Object.entries(name).flatMap(([key, value]: [string, unknown]) =>
    (Array.isArray(value) ? value : [value])
      .filter((item) => item !== undefined)
      .map((item) => `${key}=${String(item)}`),
  );
  return parts.length > 0 ? parts.join(", ") : null;
}
