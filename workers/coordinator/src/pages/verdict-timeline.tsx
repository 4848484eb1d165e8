/** @jsxImportSource hono/jsx */

import type { HistoryEntry } from "../../../../shared/schemas/api.ts";
import type { Verdict } from "../../../../shared/schemas/probe-result.ts";
import type { Messages } from "../i18n/index.ts";

/** Rows from worst to best; a failed check without a verdict sits with the inconclusive ones. */
const ROWS: readonly Verdict[] = ["open", "suspect", "inconclusive", "closed"];
const COLOURS: Record<Verdict, string> = {
  open: "#b3261e",
  suspect: "#8a5300",
  inconclusive: "#5f6368",
  closed: "#146c2e",
};
const WIDTH = 640;
const ROW_HEIGHT = 34;
const LEFT = 150;
const RIGHT = 16;
const TOP = 12;

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Past verdicts as a server-rendered SVG: one row per verdict, time from left (oldest) to right,
 * a line joining the checks in order. Readable without JavaScript and without colour (rows are
 * labelled); the list of reports next to it carries the same facts as text.
 */
export function VerdictTimeline({
  t,
  domain,
  entries,
}: {
  t: Messages;
  domain: string;
  /** Newest first, as the history query returns them. */
  entries: HistoryEntry[];
}) {
  const points = [...entries].reverse();
  const first = points[0]?.createdAt ?? 0;
  const last = points.at(-1)?.createdAt ?? first;
  const span = Math.max(last - first, 1);
  const height = TOP + ROWS.length * ROW_HEIGHT + 28;
  const x = (ms: number) =>
    points.length === 1
      ? (LEFT + WIDTH - RIGHT) / 2
      : LEFT + ((ms - first) / span) * (WIDTH - LEFT - RIGHT);
  const y = (verdict: Verdict) => TOP + ROWS.indexOf(verdict) * ROW_HEIGHT + ROW_HEIGHT / 2;
  const verdictOf = (entry: HistoryEntry): Verdict => entry.verdict ?? "inconclusive";
  const label = t.domainPage.timelineLabel(domain, points.length);
  return (
    <svg
      class="timeline"
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-labelledby="timeline-title"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id="timeline-title">{label}</title>
      {ROWS.map((verdict) => (
        <>
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={y(verdict)} y2={y(verdict)} stroke="#ddd" />
          <text x={LEFT - 8} y={y(verdict) + 5} text-anchor="end" font-size="13" fill="#1a1a1a">
            {t.report.verdictNames[verdict].split(/[:：]/)[0]}
          </text>
        </>
      ))}
      {points.length > 1 ? (
        <polyline
          fill="none"
          stroke="#5f6368"
          stroke-width="1.5"
          points={points
            .map((entry) => `${x(entry.createdAt).toFixed(1)},${y(verdictOf(entry))}`)
            .join(" ")}
        />
      ) : null}
      {points.map((entry) => (
        <circle
          cx={x(entry.createdAt).toFixed(1)}
          cy={y(verdictOf(entry))}
          r="6"
          fill={COLOURS[verdictOf(entry)]}
        />
      ))}
      {points.length > 0 ? (
        <>
          <text x={LEFT} y={height - 8} font-size="12" fill="#4a4a4a">
            {day(first)}
          </text>
          <text x={WIDTH - RIGHT} y={height - 8} font-size="12" fill="#4a4a4a" text-anchor="end">
            {day(last)}
          </text>
        </>
      ) : null}
    </svg>
  );
}
