import { escapeControlCharacters } from "../../../../shared/text/control-characters.ts";
import type { BatchItemView } from "./store.ts";

const HEADER = [
  "position",
  "domain",
  "port",
  "status",
  "check_id",
  "verdict",
  "reason",
  "error",
  "report",
];

/** Cells a spreadsheet would run as a formula (OWASP "CSV injection"), tab and CR included. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell (RFC 4180): control and bidi characters escaped as everywhere else, formula-like
 * text neutralised by a leading single quote.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = escapeControlCharacters(String(value));
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Every item as CSV with a header row, CRLF line ends. */
export function batchCsv(items: readonly BatchItemView[], reportPath: (id: string) => string) {
  const rows = items.map((item) => [
    item.position,
    item.domain,
    item.port,
    item.status,
    item.checkId,
    item.verdict,
    item.reason,
    item.error,
    item.checkId ? reportPath(item.checkId) : null,
  ]);
  return `${[HEADER, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
