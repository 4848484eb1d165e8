/**
 * A stand-in webhook receiver, part of the stand-in probe node (Miniflare's outboundService):
 * answers POSTs to https://hooks.example.test/answer/<statuses>/<name>, where <statuses> is a
 * comma-separated list such as "500,200" (the n-th call gets the n-th status, the last one
 * repeating), and records every call for the tests to read back.
 */

export const WEBHOOK_RECEIVER_HOST = "hooks.example.test";
/** Where tests read the calls one receiver path got (GET, `?path=/answer/...`). */
export const WEBHOOK_CALLS_PATH = "/webhook-calls";

export interface RecordedWebhookCall {
  method: string;
  path: string;
  headers: Record<string, string | null>;
  body: string;
  answered: number;
}

interface IncomingRequest {
  url: string;
  method: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

const RECORDED_HEADERS = [
  "content-type",
  "user-agent",
  "x-relaywatch-timestamp",
  "x-relaywatch-signature",
  "x-relaywatch-delivery",
];

export function createWebhookReceiver() {
  const callsByPath = new Map<string, RecordedWebhookCall[]>();
  return {
    handles: (url: URL) => url.hostname === WEBHOOK_RECEIVER_HOST,
    async receive(request: IncomingRequest, url: URL): Promise<Response> {
      const calls = callsByPath.get(url.pathname) ?? [];
      callsByPath.set(url.pathname, calls);
      const statuses = /^\/answer\/([\d,]+)\//.exec(url.pathname)?.[1]?.split(",").map(Number);
      const answered = statuses?.[Math.min(calls.length, statuses.length - 1)] ?? 404;
      calls.push({
        method: request.method,
        path: url.pathname,
        headers: Object.fromEntries(
          RECORDED_HEADERS.map((name) => [name, request.headers.get(name)]),
        ),
        body: await request.text(),
        answered,
      });
      // 204 and its kind may carry no body at all.
      const body = [204, 205, 304].includes(answered) ? null : `answered ${answered}`;
      return new Response(body, { status: answered });
    },
    calls(url: URL): Response {
      const calls = callsByPath.get(url.searchParams.get("path") ?? "") ?? [];
      return new Response(JSON.stringify(calls), {
        headers: { "content-type": "application/json" },
      });
    },
  };
}
