import { API_COULD_NOT_TEST_WORDS } from "../../../../shared/verdict/could-not-test.ts";
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
    crossSite: "This form only accepts submissions from this site's own page.",
    tooLarge: "The form submission is too large.",
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
    port: "Port",
    statusNames: { queued: "queued", running: "running", done: "finished", failed: "failed" },
    progressHeading: "Progress",
    progressNote: "This page refreshes by itself until the test is finished.",
    vantageStates: {
      pending: "testing…",
      done: "done",
      failed: "failed",
      untestable: "could not test",
    },
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
    delivery: "Delivery",
    origin: (asns, name) => `Network of this address: ${asns}${name ? ` (${name})` : ""}`,
    originUnknown: "Network of this address: unknown (the AS lookup failed)",
    outsideVantages: (count) =>
      `Independent vantages outside the target's network that answered: ${count} (vantages that ran in the same place count once)`,
    notCorroborated:
      "Fewer than 2: a closed verdict is not corroborated, and the badge stays grey.",
    unavailable: (vantages) => `Unavailable when this check was planned: ${vantages}`,
    listedVantage: (zones) =>
      `This vantage is listed on ${zones}: refusals from it may be about the listing, and it does not count toward a green badge.`,
    outcomeNames: {
      accepted: "accepted",
      refused: "refused",
      "message-refused": "accepted at RCPT, message refused (sampled)",
      deferred: "deferred",
      "auth-required": "authentication required",
      untested: "not tested",
      error: "error",
    },
    stepNames: {
      connect: "connect",
      banner: "greeting",
      ehlo: "EHLO",
      starttls: "STARTTLS",
      mail: "MAIL",
      rcpt: "RCPT",
      data: "DATA",
    },
    decidedAt: (step) => `decided at ${step}`,
    transcriptSummary: (caseId, conn) =>
      conn === null ? `SMTP log of ${caseId}` : `SMTP log of ${caseId} (connection ${conn})`,
    noTranscript: "No SMTP log for this case.",
    evidenceExpired: (days) =>
      `The SMTP log and the replies of this vantage have expired: they are kept for ${days} days. The verdict and each case's outcome remain.`,
    outcomesExpired: (days) =>
      `The case outcomes of this vantage have expired: they are kept for ${days} days. Its verdict remains.`,
    notFound: "There is no check with this id.",
    newCheck: "Check another server",
  },
  advice: {
    heading: "What was accepted, and how to fix it",
    intro:
      "Each trick below was accepted by your server: it agreed to take mail for a recipient outside your domains from a client that had not authenticated.",
    acceptedCases: "Accepted cases",
    meaning: "What it means",
    danger: "Why it is dangerous",
    fix: "What to change",
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
      haraka:
        "Haraka: enable the relay plugin with acl=true, list only your own networks in relay_acl_allow, keep your domains in host_list, and never load relay_all.",
    },
    retest: "After the change, run the test again from this page.",
  },
  couldNotTest: {
    serverDidLabel: "What the server did",
    whatToDoLabel: "What you can do",
    ...API_COULD_NOT_TEST_WORDS,
  },
  probes: {
    title: "Our probes",
    intro:
      "Relaywatch tests whether a mail server relays mail for strangers. If you found one of these probes in your mail log, this page says who connected, what it did, and how to make it stop.",
    whoHeading: "Who connects",
    columns: {
      node: "Probe",
      region: "Region",
      site: "Where it runs",
      network: "Network (AS)",
      egress: "Addresses",
      reverseName: "Reverse DNS",
      ehloName: "EHLO name",
      ports: "Ports it tests",
      status: "Blocklists",
      atOnce: "Tests at once, at most",
    },
    listedOn: (zones) => `listed on ${zones}: refusals from it may be about the listing`,
    colo: (code) => `Cloudflare ${code}`,
    notListed: "not listed",
    noProbes: "No probe is active at the moment.",
    notLookedUp: "not looked up yet",
    doesHeading: "What a check does",
    does: ({ connections, atOnce, messages, canaryDomain }) => [
      "It connects to the mail servers of the domain someone asked about (or the one server they named), says EHLO with the probe's name above, and tries the relay tricks testers have used since the 1990s: MAIL FROM and RCPT TO pairs, each refused by a correctly configured server.",
      `At most ${connections} connections to one address from one probe, and at most ${atOnce} at a time.`,
      `Every recipient is in our own canary domain, ${canaryDomain}. Where a server accepts one, at most ${messages} short, clearly labelled test messages go to that domain, so their arrival proves the relay.`,
      "A server that has been checked is not checked again for a while, whoever asks.",
    ],
    neverHeading: "What a check never does",
    never: [
      "It never sends a message to anyone but our own canary domain, and never with a sender outside the canary domain or the tested server's own names, so no bounce reaches a third party.",
      "It never tries passwords, never authenticates and never scans other ports or hosts.",
      "It never tests private, loopback or reserved addresses.",
    ],
    capsHeading: "Limits of each probe",
    caps: ({ perMinute, perPrefixPerHour }) =>
      `Each probe starts at most ${perMinute} tests a minute, and at most ${perPrefixPerHour} tests an hour to the addresses of one network (an IPv4 /24 or an IPv6 /48), whoever asks, and no more at once than its row above says. Anything more waits.`,
    optOutHeading: "How to opt out",
    optOutDomain:
      'The owner of a domain publishes a TXT record _relaywatch.<domain> with the text "v=rw1; optout". Checks of that domain are then refused.',
    optOutAddress:
      "The owner of an address publishes the same TXT record under the address's reverse DNS name, for example _relaywatch.4.3.2.1.in-addr.arpa for 1.2.3.4. That covers every name whose mail goes to the address.",
    optOutOperator: (contact) =>
      `Or write to ${contact}: we add the domain, address or network to our own list.`,
    optOutDelay: (minutes) =>
      `Relaywatch honours a new or removed record within ${minutes} minutes. To be tested again, remove the record.`,
    contactHeading: "Abuse contact",
    contact: (contact) => `Questions or complaints about our probes: ${contact}.`,
    allowHeading: "Letting our probes through",
    allow:
      "A blocklist, a rate limit, greylisting or a tarpit makes our result inconclusive, which is not a failure of your relay protection. To get a full result, allow the addresses above for SMTP.",
  },
  summary: {
    tricksHeading: "What was accepted",
    noTricks: "No relay trick was accepted.",
    from: "from",
    on: "on",
    delivered: "a test message arrived through it",
    more: (count) => `and ${count} more in the table below`,
    fixHeading: "How to fix it",
    detected: (software) => `The server says it runs ${software}:`,
    evidence: "It said",
    unknownServer:
      "The server does not say which software it runs. Relay only for your own networks and for authenticated users; the rules for each mail server are below.",
    otherServers: "Other mail servers",
    copy: "Copy",
    copied: "Copied",
  },
  matrix: {
    heading: "Every case, from every vantage",
    intro: "Open a cell for that case's SMTP exchange.",
    caption: (addresses) => `Cases tried on ${addresses}`,
    caseColumn: "Case",
    outcomeNames: {
      accepted: "accepted",
      delivered: "delivered",
      refused: "refused",
      untested: "not tested",
      unanswered: "no answer",
    },
    legend: "Symbols",
    sameAs: (count) => `${count} vantages saw the same`,
    sameAddresses: (count) => `the same on ${count} addresses`,
    targetsHeading: "Mail servers and addresses",
    targetColumns: { host: "Mail server", address: "Address", verdicts: "Verdict per vantage" },
    otherGroups: (count) =>
      count === 1
        ? "1 more address group with other results"
        : `${count} more address groups with other results`,
    exchangeHint: "Select a cell to see its exchange here.",
  },
  vantages: {
    heading: "Where the vantages ran",
    outsideCount: (count) =>
      `${count} independent ${count === 1 ? "vantage" : "vantages"} outside the target's network tested it`,
    listedAmong: (listed) =>
      listed === 1
        ? "; 1 of them is listed on a DNS blocklist, so its refusals do not count toward the badge"
        : `; ${listed} of them are listed on a DNS blocklist, so their refusals do not count toward the badge`,
    details: "where each ran",
    columns: { vantage: "Vantage", ranAt: "Ran at", network: "Network", counted: "Counted?" },
    counted: "yes: an independent vantage outside the target's network",
    insideMark: "inside the target's network",
    insideFor: (addresses) =>
      `no for ${addresses}: inside its network (same AS), shown but not counted as outside`,
    tlsNotTestable: (addresses) =>
      `no for ${addresses}: TLS not testable from this vantage (its runtime verifies every certificate; no fault of the server)`,
    testedInstead: (vantages) => `tested instead from ${vantages}`,
    noneInstead: "no vantage on Node.js could test it instead",
    failed: (address, reason) => `no for ${address}: could not test (${reason})`,
    certificatesHeading: "Certificates",
    certificatesIntro:
      "As recorded by vantages on Node.js, which speak TLS with any certificate, as most mail servers do.",
    certColumns: {
      address: "Address",
      recordedBy: "Recorded from",
      subject: "Subject",
      issuer: "Issuer",
      validity: "Valid",
      verifies: "Would verify?",
    },
    verifiesYes: "yes",
    verifiesNo: (why) => `no: ${why}`,
    unknown: "unknown",
  },
  exchange: {
    title: (caseId, vantage) => `${caseId} from ${vantage}`,
    noLines: "The log of this connection does not hold this case.",
    fullTranscript: "Full transcript of this vantage",
    back: "Back to the report",
    notFound: "There is no such case in this report.",
  },
  progress: {
    answered: (answered, total) => `${answered} of ${total} cases answered`,
    waiting: "starting…",
    slow: (seconds) =>
      `The server answers slowly or asks us to come back later (a tarpit or greylisting): about ${seconds} s left.`,
    casesSoFar: "Cases answered so far",
  },
  again: {
    button: "Check again",
    waitFor: (seconds) => `Check again (possible in ${seconds} s)`,
    changesHeading: "Since the previous check",
    previous: "previous report",
    nowRefused: "Now refused",
    nowAccepted: "Now accepted",
    noChanges: "No case changed.",
  },
  downloads: {
    heading: "Downloads",
    json: "Report (JSON)",
    transcripts: "Transcripts (plain text)",
  },
  domainPage: {
    title: (domain) => `Relay history of ${domain}`,
    latest: "Latest verdict",
    noChecks: "This domain has not been checked yet.",
    timelineHeading: "Verdicts over time",
    timelineLabel: (domain, count) => `Timeline of the last ${count} verdicts of ${domain}`,
    reportsHeading: "Reports",
    invalid: "That is not a domain name.",
    link: "History of this domain",
  },
  badge: {
    heading: "Embed a badge",
    intro: "Show the current result on your site; the badge links to this report.",
    html: "HTML",
    markdown: "Markdown",
    restructuredText: "reStructuredText",
  },
  history: {
    heading: "History",
    empty: "No earlier checks of this target.",
    current: "this check",
  },
};
