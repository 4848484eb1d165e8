import type { TranscriptDirection, TranscriptEntry } from "./types.ts";

export const DEFAULT_MAX_TRANSCRIPT_ENTRIES = 5000;

export const TRUNCATION_NOTE = "transcript truncated";

export interface TranscriptOptions {
  /** Entries kept, the truncation note included. */
  maxEntries?: number;
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
  readonly #clock: () => number;
  #truncated = false;

  constructor(options: TranscriptOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_TRANSCRIPT_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
    this.#clock = options.clock ?? Date.now;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  add(conn: number, dir: TranscriptDirection, line: string): void {
    if (this.#truncated) return;
    if (this.entries.length >= this.#maxEntries - 1) {
      this.#truncated = true;
      this.#push(conn, "note", TRUNCATION_NOTE);
      return;
    }
    this.#push(conn, dir, escapeControlCharacters(line));
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

/**
 * Server text ends up in terminals and web pages; escaping C0/C1 controls (tab aside) keeps a
 * hostile banner from rewriting the screen or forging log lines with embedded CR.
 */
function escapeControlCharacters(line: string): string {
  let escaped = "";
  for (const char of line) {
    const code = char.charCodeAt(0);
    const isControl = (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
    escaped += isControl ? `\\x${code.toString(16).padStart(2, "0")}` : char;
  }
  return escaped;
}
