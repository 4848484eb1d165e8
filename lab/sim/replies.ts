/** One reply as a server writes it: a code and one or more lines of text. */
export interface SmtpReply {
  code: number;
  lines: readonly string[];
}

export function reply(code: number, ...lines: string[]): SmtpReply {
  return { code, lines: lines.length > 0 ? lines : [""] };
}

/** Each line of the reply with its `code-` or final `code ` prefix and CRLF. */
export function replyLines(smtpReply: SmtpReply): string[] {
  const last = smtpReply.lines.length - 1;
  return smtpReply.lines.map(
    (text, index) => `${smtpReply.code}${index === last ? " " : "-"}${text}\r\n`,
  );
}

export function formatReply(smtpReply: SmtpReply): string {
  return replyLines(smtpReply).join("");
}

/**
 * The wording of one server software. Reply codes carry the meaning; the text is here so
 * transcripts look like the real thing and a tester's parser meets realistic input.
 */
export interface Dialect {
  helo(clientName: string): SmtpReply;
  ehlo(keywords: readonly string[]): SmtpReply;
  mailOk(sender: string): SmtpReply;
  rcptOk(recipient: string): SmtpReply;
  startData: SmtpReply;
  queued(queueId: string): SmtpReply;
  reset: SmtpReply;
  noop: SmtpReply;
  verify(argument: string): SmtpReply;
  quit: SmtpReply;
  unknownCommand: SmtpReply;
  lineTooLong: SmtpReply;
  syntax(usage: string): SmtpReply;
  badRecipientSyntax: SmtpReply;
  nestedMail: SmtpReply;
  needMail: SmtpReply;
  needRcpt: SmtpReply;
  noValidRecipients: SmtpReply;
  tooManyRecipients: SmtpReply;
  sizeExceeded: SmtpReply;
  messageTooBig: SmtpReply;
  relayDenied(recipient: string): SmtpReply;
  userUnknown(recipient: string): SmtpReply;
  tooManyErrors: SmtpReply;
  tooManyNonMailCommands: SmtpReply;
  improperPipelining(subject: string): SmtpReply;
  timeout: SmtpReply;
  readyForTls: SmtpReply;
  tlsAlreadyActive: SmtpReply;
}

/** Postfix's wording (smtpd), which every lab server speaks unless it imitates something else. */
export function postfixDialect(hostname: string): Dialect {
  return {
    helo: () => reply(250, hostname),
    ehlo: (keywords) => reply(250, hostname, ...keywords),
    mailOk: () => reply(250, "2.1.0 Ok"),
    rcptOk: () => reply(250, "2.1.5 Ok"),
    startData: reply(354, "End data with <CR><LF>.<CR><LF>"),
    queued: (queueId) => reply(250, `2.0.0 Ok: queued as ${queueId}`),
    reset: reply(250, "2.0.0 Ok"),
    noop: reply(250, "2.0.0 Ok"),
    verify: (argument) => reply(252, `2.0.0 ${argument}`),
    quit: reply(221, "2.0.0 Bye"),
    unknownCommand: reply(502, "5.5.2 Error: command not recognized"),
    lineTooLong: reply(500, "5.5.0 Error: line too long"),
    syntax: (usage) => reply(501, `5.5.4 Syntax: ${usage}`),
    badRecipientSyntax: reply(501, "5.1.3 Bad recipient address syntax"),
    nestedMail: reply(503, "5.5.1 Error: nested MAIL command"),
    needMail: reply(503, "5.5.1 Error: need MAIL command"),
    needRcpt: reply(503, "5.5.1 Error: need RCPT command"),
    noValidRecipients: reply(554, "5.5.1 Error: no valid recipients"),
    tooManyRecipients: reply(452, "4.5.3 Error: too many recipients"),
    sizeExceeded: reply(552, "5.3.4 Message size exceeds fixed limit"),
    messageTooBig: reply(552, "5.3.4 Error: message file too big"),
    relayDenied: (recipient) => reply(554, `5.7.1 <${recipient}>: Relay access denied`),
    userUnknown: (recipient) =>
      reply(
        550,
        `5.1.1 <${recipient}>: Recipient address rejected: User unknown in local recipient table`,
      ),
    tooManyErrors: reply(421, `4.7.0 ${hostname} Error: too many errors`),
    tooManyNonMailCommands: reply(421, "4.7.0 too many nonmail commands"),
    improperPipelining: (subject) =>
      reply(503, `5.5.0 <${subject}>: Improper use of SMTP command pipelining`),
    timeout: reply(421, `4.4.2 ${hostname} Error: timeout exceeded`),
    readyForTls: reply(220, "2.0.0 Ready to start TLS"),
    tlsAlreadyActive: reply(554, "5.5.1 Error: TLS already active"),
  };
}
