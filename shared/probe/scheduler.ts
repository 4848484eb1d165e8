import type { ExpandedCase } from "./expand.ts";

/** A case waiting to be (re)tried, with when it may run again and how often it has. */
export interface PendingCase {
  expanded: ExpandedCase;
  attempts: number;
  notBefore: number;
  lastNote: string | null;
}

/**
 * The queue of cases not yet answered. Connections take chunks from it; a case whose
 * connection dropped, or that was greylisted, goes back with a time before which it waits.
 */
export class CaseQueue {
  private readonly pending: PendingCase[];

  constructor(cases: ExpandedCase[]) {
    this.pending = cases.map((expanded) => ({
      expanded,
      attempts: 0,
      notBefore: 0,
      lastNote: null,
    }));
  }

  get size(): number {
    return this.pending.length;
  }

  /** Up to `count` cases that may run now, removed from the queue. */
  take(count: number, now: number): PendingCase[] {
    const ready: PendingCase[] = [];
    for (let index = 0; index < this.pending.length && ready.length < count; ) {
      const candidate = this.pending[index];
      if (candidate && candidate.notBefore <= now) {
        ready.push(candidate);
        this.pending.splice(index, 1);
      } else {
        index += 1;
      }
    }
    return ready;
  }

  /** When the earliest waiting case may run, or null when the queue is empty. */
  nextReadyAt(): number | null {
    if (this.pending.length === 0) return null;
    return Math.min(...this.pending.map((entry) => entry.notBefore));
  }

  /** When `count` cases will be ready to run (the count-th earliest), or null if fewer wait. */
  readyAtFor(count: number): number | null {
    const times = this.pending.map((entry) => entry.notBefore).sort((a, b) => a - b);
    return count > 0 && count <= times.length ? (times[count - 1] ?? null) : null;
  }

  putBack(entry: PendingCase): void {
    this.pending.push(entry);
  }

  drain(): PendingCase[] {
    return this.pending.splice(0, this.pending.length);
  }
}
