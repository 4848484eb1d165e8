import type { PublicEntry } from "../../../../shared/schemas/api.ts";
import { escapeXml } from "./escape.ts";

function row(entry: PublicEntry): string {
  const domain = escapeXml(entry.domain);
  const checked = new Date(entry.lastCheckedAt).toISOString().slice(0, 10);
  return (
    `<tr><td>${domain}</td><td><time datetime="${checked}">${checked}</time></td>` +
    `<td><a href="${escapeXml(entry.report)}">report</a></td>` +
    `<td><img src="/badge/${encodeURIComponent(entry.domain)}.svg" alt="relay: closed" height="20"></td></tr>`
  );
}

/** The public list as a small server-rendered page; every interpolated value is escaped. */
export function renderPublicPage(entries: PublicEntry[]): string {
  const body =
    entries.length === 0
      ? "<p>No domain is listed yet.</p>"
      : `<table><thead><tr><th>Domain</th><th>Last check</th><th>Report</th><th>Badge</th></tr></thead><tbody>${entries.map(row).join("")}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Relaywatch: domains that do not relay</title></head>
<body><h1>Domains that do not relay</h1>
<p>Owners opted in by publishing a DNS TXT record. A domain is listed only while its badge is green:
every mail server address found closed from at least two independent vantages outside its network within the last 30 days.</p>
${body}
</body></html>`;
}
