/**
 * Real Exim instances for the lab, next to Postfix. Debian's exim4 packages cannot be installed
 * beside postfix (both are the mail-transport-agent), so scripts/install-system-deps.sh unpacks
 * exim4-daemon-light under lab-run/exim-dist; a system-installed /usr/sbin/exim4 is used too.
 *
 * How it runs: `exim4 -C <workDir>/exim.conf -bd -q10s` as root. The daemon forks into the
 * background and keeps root; the processes it re-executes for deliveries and queue runs drop to
 * the Debian-exim user because of -C (logged as "exim user lost privilege for using -C
 * option"), which is why the spool, log and mailbox directories belong to that user.
 */

import { existsSync, readFileSync } from "node:fs";
import { chown, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkStartOptions,
  LAB_HOST,
  type MtaInstance,
  type MtaMode,
  type StartMtaOptions,
} from "./instance.ts";
import {
  findProcesses,
  STOP_GRACE_MS,
  startMta,
  tailOfFile,
  terminateProcess,
} from "./lifecycle.ts";

export type { MtaInstance, MtaMode, StartMtaOptions } from "./instance.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Where scripts/install-system-deps.sh unpacks the .deb, then a real install. */
const EXIM_BINARY_CANDIDATES = [
  join(REPO_ROOT, "lab-run/exim-dist/usr/sbin/exim4"),
  "/usr/sbin/exim4",
];
/** Compiled into Debian's binary, which exits at once if this user does not exist. */
const EXIM_USER = "Debian-exim";

const EXIM_LAB_DOMAIN = "exim.lab.test";

function eximBinary(): string | null {
  return EXIM_BINARY_CANDIDATES.find((candidate) => existsSync(candidate)) ?? null;
}

/** uid and gid of the Exim user, from /etc/passwd (no getpwnam in Node). */
function eximUserIds(): { uid: number; gid: number } | null {
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [name, , uid, gid] = line.split(":");
      if (name === EXIM_USER) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    return null;
  }
  return null;
}

export function eximAvailable(): boolean {
  return eximBinary() !== null && eximUserIds() !== null;
}

interface EximLayout {
  workDir: string;
  configFile: string;
  spoolDir: string;
  logDir: string;
  mailDir: string;
  pidFile: string;
}

function layoutOf(workDir: string): EximLayout {
  return {
    workDir,
    configFile: join(workDir, "exim.conf"),
    spoolDir: join(workDir, "spool"),
    logDir: join(workDir, "log"),
    mailDir: join(workDir, "mail"),
    pidFile: join(workDir, "exim.pid"),
  };
}

interface EximConfValues {
  layout: EximLayout;
  binary: string;
  name: string;
  mode: MtaMode;
  hostname: string;
  port: number;
  relayPort: number;
}

/** Relay control is the one thing that differs between the two modes. */
function relayFromHosts(mode: MtaMode): string {
  if (mode === "secure") {
    return `# Exim's default: no host may relay. 127.0.0.1, where the tester connects from, is an
# outsider like any other.
hostlist relay_from_hosts =`;
  }
  return `# The misconfiguration under test: every IPv4 host may relay to anywhere.
hostlist relay_from_hosts = 0.0.0.0/0`;
}

