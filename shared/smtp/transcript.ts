import { escapeControlCharacters } from "../text/control-characters.ts";
import type { TranscriptDirection, TranscriptEntry } from "./types.ts";

export const DEFAULT_MAX_TRANSCRIPT_ENTRIES = 5000;
/** Characters of line text kept per transcript: the answer must stay small enough to store. */
export const DEFAULT_MAX_TRANSCRIPT_CHARS = 256 * 1024;
/** One line is cut here: a 4 KB reply line of control bytes escapes to 16 KB. */
export const MAX_TRANSCRIPT_LINE_CHARS = 1024;

export const TRUNCATION_NOTE = "transcript truncated";

export interface TranscriptOptions {
  /** Entries kept, the truncation note included. */
  maxEntries?: number;
  /** Characters of line text kept over all entries. */
  maxChars?: number;
  /** Epoch milliseconds; tests inject a fixed clock. */
  clock?: () => number;
}

/**
 * The session log of one check, across its connections. Bounded, because a hostile server
 * chooses how many lines it sends: past the bound a single note says the log was cut.
 */
export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  readonly #maxEntries: number;
  readonly #maxChars: number;
  readonly #clock: () => number;
  #chars = 0;
  #truncated = false;

  constructor(options: TranscriptOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_TRANSCRIPT_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
    this.#maxChars = options.maxChars ?? DEFAULT_MAX_TRANSCRIPT_CHARS;
    this.#clock = options.clock ?? Date.now;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  add(conn: number, dir: TranscriptDirection, line: string): void {
    if (this.#truncated) return;
    const escaped = cutLine(escapeControlCharacters(line));
    if (
      this.entries.length >= this.#maxEntries - 1 ||
      this.#chars + escaped.length > this.#maxChars
    ) {
      this.#truncated = true;
      this.#push(conn, "note", TRUNCATION_NOTE);
      return;
    }
    this.#chars += escaped.length;
    this.#push(conn, dir, escaped);
  }

  note(conn: number, line: string): void {
    this.add(conn, "note", line);
  }

  /** A message body is summarised: its lines are ours, and would crowd out the dialogue. */
  messageBody(conn: number, bytes: number): void {
    this.note(conn, `[message body: ${bytes} bytes]`);
  }

  #push(conn: number, dir: TranscriptDirection, line: string): void {
    this.entries.push({ at: new Date(this.#clock()).toISOString(), conn, dir, line });
  }
}

function cutLine(line: string): string {
  if (line.length <= MAX_TRANSCRIPT_LINE_CHARS) return line;
  const rest = line.length - MAX_TRANSCRIPT_LINE_CHARS;
  return `${line.slice(0, MAX_TRANSCRIPT_LINE_CHARS)}... (${rest} more characters)`;
}
