import { z } from "zod";
import { readCapped } from "../streams/read-capped.ts";
import {
  DnsError,
  joinCharacterStrings,
  type MxRecord,
  normalizeName,
  type Resolver,
  type ReverseResolver,
} from "./resolver.ts";

/** The JSON a DoH server answers with; anything else is a failed query, never a crash. */
const DohAnswer = z.object({
  Status: z.number().int(),
  Answer: z
    .array(z.object({ name: z.string(), type: z.number().int(), data: z.string() }))
    .optional(),
});
type DohAnswer = z.infer<typeof DohAnswer>;

const TYPE = { A: 1, PTR: 12, MX: 15, TXT: 16, AAAA: 28 } as const;
const NXDOMAIN = 3;
const TIMEOUT_MS = 5_000;
/** Far above any honest answer for one name (a full 64 KiB DNS message, as JSON). */
const MAX_ANSWER_BYTES = 256 * 1024;

/** DNS over HTTPS with the JSON API (RFC 8484's sibling), for production. */
export class DohResolver implements Resolver, ReverseResolver {
  constructor(
    private readonly endpoint = "https://cloudflare-dns.com/dns-query",
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  async mx(name: string): Promise<MxRecord[] | null> {
    const answer = await this.query(name, "MX");
    if (answer.Status === NXDOMAIN) return null;
    return (answer.Answer ?? [])
      .filter((record) => record.type === TYPE.MX)
      .map((record) => {
        const [preference, exchange] = record.data.split(/\s+/);
        return { preference: Number(preference), exchange: normalizeName(exchange ?? "") };
      });
  }

  async addresses(name: string): Promise<string[]> {
    const [v4, v6] = await Promise.all([this.query(name, "A"), this.query(name, "AAAA")]);
    return [...(v4.Answer ?? []), ...(v6.Answer ?? [])]
      .filter((record) => record.type === TYPE.A || record.type === TYPE.AAAA)
      .map((record) => record.data);
  }

  async txt(name: string): Promise<string[]> {
    const answer = await this.query(name, "TXT");
    return (answer.Answer ?? [])
      .filter((record) => record.type === TYPE.TXT)
      .map((record) => joinCharacterStrings(record.data));
  }

  async ptr(reverseName: string): Promise<string[]> {
    const answer = await this.query(reverseName, "PTR");
    return (answer.Answer ?? [])
      .filter((record) => record.type === TYPE.PTR)
      .map((record) => normalizeName(record.data));
  }

  private async query(name: string, type: keyof typeof TYPE): Promise<DohAnswer> {
    const url = `${this.endpoint}?name=${encodeURIComponent(name)}&type=${type}`;
    const failed = (why: string) =>
      new DnsError("dns_failure", `DNS query for ${name} ${type} failed: ${why}`);
    let body: Uint8Array | null;
    try {
      const response = await this.fetcher(url, {
        headers: { accept: "application/dns-json" },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) throw failed(`HTTP ${response.status}`);
      body = await readCapped(response.body, MAX_ANSWER_BYTES);
    } catch (error) {
      // Unreachable, refused or too slow: a DNS failure like any other, not a crash.
      if (error instanceof DnsError) throw error;
      throw failed(error instanceof Error ? error.message : String(error));
    }
    if (body === null) throw failed(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
    let answer: DohAnswer;
    try {
      answer = DohAnswer.parse(JSON.parse(new TextDecoder().decode(body)));
    } catch {
      throw failed("the answer is not DNS JSON");
    }
    if (answer.Status !== 0 && answer.Status !== NXDOMAIN) {
      throw new DnsError(
        "dns_failure",
        `DNS query for ${name} ${type} failed with rcode ${answer.Status}`,
      );
    }
    return answer;
  }
}
