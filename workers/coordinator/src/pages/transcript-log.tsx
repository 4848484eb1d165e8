/** @jsxImportSource hono/jsx */
import type { TranscriptLine } from "../../../../shared/schemas/probe-result.ts";

const DIRECTION_MARKS: Record<TranscriptLine["dir"], string> = {
  client: ">>",
  server: "<<",
  note: "--",
};

/** "12:00:01.234" from an ISO time; the date is on the report already. */
function clockTime(at: string): string {
  const match = /T(\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)/.exec(at);
  return match?.[1] ?? at;
}

/** One line as a mail log shows it: `time [conn] >> line`. */
export function formatTranscriptLine(line: TranscriptLine): string {
  return `${clockTime(line.at)} [${line.conn}] ${DIRECTION_MARKS[line.dir]} ${line.line}`;
}

export function TranscriptLog({ lines }: { lines: TranscriptLine[] }) {
  return <pre>{lines.map(formatTranscriptLine).join("\n")}</pre>;
}
