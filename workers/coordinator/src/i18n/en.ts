import type { Messages } from "./messages.ts";

export const en: Messages = {
  languageName: "English",
  skipToContent: "Skip to content",
  siteTitle: "Relaywatch",
  tagline: "Is your mail server an open relay? Test it from several networks, with proof.",
  languageSwitchLabel: "Language",
  form: {
    heading: "Check a mail server",
    label: "Domain or mail server",
    hint: "A domain (example.org: its MX hosts are tested), a mail server with an optional port (mx.example.org:587), or an address (192.0.2.1, [2001:db8::1]:25).",
    submit: "Check for open relay",
    refusedLead: "This cannot be checked:",
    invalidPort: "The port must be a number from 1 to 65535.",
    turnstileFailed:
      "The anti-abuse challenge was not passed. Please complete it and submit again.",
    noInput: "Enter a domain or a mail server first.",
    privacy:
      "Every recipient is in our own domain. Where the server accepts one, a short, clearly labelled test message is sent to it (at most 3 per vantage), so that its arrival proves the relay; nothing goes to anyone else.",
    // The server's own English messages say it all.
    implicitTlsLabel: "TLS from the first byte (SMTPS)",
    implicitTlsHint:
      "Only for a server that speaks TLS before its greeting on a port other than 465; port 465 always does.",
    refusals: {},
  },
  report: {
    title: (target) => `Relay test of ${target}`,
    target: "Target",
    port: "Port",
    status: "Status",
    startedAt: "Started",
    statusNames: { queued: "queued", running: "running", done: "finished", failed: "failed" },
    progressHeading: "Progress",
    progressNote: "This page refreshes by itself until the test is finished.",
    vantageStates: { pending: "testing…", done: "done", failed: "failed" },
    verdictHeading: "Verdict",
    verdictNames: {
      open: "Open relay",
      suspect: "Suspicious: possibly an open relay",
      closed: "Not an open relay",
      inconclusive: "Inconclusive",
    },
    noVerdict: "No verdict",
    verdictLabels: {
      "open (confirmed)": "open (confirmed): a test message was delivered through it",
      "open (accepted, unconfirmed)": "open (accepted, unconfirmed)",
      suspect: "suspect",
      closed: "closed",
      inconclusive: "inconclusive",
    },
    awaitingDelivery: "awaiting delivery of the test message",
    deliveryNames: {
      confirmed: "delivered",
      pending: "awaiting delivery",
      "not-delivered": "not delivered",
    },
    handedOverBy: "Handed to our canary mail server by",
    receivedChain: "Hosts the message passed (Received headers, last hop first)",
    reason: "Why",
    disagreement: "Where the vantages disagree",
    refusedHeading: "Addresses not tested",
    resultsHeading: "Results per mail server, address and vantage",
    mxHost: "Mail server",
    address: "Address",
    vantage: (region, network) => `Vantage ${region} (${network})`,
    vantageVerdict: "Verdict from this vantage",
    columns: {
      id: "Case",
      mailFrom: "MAIL FROM",
      rcptTo: "RCPT TO",
      outcome: "Outcome",
      reply: "Reply",
      delivery: "Delivery",
    },
    outcomeNames: {
      accepted: "accepted",
      refused: "refused",
      deferred: "deferred",
      "auth-required": "authentication required",
      untested: "not tested",
      error: "error",
    },
    transcriptSummary: (caseId, conn) =>
      conn === null ? `SMTP log of ${caseId}` : `SMTP log of ${caseId} (connection ${conn})`,
    noTranscript: "No SMTP log for this case.",
    notFound: "There is no check with this id.",
    newCheck: "Check another server",
  },
  advice: {
    heading: "What was accepted, and how to fix it",
    jumpLink: "How to fix it",
    intro:
      "Each trick below was accepted by your server: it agreed to take mail for a recipient outside your domains from a client that had not authenticated.",
    acceptedCases: "Accepted cases",
    meaning: "What it means",
    danger: "Why it is dangerous",
    fix: "What to change",
    fixHeading: "Relay rules, per mail server",
    fixIntro:
      "The principle is the same everywhere: relay only for your own networks and for authenticated users; for everyone else accept only recipients in your own domains.",
    families: {
      "local-sender": {
        title: "Trusting a local-looking sender",
        meaning:
          "The server relayed because the sender address looked local: unqualified, localhost, your own domain, host name or address, or postmaster.",
        danger:
          "The sender address is whatever the client types. Any spammer can write your domain in MAIL FROM and use your server to send anywhere, under your IP's reputation.",
        fix: "Never grant relay by sender address. Remove sender-based permits (Postfix check_sender_access … OK before reject_unauth_destination; Sendmail FEATURE(`relay_local_from') and FEATURE(`relay_mail_from'); Exim ACL accept rules on senders = or sender_domains =). Relay must depend on the client network or authentication only.",
      },
      "foreign-sender": {
        title: "Relaying for anyone",
        meaning:
          "The server relayed mail from an outside sender to an outside recipient: it relays for everybody.",
        danger:
          "This is a fully open relay. It is found by scanners within hours, abused for spam and phishing, and your IP will be put on block lists, so your own mail stops being delivered.",
        fix: "Apply the relay rules below. Check that the client address seen by the server is the real one: behind a proxy or a NAT that rewrites addresses, every client looks local and falls into mynetworks / relay_from_hosts.",
      },
      "null-sender": {
        title: "Relaying for the null sender",
        meaning:
          "The server relayed a message with the empty sender <>, which only bounces should use.",
        danger:
          "Spammers send with <> precisely because some servers exempt bounces from checks; the mail still goes to any recipient.",
        fix: "Do not exempt <> from the relay check (Postfix: no <> OK entry in check_sender_access before reject_unauth_destination; Exim: no accept senders = : before the relay check). Bounces to outside recipients come from your own users' sent mail and are generated locally.",
      },
      "percent-hack": {
        title: "Percent hack (user%other.domain@your.host)",
        meaning:
          "The server accepted user%other.domain@your-host, an old routing form that asks your server to forward the mail to other.domain.",
        danger:
          "If the server rewrites the address and forwards it, anyone can relay through it by putting the real recipient before the %.",
        fix: "Refuse sender-specified routing from untrusted clients (Postfix: allow_untrusted_routing = no, which is the default; Exim: leave percent_hack_domains unset; Sendmail: remove FEATURE(`loose_relay_check')). A catch-all mailbox that swallows such addresses is harmless, but refusing them is cleaner.",
      },
      "bang-path": {
        title: "UUCP bang path (other.domain!user)",
        meaning:
          "The server accepted other.domain!user, the UUCP form that routes mail through the host before the !.",
        danger:
          "A server that still converts bang paths (Postfix swap_bangpath) will forward the mail to other.domain for anyone.",
        fix: "Refuse sender-specified routing from untrusted clients (Postfix: allow_untrusted_routing = no, or swap_bangpath = no; Exim's default ACL denies local parts containing !; Sendmail: do not enable UUCP relaying). Nobody needs bang paths on the Internet today.",
      },
      "quoted-local-part": {
        title: "Quoted or doubled addresses",
        meaning:
          'The server accepted a foreign address hidden in a quoted local part ("user@other.domain"@your-host) or with two at-signs.',
        danger:
          "Servers that unquote or re-parse the address may deliver to the foreign domain, bypassing a relay check that only looked at the last domain.",
        fix: "Refuse local parts that contain @, % or ! (Exim's default ACL: deny local_parts = ^.*[@%!/|]; Postfix: allow_untrusted_routing = no plus a strict recipient check such as reject_unlisted_recipient). Keep the software up to date: these are parser bugs.",
      },
      "source-route": {
        title: "Source route (<@your.host:user@other.domain>)",
        meaning:
          "The server accepted an RFC 821 source route, which asks it to pass the mail on to other.domain.",
        danger:
          "Source routes are obsolete (RFC 5321 says to ignore them); a server that honours them relays for anyone who writes one.",
        fix: "Current Postfix and Exim strip source routes and judge the final address; if yours accepts them, the relay rules are too wide or the software is very old. Apply the relay rules below and upgrade.",
      },
      spelling: {
        title: "Trailing dot or upper-case domain",
        meaning:
          "The server relayed when a domain was written as other.domain. (with a final dot) or in upper case.",
        danger:
          "A relay rule that compares domain names as plain text, case-sensitively or without removing the final dot, lets anyone through by changing the spelling.",
        fix: "Remove hand-written domain matching from the relay decision (regexp or pcre tables, custom ACL conditions). Let the server's own check (reject_unauth_destination, domains = +local_domains) decide; if you must match, compare case-insensitively and strip the final dot.",
      },
    },
    servers: {
      postfix:
        "Postfix (main.cf): permit only your networks and authenticated users, then reject other destinations. Keep mynetworks to the hosts that really submit mail; never a whole provider's range.",
      exim: "Exim: list only trusted hosts in relay_from_hosts, and in acl_smtp_rcpt accept those and authenticated clients, then require a local or relay domain.",
      sendmail:
        "Sendmail (sendmail.mc): remove FEATURE(`promiscuous_relay') and FEATURE(`relay_entire_domain'), check the access database for Connect: or To: entries with RELAY, rebuild sendmail.cf and restart.",
      exchange:
        'Microsoft Exchange: on the receive connectors that face the Internet, anonymous users must not have "Accept any recipient" (ms-Exch-SMTP-Accept-Any-Recipient). For applications that need to relay, use a dedicated connector limited to their addresses.',
      opensmtpd:
        'OpenSMTPD (smtpd.conf): use the "relay" action only for match from local or match auth from any; mail from any other client may only go to your own domains.',
    },
    retest: "After the change, run the test again from this page.",
  },
  badge: {
    heading: "Embed a badge",
    intro: "Show the current result on your site; the badge links to this report.",
    html: "HTML",
    markdown: "Markdown",
  },
  history: {
    heading: "History",
    empty: "No earlier checks of this target.",
    current: "this check",
  },
};
