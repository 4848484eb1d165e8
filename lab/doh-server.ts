/**
 * A DNS-over-HTTPS server of the lab (the JSON API that `relaywatch check --doh` and the
 * coordinator's DohResolver speak), answering from a zone file on 127.0.0.1, so CLI tests
 * resolve lab domains without ever asking a real name server. Plain HTTP: it is loopback only.
 */
import { createServer } from "node:http";
import { isIP } from "node:net";
import { ZoneResolver } from "../shared/dns/zone-resolver.ts";

const TYPE = { A: 1, MX: 15, TXT: 16, AAAA: 28 } as const;
const NOERROR = 0;
const NXDOMAIN = 3;
const NOTIMP = 4;

export interface RunningDohServer {
  /** The endpoint to pass as `--doh`. */
  url: string;
  /** Questions asked so far, as `name TYPE`. */
  queries: string[];
  close(): Promise<void>;
}

async function answer(zone: ZoneResolver, name: string, type: string) {
  // The zone knows a name when it has any record: MX answers null only for unknown names.
  if ((await zone.mx(name)) === null) return { Status: NXDOMAIN };
  const records = (data: string[], code: number) =>
    data.map((value) => ({ name, type: code, TTL: 300, data: value }));
  switch (type) {
    case "MX": {
      const mx = (await zone.mx(name)) ?? [];
      const data = mx.map(
        (record) => `${record.preference} ${record.exchange ? `${record.exchange}.` : "."}`,
      );
      return { Status: NOERROR, Answer: records(data, TYPE.MX) };
    }
    case "A":
    case "AAAA": {
      const family = type === "A" ? 4 : 6;
      const data = (await zone.addresses(name)).filter((address) => isIP(address) === family);
      return { Status: NOERROR, Answer: records(data, TYPE[type]) };
    }
    case "TXT": {
      const data = (await zone.txt(name)).map((text) => JSON.stringify(text));
      return { Status: NOERROR, Answer: records(data, TYPE.TXT) };
    }
    default:
      return { Status: NOTIMP };
  }
}

export async function startDohServer(zoneText: string): Promise<RunningDohServer> {
  const zone = new ZoneResolver(zoneText);
  const queries: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const name = url.searchParams.get("name") ?? "";
    const type = url.searchParams.get("type") ?? "";
    if (url.pathname !== "/dns-query" || !name || !type) {
      response.writeHead(400).end();
      return;
    }
    queries.push(`${name} ${type}`);
    answer(zone, name, type).then(
      (body) =>
        response
          .writeHead(200, { "content-type": "application/dns-json" })
          .end(JSON.stringify(body)),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}/dns-query`,
    queries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
