/**
 * The probe node's memory of jobs: a job id runs once, a repeat gets that one run's result while
 * the node holds it, and what it holds is bounded in time and in number.
 */
import { describe, expect, it } from "vitest";
import {
  FINISHED_RUN_KEPT_MS,
  FINISHED_RUN_LIMIT,
  SEEN_JOB_LIMIT,
  SeenJobs,
} from "../../workers/probe/seen-jobs.ts";

function clock() {
  const state = { now: 1_000_000 };
  return { state, now: () => state.now };
}

/** A run the test finishes when it likes. */
function pendingRun() {
  let finish: (value: string) => void = () => {};
  const run = new Promise<string>((resolve) => {
    finish = resolve;
  });
  return { run, finish };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("SeenJobs", () => {
  it("admits a job once; a repeat while it runs gets the same run, not a new one", async () => {
    const time = clock();
    const jobs = new SeenJobs<string>(time.now);
    expect(jobs.admit("job-1")).toEqual({ kind: "new" });
    const { run, finish } = pendingRun();
    expect(jobs.hold("job-1", run)).toBe(run);
    const repeat = jobs.admit("job-1");
    expect(repeat.kind).toBe("replayed");
    if (repeat.kind !== "replayed") return;
    expect(repeat.run).toBe(run);
    finish("result of the one run");
    expect(await repeat.run).toBe("result of the one run");
  });

  it("keeps a finished run's result for a while, then refuses the repeat without a run", async () => {
    const time = clock();
    const jobs = new SeenJobs<string>(time.now);
    jobs.admit("job-1");
    await jobs.hold("job-1", Promise.resolve("done"));
    await settled();
    time.state.now += FINISHED_RUN_KEPT_MS - 1;
    const soon = jobs.admit("job-1");
    expect(soon.kind === "replayed" && soon.run !== null).toBe(true);
    time.state.now += 1;
    expect(jobs.admit("job-1")).toEqual({ kind: "replayed", run: null });
  });

  it("keeps a failed run too: the repeat learns the same failure", async () => {
    const time = clock();
    const jobs = new SeenJobs<string>(time.now);
    jobs.admit("job-1");
    const failure = new Error("probe timed out");
    jobs.hold("job-1", Promise.reject(failure)).catch(() => {});
    await settled();
    const repeat = jobs.admit("job-1");
    if (repeat.kind !== "replayed" || repeat.run === null) throw new Error("run not held");
    await expect(repeat.run).rejects.toBe(failure);
  });

  it("holds at most FINISHED_RUN_LIMIT finished runs, the oldest going first, and every running one", async () => {
    const time = clock();
    const jobs = new SeenJobs<string>(time.now);
    const running = pendingRun();
    jobs.admit("running");
    expect(jobs.hold("running", running.run)).toBe(running.run);
    for (let index = 0; index <= FINISHED_RUN_LIMIT; index++) {
      jobs.admit(`finished-${index}`);
      await jobs.hold(`finished-${index}`, Promise.resolve(`result ${index}`));
    }
    await settled();
    expect(jobs.admit("finished-0")).toEqual({ kind: "replayed", run: null });
    const newest = jobs.admit(`finished-${FINISHED_RUN_LIMIT}`);
    expect(newest.kind === "replayed" && newest.run !== null).toBe(true);
    time.state.now += 10 * FINISHED_RUN_KEPT_MS;
    const stillRunning = jobs.admit("running");
    expect(stillRunning.kind === "replayed" && stillRunning.run === running.run).toBe(true);
  });

  it("remembers ids for the whole replay window and, when full of live ids, admits none", () => {
    const time = clock();
    const jobs = new SeenJobs<string>(time.now);
    for (let index = 0; index < SEEN_JOB_LIMIT; index++) jobs.admit(`job-${index}`);
    expect(jobs.admit("one-more")).toEqual({ kind: "full" });
    expect(jobs.admit("job-0")).toEqual({ kind: "replayed", run: null });
    // Twice the 300 s signature window: every id may be forgotten, and new jobs are admitted.
    time.state.now += 600_000;
    expect(jobs.admit("one-more")).toEqual({ kind: "new" });
    expect(jobs.admit("job-0")).toEqual({ kind: "new" });
  });
});
