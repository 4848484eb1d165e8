/**
 * Real Postfix instances for the lab: each one a private config, queue and log under its
 * workDir, listening on 127.0.0.1:<port> and handing every outbound message to the sink.
 *
 * How it runs: `postfix -c <workDir>/config start` as root. Run by root, Postfix 3.7 takes a
 * non-default config directory without it being listed in `alternate_config_directories`
 * (that list guards unprivileged use of the set-gid postdrop/postqueue, which the lab never
 * uses), so /etc/postfix/main.cf is neither read nor needed ("No configuration" installs have
 * none) and the system instance (port 25) is never started. `postfix start` runs post-install
 * create-missing (queue subdirectories with the right owners) and `master -w`, which
 * daemonises and returns once the master has bound its listeners; smtpd itself starts on the
 * first connection, hence the wait for a greeting.
 */

import { existsSync } from "node:fs";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  checkStartOptions,
  LAB_HOST,
  type MtaInstance,
  type MtaMode,
  type StartMtaOptions,
} from "./instance.ts";
import {
  findProcesses,
  isInside,
  runCommand,
  STOP_GRACE_MS,
  startMta,
  tailOfFile,
  terminateProcess,
} from "./lifecycle.ts";

export type { MtaInstance, MtaMode, StartMtaOptions } from "./instance.ts";

const POSTFIX_COMMAND = "/usr/sbin/postfix";
/** Where Debian installs master, smtpd, qmgr and the other daemons. */
const POSTFIX_DAEMON_DIRECTORY = "/usr/lib/postfix/sbin";

/** Every lab Postfix calls itself `<name>.postfix.lab.test`; the domain is what Postfix derives. */
const POSTFIX_LAB_DOMAIN = "postfix.lab.test";

export function postfixAvailable(): boolean {
  return existsSync(POSTFIX_COMMAND);
}

interface PostfixLayout {
  workDir: string;
  configDir: string;
  queueDir: string;
  dataDir: string;
  mailDir: string;
  logFile: string;
}

function layoutOf(workDir: string): PostfixLayout {
  return {
    workDir,
    configDir: join(workDir, "config"),
    queueDir: join(workDir, "queue"),
    dataDir: join(workDir, "data"),
    mailDir: join(workDir, "mail"),
    logFile: join(workDir, "maillog"),
  };
}

interface MainCfValues {
  layout: PostfixLayout;
  mode: MtaMode;
  name: string;
  hostname: string;
  relayPort: number;
}

/** Relay control is the one thing that differs between the two modes. */
function relayControl(mode: MtaMode): string {
  if (mode === "secure") {
    return `# Postfix's stock relay policy. mynetworks deliberately leaves out 127.0.0.1: the tester
# connects from there and must be treated as an outsider, as it would be on the Internet.
mynetworks = 127.0.0.2/32
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
# "user@other%host" style source routing stays refused, as by default.
allow_untrusted_routing = no
# smtpd_soft_error_limit (10) and smtpd_hard_error_limit (20) stay at their defaults on purpose:
# the tester must cope with a server that hangs up with 421 after too many errors.`;
  }
  return `# The misconfiguration under test, as found in the wild: "my network" is the whole
# Internet, so the stock restrictions permit every client to relay. (A bare "permit" cannot
# be used: smtpd refuses to start unless a list contains reject_unauth_destination or the like.)
mynetworks = 0.0.0.0/0
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination`;
}

function mainCf(values: MainCfValues): string {
  const { layout, hostname, relayPort } = values;
  const sink = `[${LAB_HOST}]:${relayPort}`;
  return `# Written by lab/mta/postfix.ts for the lab instance "${values.name}" (${values.mode}).
# Pin behaviour to the documented 3.6 defaults, whatever Postfix version runs it.
compatibility_level = 3.6

# Private directories, so instances never share a queue or a lock with each other or the system.
queue_directory = ${layout.queueDir}
data_directory = ${layout.dataDir}
# Log through postlogd to a file: works without syslog (containers, CI).
maillog_file = ${layout.logFile}
maillog_file_prefixes = ${layout.workDir}
syslog_name = postfix-${values.name}

# Loopback only, IPv4 only.
inet_interfaces = ${LAB_HOST}
inet_protocols = ipv4

myhostname = ${hostname}
mydomain = ${POSTFIX_LAB_DOMAIN}
myorigin = $myhostname
mydestination = $myhostname, $mydomain, localhost
smtpd_banner = $myhostname ESMTP
biff = no
append_dot_mydomain = no

${relayControl(values.mode)}

# ALL outbound mail goes to the sink, whatever the recipient domain: relayhost covers the
# default route, default_transport and relay_transport pin every non-local route to the same
# place even if a recipient domain ends up in relay_domains.
relayhost = ${sink}
default_transport = smtp:${sink}
relay_transport = smtp:${sink}
# No DNS ever (this replaces the older disable_dns_lookups): the sink is an address literal,
# and a "native" lookup of anything else would only consult /etc/hosts.
smtp_dns_support_level = disabled
smtp_host_lookup = native
# No reverse DNS of clients either; they show up as unknown[127.0.0.1].
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_connect_timeout = 5s

# Mail that cannot reach the sink is retried quickly and given up soon, so a dead sink
# never leaves a lab queue growing for days.
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 30s
maximal_queue_lifetime = 5m
bounce_queue_lifetime = 5m

# Local mail (postmaster, abuse) is accepted at RCPT like on a real server and delivered to
# Maildirs under the workDir; inline aliases need no newaliases run and no /etc/aliases.
alias_maps = inline:{ {postmaster = root}, {abuse = root} }
alias_database =
local_recipient_maps = proxy:unix:passwd.byname $alias_maps
mail_spool_directory = ${layout.mailDir}/
# Never read root's ~/.forward on the host running the lab.
forward_path =
`;
}

