import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContext } from "node:tls";

/** The committed self-signed lab certificate (test/lab/certs, see generate.sh there). */
const CERT_URL = new URL("../certs/lab.crt", import.meta.url);
const KEY_URL = new URL("../certs/lab.key", import.meta.url);

let cached: SecureContext | null = null;

export function labTlsContext(): SecureContext {
  cached ??= createSecureContext({ cert: readFileSync(CERT_URL), key: readFileSync(KEY_URL) });
  return cached;
}
