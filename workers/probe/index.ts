/** The probe node on Cloudflare and on self-hosted workerd: the same bundle, configured by env. */
import { connect } from "cloudflare:sockets";
import { createProbeApp } from "../../shared/node/app.ts";

export default createProbeApp({ connect });