function eximConf(values: EximConfValues): string {
  const { layout } = values;
  return `# Written by lab/mta/exim.ts for the lab instance "${values.name}" (${values.mode}).
primary_hostname = ${values.hostname}
qualify_domain = ${EXIM_LAB_DOMAIN}
# "@" is primary_hostname; postmaster@ these domains is accepted, as on any real server.
domainlist local_domains = @ : ${EXIM_LAB_DOMAIN} : localhost
domainlist relay_to_domains =
${relayFromHosts(values.mode)}

# Loopback only, on the lab port; no STARTTLS (there is no certificate to offer).
local_interfaces = ${LAB_HOST}
daemon_smtp_ports = ${values.port}
# A port already in use is an error at once, not nine retries 30 s apart.
daemon_startup_retries = 0
tls_advertise_hosts =
smtp_banner = $primary_hostname ESMTP

# Everything of this instance lives in its workDir.
spool_directory = ${layout.spoolDir}
log_file_path = ${layout.logDir}/%slog
pid_file_path = ${layout.pidFile}
# Deliveries and queue runs re-execute this binary, which is not at the compiled-in path.
exim_path = ${values.binary}
# Start every re-executed process with an empty environment (and no warning about it).
keep_environment =

# No DNS and no connections anywhere but the sink: no reverse lookup of clients, no ident
# (RFC 1413) call back to them.
host_lookup =
rfc1413_hosts =

# Left at Exim's defaults on purpose, as the tester meets them on the Internet:
# smtp_accept_max_nonmail = 10 (the 11th non-mail command after the greeting, such as NOOP, VRFY
# or another HELO, is answered 554 and the connection dropped) and
# smtp_max_unknown_commands = 3 (the 4th unknown command ends the session).

# Undeliverable mail and bounces are given up soon, so a dead sink never fills the spool.
ignore_bounce_errors_after = 5m
timeout_frozen_after = 5m

acl_smtp_rcpt = acl_check_rcpt
log_selector = +smtp_connection +smtp_protocol_error +smtp_syntax_error

begin acl

# Exim's own default RCPT ACL, without sender verification (it would look up sender domains in
# the DNS).
acl_check_rcpt:
  accept hosts = :
  deny domains = +local_domains
       local_parts = ^[.] : ^.*[@%!/|]
       message = restricted characters in address
  deny domains = !+local_domains
       local_parts = ^[./|] : ^.*[@%!] : ^.*/\\\\.\\\\./
       message = restricted characters in address
  accept local_parts = postmaster
         domains = +local_domains
  accept hosts = +relay_from_hosts
         control = submission
  accept authenticated = *
  require message = relay not permitted
          domains = +local_domains : +relay_to_domains
  # Only local domains get here, so this routes through the local routers: no DNS.
  require verify = recipient
  accept

begin routers

# ALL mail for other domains goes to the sink, an address literal: nothing is looked up.
to_sink:
  driver = manualroute
  domains = ! +local_domains
  transport = to_sink_smtp
  route_list = * ${LAB_HOST}
  # The sink is on a local address; deliver there instead of freezing the message as a loop.
  self = send
  no_more

local_mailbox:
  driver = accept
  domains = +local_domains
  local_parts = postmaster : abuse : root
  transport = local_mailbox_file

begin transports

to_sink_smtp:
  driver = smtp
  port = ${values.relayPort}
  # The sink shares 127.0.0.1 with us; without this Exim refuses to connect to "itself".
  allow_localhost
  hosts_avoid_tls = *
  hosts_try_dane =
  hosts_try_fastopen =

local_mailbox_file:
  driver = appendfile
  file = ${layout.mailDir}/local-mailbox
  user = ${EXIM_USER}
  delivery_date_add
  envelope_to_add
  return_path_add

begin retry

# Retry every 10 s and give up after 5 minutes, whatever failed.
*  *  F,5m,10s
`;
}

/**
 * Every process of an instance, the daemon and what it forked or re-executed, carries
 * `-C <its config>` on its command line: that finds them without trusting a pid file. A second
 * look catches anything the daemon forked while the first round was being stopped.
 */
async function stopEximProcesses(layout: EximLayout): Promise<void> {
  const usesOurConfig = ({ argv }: { argv: string[] }) =>
    argv.some((arg, index) => arg === layout.configFile && argv[index - 1] === "-C");
  for (let round = 0; round < 3; round++) {
    const ours = await findProcesses(usesOurConfig);
    if (ours.length === 0) return;
    await Promise.all(ours.map((pid) => terminateProcess(pid, STOP_GRACE_MS)));
  }
}

/**
 * The panic log holds only trouble, except the notice that re-executed processes dropped
 * root because of -C, which this setup expects.
 */
async function firstPanic(layout: EximLayout): Promise<string | null> {
  const panics = await tailOfFile(join(layout.logDir, "paniclog"), 200);
  return (
    panics
      .split("\n")
      .find((line) => line.trim() !== "" && !line.includes("lost privilege for using -C")) ?? null
  );
}

export async function startExim(options: StartMtaOptions): Promise<MtaInstance> {
  const layout = layoutOf(resolve(options.workDir));
  checkStartOptions(options, layout.workDir);
  const binary = eximBinary();
  const user = eximUserIds();
  if (binary === null || user === null) {
    throw new Error("Exim is not available: run scripts/install-system-deps.sh");
  }

  return startMta(options, layout.workDir, {
    kind: "exim",
    domain: EXIM_LAB_DOMAIN,
    logFile: join(layout.logDir, "mainlog"),
    stopLeftovers: () => stopEximProcesses(layout),
    async configure(port, hostname) {
      for (const directory of [layout.spoolDir, layout.logDir, layout.mailDir]) {
        await mkdir(directory);
        await chown(directory, user.uid, user.gid);
      }
      // Exim refuses a configuration file that anyone but root (or its user) could have written.
      await writeFile(
        layout.configFile,
        eximConf({
          layout,
          binary,
          name: options.name,
          mode: options.mode,
          hostname,
          port,
          relayPort: options.relayPort,
        }),
        { mode: 0o644 },
      );
    },
    startCommand: [binary, "-C", layout.configFile, "-bd", "-q10s"],
    fatalError: () => firstPanic(layout),
    stop: () => stopEximProcesses(layout),
  });
}
