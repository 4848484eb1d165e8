import { CANARY_PROOF_HEADER } from "./canary-proof.ts";

/**
 * The one message delivery proof sends through an accepted case. It is fixed text: the only
 * inserted values are names we chose or validated (target, case id, token, canary domain, the
 * envelope recipient we expanded, our report URL), and each is cleaned again here so that no
 * value can add a header line or a non-ASCII byte, whatever a caller passes.
 */

export interface CanaryMessageInput {
  canaryDomain: string;
  /** The envelope recipient exactly as sent in RCPT TO, angle brackets included. */
  rcptTo: string;
  /** The target as the user named it: host name or address. */
  targetHost: string;
  caseId: string;
  token: string;
  /** Where the report can be read; omitted from the body when null or unusable. */
  reportUrl: string | null;
  date: Date;
  /** The token's MAC (see canary-proof.ts); null when the sender has no vantage key (the CLI). */
  proof?: string | null;
}

/** RFC 5322 §2.1.1 allows 998; our values are far shorter, and a longer one is not ours. */
const MAX_VALUE_LENGTH = 300;
const MAX_URL_LENGTH = 500;

/** Keeps printable ASCII only: a CR or LF would start a new header, and the message is ASCII. */
export function cleanHeaderValue(value: string, maxLength = MAX_VALUE_LENGTH): string {
  return value
    .replace(/[^\x20-\x7e]+/g, " ")
    .trim()
    .slice(0, maxLength);
}

/** A report URL goes into the body only when it is plain ASCII and of a sane length. */
function usableReportUrl(url: string | null): string | null {
  if (!url || url.length > MAX_URL_LENGTH || !/^https?:\/\/[\x21-\x7e]+$/.test(url)) return null;
  return url;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 5322 §3.3 date-time in UTC, e.g. `Sun, 29 Nov 2026 23:27:57 +0000`. */
export function rfc5322Date(date: Date): string {
  const two = (value: number) => value.toString().padStart(2, "0");
  return (
    `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ` +
    `${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:` +
    `${two(date.getUTCSeconds())} +0000`
  );
}

/** The complete message, headers and body, with CRLF line endings. */
export function canaryMessage(input: CanaryMessageInput): string {
  const canaryDomain = cleanHeaderValue(input.canaryDomain);
  const token = cleanHeaderValue(input.token);
  const caseId = cleanHeaderValue(input.caseId);
  const target = cleanHeaderValue(input.targetHost);
  const reportUrl = usableReportUrl(input.reportUrl);
  const headers = [
    `From: Relaywatch relay test <noreply@${canaryDomain}>`,
    `To: ${cleanHeaderValue(input.rcptTo)}`,
    `Subject: Relaywatch relay test of ${target} (${caseId})`,
    `Date: ${rfc5322Date(input.date)}`,
    `Message-ID: <${token}@${canaryDomain}>`,
    `X-Relaywatch-Token: ${token}`,
    `X-Relaywatch-Case: ${caseId}`,
    ...(input.proof ? [`${CANARY_PROOF_HEADER}: ${cleanHeaderValue(input.proof)}`] : []),
    "Auto-Submitted: auto-generated",
    "Precedence: bulk",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
    "Content-Transfer-Encoding: 7bit",
  ];
  const body = [
    `This is an automated relay test by Relaywatch, requested for the mail server ${target}.`,
    "",
    "It was addressed to the Relaywatch canary mailbox. If you are reading it anywhere",
    `else, the server ${target} relays mail for strangers (test case ${caseId}),`,
    "and spammers can use it the same way.",
    "",
    reportUrl
      ? `The full report is at ${reportUrl}`
      : "The full report is with whoever requested the test on Relaywatch.",
    "",
    `Test token: ${token}`,
  ];
  return `${[...headers, "", ...body].join("\r\n")}\r\n`;
}
