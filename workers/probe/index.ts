/** The probe node on Cloudflare and on self-hosted workerd: the same bundle, configured by env. */
import { connect } from "cloudflare:sockets";
import type { EveryVarIsRead } from "../../shared/schemas/env-vars.ts";
import { cloudflareConnector } from "../../shared/smtp/cloudflare-stream.ts";
import { createProbeApp } from "./app.ts";
import type { NodeVariableName } from "./config.ts";

/** A compile error here names a wrangler.toml var the node's config (NodeEnv) does not read. */
const _everyVarIsRead: EveryVarIsRead<keyof Env, NodeVariableName> = true;

export default createProbeApp({
  connector: cloudflareConnector(connect),
  runtimes: ["cloudflare", "workerd"],
});
