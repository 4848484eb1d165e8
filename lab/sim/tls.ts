import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContext } from "node:tls";

/**
 * The committed lab certificates (lab/certs): `lab` is issued by the lab CA (generate.sh);
 * the others are the odd ones real servers present (generate-odd.sh).
 */
export type LabCertificate = "lab" | "self-signed" | "expired" | "wrong-name" | "tls12";

const FILES: Record<LabCertificate, string> = {
  lab: "lab",
  "self-signed": "self-signed",
  expired: "expired",
  "wrong-name": "wrong-name",
  tls12: "tls12",
};

const cached = new Map<string, SecureContext>();

/** `maxVersion` imitates a server that stops at an older TLS version. */
export function labTlsContext(
  certificate: LabCertificate = "lab",
  maxVersion?: "TLSv1.2",
): SecureContext {
  const key = `${certificate}/${maxVersion ?? ""}`;
  let context = cached.get(key);
  if (!context) {
    const file = (ext: string) =>
      readFileSync(new URL(`../certs/${FILES[certificate]}.${ext}`, import.meta.url));
    context = createSecureContext({
      cert: file("crt"),
      key: file("key"),
      ...(maxVersion ? { maxVersion } : {}),
    });
    cached.set(key, context);
  }
  return context;
}
