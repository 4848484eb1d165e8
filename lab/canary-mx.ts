import type { RunningSink, SinkMessage } from "./sink.ts";

export interface CanaryForwarding {
  /** Deliveries handed to the coordinator, and how it answered. */
  forwarded: { rcpt: string; status: number }[];
  stop(): void;
}

/** A real MX stamps its own Received line before handing a message on. */
function withReceivedLine(message: SinkMessage, rcpt: string): string {
  const stamp = `Received: from [${message.remote}] by mx.canary.lab.test (Relaywatch lab canary MX) with ESMTP for <${rcpt}>; ${new Date(message.receivedAt).toUTCString()}`;
  return `${stamp}\r\n${message.data}`;
}

/**
 * The lab's canary MX: every message the sink receives for the canary domain is handed, one
 * recipient at a time, to the coordinator's `email()` handler through wrangler dev's local email
 * endpoint, as Cloudflare Email Routing would hand it in production.
 */
export function forwardCanaryMail(sink: RunningSink, coordinatorUrl: string): CanaryForwarding {
  const forwarded: CanaryForwarding["forwarded"] = [];
  let stopped = false;
  sink.onMessage((message) => {
    if (stopped) return;
    for (const rcpt of message.rcptTo) {
      // A bounce has the null sender, which the local email endpoint does not take: name the
      // mailer daemon instead, as the From of a bounce would. Matching uses the token only.
      const from = message.mailFrom || "MAILER-DAEMON@mx.canary.lab.test";
      const query = new URLSearchParams({ from, to: rcpt });
      fetch(`${coordinatorUrl}/cdn-cgi/handler/email?${query}`, {
        method: "POST",
        body: withReceivedLine(message, rcpt),
        signal: AbortSignal.timeout(10_000),
      })
        .then((response) => forwarded.push({ rcpt, status: response.status }))
        .catch(() => forwarded.push({ rcpt, status: 0 }));
    }
  });
  return {
    forwarded,
    stop() {
      stopped = true;
    },
  };
}
