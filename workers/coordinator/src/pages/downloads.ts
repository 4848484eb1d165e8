import type { CheckView } from "../db/repository.ts";
import type { CheckRow } from "../db/schema.ts";
import { vantagePlace } from "./report-model.ts";
import { formatTranscriptLine } from "./transcript-log.tsx";

/** `relaywatch-mx.example.org-2026-11-30.txt`: the target and the day of the check. */
export function downloadName(check: Pick<CheckRow, "target" | "createdAt">, extension: string) {
  const target = check.target.toLowerCase().replace(/[^a-z0-9.-]+/g, "_");
  const day = new Date(check.createdAt).toISOString().slice(0, 10);
  return `relaywatch-${target}-${day}.${extension}`;
}

/**
 * Every vantage's SMTP log as plain text, like a mail server's log, each under a heading that
 * says which address and vantage it is; `vantageId` keeps only that vantage.
 */
export function transcriptsText(view: CheckView, vantageId: string | null): string | null {
  const sections: string[] = [];
  for (const mxHost of view.mxHosts)
    for (const address of mxHost.addresses)
      for (const vantage of address.vantages) {
        if (vantageId !== null && vantage.id !== vantageId) continue;
        const verdict = vantage.verdict ?? vantage.status;
        sections.push(
          [
            `# ${mxHost.host} ${address.address} port ${vantage.port} from ${vantagePlace(vantage)}: ${verdict}${vantage.reason ? ` (${vantage.reason})` : ""}`,
            ...(vantage.transcript ?? []).map(formatTranscriptLine),
          ].join("\n"),
        );
      }
  if (sections.length === 0) return null;
  const started = new Date(view.check.createdAt).toISOString();
  return `# Relaywatch relay test of ${view.check.target}, started ${started}, check ${view.check.id}\n\n${sections.join("\n\n")}\n`;
}
