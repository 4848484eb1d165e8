/** The benchmark's knobs, read from the environment once and checked, so a typo fails loudly. */
export interface BenchSettings {
  /** Added by the latency proxy to every server-to-client chunk: one network round trip. */
  delayMs: number;
  /** Measurements per tool and target; the median is reported. */
  runs: number;
  /** Sessions held open at once in the memory measurement. */
  sessions: number;
}

function readInteger(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function readSettings(): BenchSettings {
  return {
    delayMs: readInteger("BENCH_DELAY_MS", 50, 0, 2_000),
    runs: readInteger("BENCH_RUNS", 3, 1, 25),
    sessions: readInteger("BENCH_SESSIONS", 200, 1, 2_000),
  };
}
