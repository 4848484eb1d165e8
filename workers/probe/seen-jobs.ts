import { REPLAY_WINDOW_SECONDS } from "../../shared/auth/hmac.ts";

/**
 * Job ids this node has run within the signature window. A signed job is valid for
 * REPLAY_WINDOW_SECONDS either side of its timestamp, so anyone who captured one could send it
 * again; remembering ids for twice that long refuses every replay the signature would still
 * admit. The memory is bounded: when full of live ids the node refuses new jobs (503) rather
 * than forget one. It lives in the isolate, so a self-hosted workerd node (one process) sees
 * every job; Cloudflare may run a Worker in several isolates, which narrows this to each one.
 *
 * A repeat of a job is never run again, but while its run is going on (and for a short while
 * after) the repeat gets that run's own result. The coordinator sends a job again when its
 * connection failed before any answer ("Network connection lost" on a pooled connection): if
 * the first copy did arrive, refusing the second would lose the answer of a run that happened.
 */
export const SEEN_JOB_LIMIT = 20_000;
const REMEMBER_MS = 2 * REPLAY_WINDOW_SECONDS * 1000;

/** A finished run's result stays available to a repeat of its job this long. */
export const FINISHED_RUN_KEPT_MS = 30_000;
/** At most this many finished runs are held (an answer may be up to a megabyte); oldest go first. */
export const FINISHED_RUN_LIMIT = 32;

export type JobAdmission<T> =
  | { kind: "new" }
  /** `run` is the job's run while it is held, else null (the repeat is refused). */
  | { kind: "replayed"; run: Promise<T> | null }
  | { kind: "full" };

interface HeldRun<T> {
  run: Promise<T>;
  finishedAt: number | null;
}

export class SeenJobs<T> {
  readonly #expiry = new Map<string, number>();
  readonly #runs = new Map<string, HeldRun<T>>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  admit(jobId: string): JobAdmission<T> {
    const now = this.#now();
    this.#forgetExpired(now);
    this.#releaseFinishedRuns(now);
    if (this.#expiry.has(jobId))
      return { kind: "replayed", run: this.#runs.get(jobId)?.run ?? null };
    if (this.#expiry.size >= SEEN_JOB_LIMIT) return { kind: "full" };
    this.#expiry.set(jobId, now + REMEMBER_MS);
    return { kind: "new" };
  }

  /** Holds an admitted job's run, so a repeat of the job gets its result; returns the run. */
  hold(jobId: string, run: Promise<T>): Promise<T> {
    const held: HeldRun<T> = { run, finishedAt: null };
    this.#runs.set(jobId, held);
    const finished = () => {
      held.finishedAt = this.#now();
    };
    run.then(finished, finished);
    return run;
  }

  /** Map order is insertion order, and every id lives equally long: the oldest go first. */
  #forgetExpired(now: number): void {
    for (const [jobId, expiresAt] of this.#expiry) {
      if (expiresAt > now) return;
      this.#expiry.delete(jobId);
    }
  }

  /** Runs still going are always held: the coordinator's leases bound how many there are. */
  #releaseFinishedRuns(now: number): void {
    const finished = [...this.#runs].filter(([, held]) => held.finishedAt !== null);
    const excess = finished.length - FINISHED_RUN_LIMIT;
    finished.forEach(([jobId, held], index) => {
      if (index < excess || now - (held.finishedAt ?? now) >= FINISHED_RUN_KEPT_MS)
        this.#runs.delete(jobId);
    });
  }
}
