/**
 * A plain DNS server of the lab (UDP, RFC 1035 wire format) answering MX queries from a zone file
 * on 127.0.0.1, so the CLI's system resolver (c-ares, as `node:dns` uses it) is tested against
 * real DNS messages without asking a real name server. Only what the tests need: one question
 * per message, MX answers with a pointer to the question's name, NXDOMAIN, no TCP, no EDNS.
 * (Addresses come through getaddrinfo, which reads resolv.conf and cannot be pointed here.)
 */
import { createSocket } from "node:dgram";
import { ZoneResolver } from "../shared/dns/zone-resolver.ts";

const TYPE = { MX: 15 } as const;
const CLASS_IN = 1;
const NXDOMAIN = 3;
const NOTIMP = 4;
const HEADER_BYTES = 12;

export interface RunningDnsServer {
  /** `127.0.0.1:<port>`, for `Resolver.setServers`. */
  server: string;
  close(): Promise<void>;
}

function encodeName(name: string): Buffer {
  const labels = name === "" ? [] : name.split(".");
  const parts = labels.map((label) =>
    Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]),
  );
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** The question's name and where the question's type starts. */
function readQuestionName(message: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let offset = HEADER_BYTES;
  for (let length = message[offset] ?? 0; length > 0; length = message[offset] ?? 0) {
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString("latin1"));
    offset += 1 + length;
  }
  return { name: labels.join(".").toLowerCase(), end: offset + 1 };
}

function record(type: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc000 | HEADER_BYTES, 0); // the question's name
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(CLASS_IN, 4);
  fixed.writeUInt32BE(300, 6);
  fixed.writeUInt16BE(data.length, 10);
  return Buffer.concat([fixed, data]);
}

async function answers(zone: ZoneResolver, name: string, type: number): Promise<Buffer[] | number> {
  const mx = await zone.mx(name);
  if (mx === null) return NXDOMAIN;
  if (type === TYPE.MX) {
    return mx.map((entry) => {
      const preference = Buffer.alloc(2);
      preference.writeUInt16BE(entry.preference);
      return record(TYPE.MX, Buffer.concat([preference, encodeName(entry.exchange)]));
    });
  }
  return NOTIMP;
}

async function reply(zone: ZoneResolver, query: Buffer): Promise<Buffer> {
  const { name, end } = readQuestionName(query);
  const type = query.readUInt16BE(end);
  const found = await answers(zone, name, type);
  const header = Buffer.alloc(HEADER_BYTES);
  query.copy(header, 0, 0, 2); // id
  const recursionDesired = (query[2] ?? 0) & 0x01;
  header[2] = 0x80 | 0x04 | recursionDesired; // response, authoritative
  header[3] = 0x80 | (typeof found === "number" ? found : 0); // recursion available, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(typeof found === "number" ? 0 : found.length, 6);
  const question = query.subarray(HEADER_BYTES, end + 4);
  return Buffer.concat([header, question, ...(typeof found === "number" ? [] : found)]);
}

export async function startDnsServer(zoneText: string): Promise<RunningDnsServer> {
  const zone = new ZoneResolver(zoneText);
  const socket = createSocket("udp4");
  socket.on("message", (query, peer) => {
    reply(zone, query).then(
      (message) => socket.send(message, peer.port, peer.address),
      () => {},
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
