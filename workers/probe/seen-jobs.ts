import { REPLAY_WINDOW_SECONDS } from "../../shared/auth/hmac.ts";

/**
 * Job ids this node has run within the signature window. A signed job is valid for
 * REPLAY_WINDOW_SECONDS either side of its timestamp, so anyone who captured one could send it
 * again; remembering ids for twice that long refuses every replay the signature would still
 * admit. The memory is bounded: when full of live ids the node refuses new jobs (503) rather
 * than forget one. It lives in the isolate, so a self-hosted workerd node (one process) sees
 * every job; Cloudflare may run a Worker in several isolates, which narrows this to each one.
 */
export const SEEN_JOB_LIMIT = 20_000;
const REMEMBER_MS = 2 * REPLAY_WINDOW_SECONDS * 1000;

export type JobAdmission = "new" | "replayed" | "full";

export class SeenJobs {
  readonly #expiry = new Map<string, number>();

  admit(jobId: string, now: number): JobAdmission {
    this.#forgetExpired(now);
    if (this.#expiry.has(jobId)) return "replayed";
    if (this.#expiry.size >= SEEN_JOB_LIMIT) return "full";
    this.#expiry.set(jobId, now + REMEMBER_MS);
    return "new";
  }

  /** Map order is insertion order, and every id lives equally long: the oldest go first. */
  #forgetExpired(now: number): void {
    for (const [jobId, expiresAt] of this.#expiry) {
      if (expiresAt > now) return;
      this.#expiry.delete(jobId);
    }
  }
}
