/*
 * `cloudflare:sockets` for the root tsconfig, which type-checks with Node's types and not
 * @cloudflare/workers-types. workers/probe/tsconfig.json excludes this file and uses the real
 * declaration, which also proves the real `connect` fits CloudflareConnect.
 */
declare module "cloudflare:sockets" {
  export const connect: import("../../shared/smtp/cloudflare-stream.ts").CloudflareConnect;
}
