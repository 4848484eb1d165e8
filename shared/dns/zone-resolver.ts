import {
  joinCharacterStrings,
  type MxRecord,
  normalizeName,
  type Resolver,
  type ReverseResolver,
} from "./resolver.ts";

interface ZoneRecords {
  mx: MxRecord[];
  addresses: string[];
  txt: string[];
  ptr: string[];
  cname: string | null;
}

/**
 * A resolver answering from a zone file: local development and tests, where nothing may reach
 * the internet. Understands the subset of RFC 1035 master files the lab needs: one record per
 * line, `name [ttl] [IN] TYPE data`, types MX, A, AAAA, CNAME, PTR and TXT (quoted strings, which may
 * hold `;`, as opt-out records do), `;` comments, `@` and relative names against `$ORIGIN`.
 */
const RECORD_TYPES = new Set(["MX", "A", "AAAA", "CNAME", "PTR", "TXT", "NS", "SOA"]);

/** The line without its `;` comment; a `;` inside a quoted string is data (RFC 1035 5.1). */
function withoutComment(line: string): string {
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (char === "\\") index += 1;
    else if (char === '"') quoted = !quoted;
    else if (char === ";" && !quoted) return line.slice(0, index);
  }
  return line;
}

/** `[ttl] [class] type data...`: drops an optional TTL and class in either order, then stops. */
function skipTtlAndClass(fields: string[]): string[] {
  let index = 0;
  while (index < 2 && fields[index] && !RECORD_TYPES.has(fields[index]?.toUpperCase() ?? ""))
    index += 1;
  return fields.slice(index);
}

export class ZoneResolver implements Resolver, ReverseResolver {
  private readonly records = new Map<string, ZoneRecords>();

  constructor(zoneText: string) {
    let origin = "";
    for (const rawLine of zoneText.split(/\r?\n/)) {
      const line = withoutComment(rawLine).trim();
      if (!line) continue;
      const fields = line.split(/\s+/);
      if (fields[0] === "$ORIGIN") {
        origin = normalizeName(fields[1] ?? "");
        continue;
      }
      const [owner, ...rest] = fields;
      const [type, ...values] = skipTtlAndClass(rest);
      if (!owner || !type) continue;
      const name = this.absolute(owner, origin);
      const entry = this.entry(name);
      switch (type.toUpperCase()) {
        case "MX":
          entry.mx.push({
            preference: Number(values[0] ?? 0),
            exchange: this.absolute(values[1] ?? ".", origin),
          });
          break;
        case "A":
        case "AAAA":
          if (values[0]) entry.addresses.push(values[0]);
          break;
        case "TXT":
          // From the line, not the fields: splitting on spaces would break quoted strings.
          entry.txt.push(joinCharacterStrings(line.replace(/^\S+(?:\s+\S+){0,2}?\s+TXT\s+/i, "")));
          break;
        case "CNAME":
          entry.cname = this.absolute(values[0] ?? "", origin);
          break;
        case "PTR":
          if (values[0]) entry.ptr.push(this.absolute(values[0], origin));
          break;
        default:
          break;
      }
    }
  }

  async mx(name: string): Promise<MxRecord[] | null> {
    const entry = this.follow(normalizeName(name));
    return entry ? entry.mx : null;
  }

  async addresses(name: string): Promise<string[]> {
    return this.follow(normalizeName(name))?.addresses ?? [];
  }

  async txt(name: string): Promise<string[]> {
    return this.follow(normalizeName(name))?.txt ?? [];
  }

  async ptr(reverseName: string): Promise<string[]> {
    return this.follow(normalizeName(reverseName))?.ptr ?? [];
  }

  private follow(name: string, depth = 0): ZoneRecords | null {
    const entry = this.records.get(name);
    if (!entry) return null;
    return entry.cname && depth < 8 ? this.follow(entry.cname, depth + 1) : entry;
  }

  private entry(name: string): ZoneRecords {
    let entry = this.records.get(name);
    if (!entry) {
      entry = { mx: [], addresses: [], txt: [], ptr: [], cname: null };
      this.records.set(name, entry);
    }
    return entry;
  }

  private absolute(name: string, origin: string): string {
    if (name === "@") return origin;
    if (name === ".") return "";
    if (name.endsWith(".")) return normalizeName(name);
    return normalizeName(origin ? `${name}.${origin}` : name);
  }
}
