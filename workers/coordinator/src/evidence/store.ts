import { z } from "zod";
import {
  CaseResult,
  ConnectionSummary,
  ProbeResult,
  TlsSummary,
  TranscriptLine,
} from "../../../../shared/schemas/probe-result.ts";

/*
 * A vantage's bulky evidence (the SMTP transcript, every case's addresses and replies, TLS and
 * EHLO details) as one gzip-compressed JSON object in R2, read only to show a report. Keys are
 * `checks/<check id>/<vantage id>.<evidence id>.json.gz`: a report's objects list and delete
 * together by prefix, and `checks/` is the prefix of the bucket's lifecycle rule (README). The
 * evidence id is new for every answer stored, so two deliveries of one job racing to store
 * different answers never overwrite the object of the one D1 kept.
 */

export const StoredEvidence = z.object({
  version: z.literal(1),
  names: ProbeResult.shape.names.nullable(),
  extensions: z.array(z.string()).nullable(),
  tls: TlsSummary.nullable(),
  cases: z.array(CaseResult),
  connections: z.array(ConnectionSummary),
  transcript: z.array(TranscriptLine),
});
export type StoredEvidence = z.infer<typeof StoredEvidence>;

/** What a reader learns of a vantage's evidence. */
export type EvidenceState =
  | { status: "stored"; evidence: StoredEvidence }
  /** The object was deleted by retention (or the bucket's lifecycle rule). */
  | { status: "expired" }
  /** Nothing was stored: the vantage has no answer (pending, failed). */
  | { status: "none" };

export interface EvidenceRef {
  checkId: string;
  vantageId: string;
  evidenceId: string;
}

export function reportPrefix(checkId: string): string {
  return `checks/${checkId}/`;
}

export function evidenceKey(ref: EvidenceRef): string {
  return `${reportPrefix(ref.checkId)}${ref.vantageId}.${ref.evidenceId}.json.gz`;
}

export function newEvidenceId(): string {
  return crypto.randomUUID().slice(0, 8);
}

export function evidenceOf(result: ProbeResult): StoredEvidence {
  return {
    version: 1,
    names: result.names,
    extensions: result.extensions,
    tls: result.tls,
    cases: result.cases,
    connections: result.connections,
    transcript: result.transcript,
  };
}

/** Stores the object; returns its compressed size in bytes. */
export async function putEvidence(
  bucket: R2Bucket,
  ref: EvidenceRef,
  evidence: StoredEvidence,
): Promise<number> {
  const body = await gzip(JSON.stringify(evidence));
  await bucket.put(evidenceKey(ref), body, {
    httpMetadata: { contentType: "application/json", contentEncoding: "gzip" },
  });
  return body.byteLength;
}

/** The stored evidence, or null when the object no longer exists. */
export async function getEvidence(
  bucket: R2Bucket,
  ref: EvidenceRef,
): Promise<StoredEvidence | null> {
  const object = await bucket.get(evidenceKey(ref));
  if (object === null) return null;
  const text = await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
  return StoredEvidence.parse(JSON.parse(text));
}

export async function deleteEvidence(bucket: R2Bucket, refs: readonly EvidenceRef[]) {
  // R2 deletes up to 1,000 keys per call.
  for (let start = 0; start < refs.length; start += 1000) {
    await bucket.delete(refs.slice(start, start + 1000).map(evidenceKey));
  }
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
