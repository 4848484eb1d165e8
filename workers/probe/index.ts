/** The probe node on Cloudflare and on self-hosted workerd: the same bundle, configured by env. */
import { connect } from "cloudflare:sockets";
import { cloudflareConnector } from "../../shared/smtp/cloudflare-stream.ts";
import { createProbeApp } from "./app.ts";

export default createProbeApp({
  connector: cloudflareConnector(connect),
  runtimes: ["cloudflare", "workerd"],
});
