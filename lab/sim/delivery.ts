/**
 * What a lab server does with a message once it said 250: recipients routed onward to the
 * canary domain go to the canary MX (relayTo); local mailboxes and discarded recipients end
 * here, and other foreign domains have no route in the lab, so they are dropped like mail to
 * an unreachable host.
 */
import { isWithinDomain } from "./addresses.ts";
import { type ForwardTarget, forwardMessage } from "./forwarder.ts";
import type { ReceivedMessage } from "./smtp-server.ts";

const FORWARD_TIMEOUT_MS = 15_000;

export interface DeliveryAgent {
  deliver(message: ReceivedMessage): void;
  /** Messages the next hop accepted for at least one recipient. */
  readonly relayed: number;
  /** Abandons deliveries in flight. */
  close(): Promise<void>;
}

export function createDeliveryAgent(options: {
  hostname: string;
  label: string;
  relayTo: ForwardTarget | undefined;
  canaryDomain: string;
}): DeliveryAgent {
  const { hostname, relayTo, canaryDomain } = options;
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();
  let relayed = 0;

  return {
    get relayed() {
      return relayed;
    },
    deliver(message) {
      const recipients = new Set(
        message.recipients
          .filter(({ delivery }) => delivery.route === "relay")
          .map(({ delivery }) => delivery.address)
          .filter((address) =>
            isWithinDomain(address.slice(address.lastIndexOf("@") + 1), canaryDomain),
          ),
      );
      if (!relayTo || recipients.size === 0 || abort.signal.aborted) return;
      const envelope = {
        mailFrom: message.mailFrom,
        rcptTo: [...recipients],
        data: Buffer.concat([
          Buffer.from(receivedHeader(message, hostname, options.label)),
          message.data,
        ]),
      };
      const job = forwardMessage(relayTo, envelope, {
        heloName: hostname,
        timeoutMs: FORWARD_TIMEOUT_MS,
        signal: abort.signal,
      })
        .then(
          (accepted) => {
            if (accepted > 0) relayed++;
          },
          // An undeliverable message is dropped, as a bounce nobody will read.
          () => {},
        )
        .finally(() => inFlight.delete(job));
      inFlight.add(job);
    },
    async close() {
      abort.abort();
      await Promise.allSettled(inFlight);
    },
  };
}

/** The trace line every MTA prepends, naming the lab behaviour so a sink message tells its source. */
function receivedHeader(message: ReceivedMessage, hostname: string, label: string): string {
  const protocol = `${message.esmtp ? "ESMTP" : "SMTP"}${message.tls ? "S" : ""}`;
  return (
    `Received: from ${message.helo ?? "unknown"} ([${message.remoteAddress}])\r\n` +
    `\tby ${hostname} (Relaywatch lab: ${label}) with ${protocol} id ${message.queueId};\r\n` +
    `\t${message.receivedAt.toUTCString().replace("GMT", "+0000")}\r\n`
  );
}
