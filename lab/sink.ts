/**
 * The lab's canary MX: every relaying lab server delivers here. It accepts mail for the canary
 * domain (and its subdomains), refuses anything else, and keeps the latest messages.
 */
import { analyseAddress, isWithinDomain } from "./sim/addresses.ts";
import { acceptRecipient, postfixLikePolicy, rejectRecipient } from "./sim/policy.ts";
import { postfixDialect, reply } from "./sim/replies.ts";
import { listenSmtp, type ReceivedMessage } from "./sim/smtp-server.ts";
import { DEFAULT_CANARY_DOMAIN, LAB_HOST } from "./sim/specs.ts";

const MAX_KEPT_MESSAGES = 1000;
/** Canary messages are a few KiB; this bounds what a thousand kept messages can hold. */
const MAX_MESSAGE_BYTES = 256 * 1024;

export interface SinkMessage {
  mailFrom: string;
  rcptTo: string[];
  data: string;
  receivedAt: string;
  /** The delivering client's address. */
  remote: string;
}

export interface RunningSink {
  host: string;
  port: number;
  /** The latest messages, oldest first (at most 1000). */
  messages: SinkMessage[];
  waitFor(predicate: (message: SinkMessage) => boolean, timeoutMs: number): Promise<SinkMessage>;
  onMessage(listener: (message: SinkMessage) => void): void;
  close(): Promise<void>;
}

export async function startSink(
  options: { port?: number; host?: string; acceptDomain?: string } = {},
): Promise<RunningSink> {
  const host = options.host ?? LAB_HOST;
  if (host !== LAB_HOST) throw new Error(`the sink listens on ${LAB_HOST} only, not ${host}`);
  const acceptDomain = (options.acceptDomain ?? DEFAULT_CANARY_DOMAIN).toLowerCase();
  const hostname = `mx.${acceptDomain}`;
  const dialect = postfixDialect(hostname);
  const messages: SinkMessage[] = [];
  const listeners = new Set<(message: SinkMessage) => void>();

  const policy = postfixLikePolicy(
    hostname,
    (_session, recipient) => {
      const { outerDomain } = analyseAddress(recipient, () => false);
      return outerDomain !== null && isWithinDomain(outerDomain, acceptDomain)
        ? acceptRecipient({ route: "local", address: recipient })
        : rejectRecipient(dialect.userUnknown(recipient));
    },
    { greeting: { kind: "reply", reply: reply(220, `${hostname} ESMTP Relaywatch canary sink`) } },
  );

  const record = (received: ReceivedMessage) => {
    const message: SinkMessage = {
      mailFrom: received.mailFrom,
      rcptTo: received.recipients.map(({ path }) => path),
      data: received.data.toString("utf8"),
      receivedAt: received.receivedAt.toISOString(),
      remote: received.remoteAddress,
    };
    messages.push(message);
    if (messages.length > MAX_KEPT_MESSAGES) messages.shift();
    for (const listener of listeners) listener(message);
  };

  const listener = await listenSmtp({
    host,
    port: options.port ?? 0,
    policy,
    replyDelayMs: 0,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    onMessage: record,
  });

  return {
    host,
    port: listener.port,
    messages,
    onMessage: (callback) => {
      listeners.add(callback);
    },
    waitFor: (predicate, timeoutMs) => {
      const already = messages.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const watch = (message: SinkMessage) => {
          if (!predicate(message)) return;
          clearTimeout(timer);
          listeners.delete(watch);
          resolve(message);
        };
        const timer = setTimeout(() => {
          listeners.delete(watch);
          reject(new Error(`no matching message at the sink within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(watch);
      });
    },
    close: () => listener.close(),
  };
}
