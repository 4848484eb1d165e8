import type { ProbeHooks } from "../shared/probe/runner.ts";
import type { Verdict } from "../shared/schemas/probe-result.ts";
import type { AddressTarget } from "./run.ts";

/** How often the countdown of a wait is redrawn. */
const REDRAW_MS = 1_000;
/** Events closer together than this are drawn once: a fast server answers many cases at once. */
const THROTTLE_MS = 100;
/** Server text shown in a progress line is cut to this, and stripped of control characters. */
const MAX_NOTE_LENGTH = 60;

interface AddressState {
  label: string;
  started: boolean;
  answered: number;
  verdict: Verdict | null;
  /** Cases put off until a time (greylisting), by case id, with the server's reason. */
  waits: Map<string, { until: number; note: string }>;
}

export interface ProgressSink {
  /** The engine's hooks for one address, plus when its run starts. */
  hooksFor(index: number): ProbeHooks & { onStart: () => void };
  done(index: number, result: { verdict: Verdict }): void;
  /** Removes the progress lines, so only the report stays on the screen. */
  finish(): void;
}

const SILENT: ProgressSink = {
  hooksFor: () => ({ onStart: () => {} }),
  done: () => {},
  finish: () => {},
};

/**
 * Live progress on a terminal: one line per address, redrawn in place, with the cases answered
 * of the total and what the run waits for. Nothing at all when stderr is not a terminal or the
 * output is JSON, so scripts and pipes see only the report.
 */
export function progressFor(
  stream: NodeJS.WriteStream,
  enabled: boolean,
  targets: AddressTarget[],
  totalCases: number,
): ProgressSink {
  if (!enabled || !stream.isTTY) return SILENT;
  const labels = targets.map((t) =>
    t.mxHost === t.address ? t.address : `${t.mxHost} ${t.address}`,
  );
  const width = Math.max(...labels.map((label) => label.length));
  const states: AddressState[] = labels.map((label) => ({
    label: label.padEnd(width),
    started: false,
    answered: 0,
    verdict: null,
    waits: new Map(),
  }));
  let drawn = 0;
  const draw = () => {
    const columns = stream.columns || 80;
    const up = drawn > 0 ? `\x1b[${drawn}A` : "";
    const lines = states.map(
      (state) => `\r\x1b[2K${lineOf(state, totalCases).slice(0, columns - 1)}\n`,
    );
    stream.write(up + lines.join(""));
    drawn = states.length;
  };
  let pending: NodeJS.Timeout | null = null;
  const changed = () => {
    pending ??= setTimeout(() => {
      pending = null;
      draw();
    }, THROTTLE_MS);
  };
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  draw();
  return {
    hooksFor(index) {
      const state = states[index] as AddressState;
      return {
        onStart: () => {
          state.started = true;
          changed();
        },
        onCase: (result) => {
          state.answered += 1;
          state.waits.delete(result.id);
          changed();
        },
        onWait: (wait) => {
          state.waits.set(wait.caseId, { until: wait.until, note: wait.note });
          changed();
        },
      };
    },
    done(index, result) {
      const state = states[index] as AddressState;
      state.verdict = result.verdict;
      state.waits.clear();
      changed();
    },
    finish() {
      clearInterval(timer);
      if (pending) clearTimeout(pending);
      if (drawn > 0) stream.write(`\x1b[${drawn}A\r\x1b[0J`);
      drawn = 0;
    },
  };
}

function lineOf(state: AddressState, totalCases: number): string {
  const count = `${state.answered}/${totalCases} cases answered`;
  if (state.verdict) return `  ${state.label}  done: ${state.verdict} (${count})`;
  if (!state.started) return `  ${state.label}  waiting for its turn`;
  return `  ${state.label}  ${count}${waitText(state)}`;
}

/** The soonest retry the run waits for, as "greylisted, retrying in 58 s". */
function waitText(state: AddressState): string {
  const [soonest] = [...state.waits.values()].sort((a, b) => a.until - b.until);
  if (!soonest) return "";
  const seconds = Math.ceil((soonest.until - Date.now()) / 1000);
  const why = soonest.note.startsWith("greylisted")
    ? "greylisted"
    : `deferred (${printable(soonest.note)})`;
  return seconds > 0 ? `; ${why}, retrying in ${seconds} s` : `; ${why}, retrying now`;
}

/** Server text on a terminal: no escape sequences or control characters, and short. */
function printable(text: string): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, "?");
  return clean.length > MAX_NOTE_LENGTH ? `${clean.slice(0, MAX_NOTE_LENGTH - 1)}…` : clean;
}