/**
 * Only the services this setup uses, none chrooted (a chroot would need copies of /etc files
 * in every queue directory). smtpd listens on the loopback port only.
 */
function masterCf(port: number): string {
  return `# service type private unpriv chroot wakeup maxproc command
${LAB_HOST}:${port} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
`;
}

/**
 * The daemons of this instance: every Postfix daemon works in its queue directory. Used to wait
 * for a stop, and before a start to end what a crashed earlier run left behind (still holding
 * its port and queue), even when its pid file was wiped with the workDir.
 */
async function stopLeftoverDaemons(layout: PostfixLayout): Promise<void> {
  const leftovers = await findProcesses(
    ({ executable, cwd }) =>
      isInside(executable, POSTFIX_DAEMON_DIRECTORY) && isInside(cwd, layout.workDir),
  );
  await Promise.all(leftovers.map((pid) => terminateProcess(pid, STOP_GRACE_MS)));
}

async function stopPostfix(layout: PostfixLayout): Promise<void> {
  await runCommand(POSTFIX_COMMAND, ["-c", layout.configDir, "stop"], {
    timeoutMs: STOP_GRACE_MS,
  });
  // `postfix stop` only signals the master, which signals its children; wait until all are gone.
  await stopLeftoverDaemons(layout);
}

/** Postfix daemons that die on a bad setting say so with "fatal:" in the log, then get throttled. */
async function firstFatalLogLine(layout: PostfixLayout): Promise<string | null> {
  const log = await tailOfFile(layout.logFile, 200);
  return log.split("\n").find((line) => / (fatal|panic): /.test(line)) ?? null;
}

/**
 * Postfix re-reads a main.cf modified within the last second or so, 300 ms at a time, to avoid
 * reading it half-written; every Postfix command would wait ~2 s on a file written just now.
 * Our files are complete when written, so their times are set a minute back.
 */
async function backdateConfig(layout: PostfixLayout): Promise<void> {
  const aMinuteAgo = new Date(Date.now() - 60_000);
  for (const file of ["main.cf", "master.cf"]) {
    await utimes(join(layout.configDir, file), aMinuteAgo, aMinuteAgo);
  }
}

export async function startPostfix(options: StartMtaOptions): Promise<MtaInstance> {
  const layout = layoutOf(resolve(options.workDir));
  checkStartOptions(options, layout.workDir);
  if (!postfixAvailable()) throw new Error(`${POSTFIX_COMMAND} not found: install postfix`);

  return startMta(options, layout.workDir, {
    kind: "postfix",
    domain: POSTFIX_LAB_DOMAIN,
    logFile: layout.logFile,
    stopLeftovers: () => stopLeftoverDaemons(layout),
    async configure(port, hostname) {
      await mkdir(layout.configDir, { recursive: true });
      await mkdir(layout.queueDir, { recursive: true });
      await mkdir(layout.mailDir, { recursive: true });
      // data_directory is left for post-install to create: it must belong to the postfix user.
      await writeFile(
        join(layout.configDir, "main.cf"),
        mainCf({
          layout,
          mode: options.mode,
          name: options.name,
          hostname,
          relayPort: options.relayPort,
        }),
      );
      await writeFile(join(layout.configDir, "master.cf"), masterCf(port));
      await backdateConfig(layout);
    },
    startCommand: [POSTFIX_COMMAND, "-c", layout.configDir, "start"],
    fatalError: () => firstFatalLogLine(layout),
    stop: () => stopPostfix(layout),
  });
}
