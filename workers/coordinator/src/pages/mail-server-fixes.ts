/**
 * The report's fix section: for each mail server software a target may name, what it is called
 * and the configuration that stops it relaying.
 */
import type { MailServerSoftware } from "../../../../shared/probe/mail-server-software.ts";

export const MAIL_SERVER_NAMES: Record<MailServerSoftware, string> = {
  postfix: "Postfix",
  exim: "Exim",
  sendmail: "Sendmail",
  exchange: "Microsoft Exchange",
  opensmtpd: "OpenSMTPD",
  haraka: "Haraka",
};

/** Configuration is the same in every language, so it lives here, untranslated. */
export const FIX_SNIPPETS: Record<MailServerSoftware, string> = {
  postfix: `# /etc/postfix/main.cf
mynetworks = 127.0.0.0/8 [::1]/128
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
# routing tricks (user%domain@host, host!user, "user@domain"@host)
allow_untrusted_routing = no
# then: postfix reload`,
  exim: `# main section
hostlist relay_from_hosts = <; 127.0.0.1 ; ::1

# acl_smtp_rcpt = acl_check_rcpt
acl_check_rcpt:
  deny    local_parts   = ^.*[@%!/|] : ^[.]
  accept  hosts         = +relay_from_hosts
  accept  authenticated = *
  require message       = relay not permitted
          domains       = +local_domains : +relay_to_domains
  accept`,
  sendmail: `dnl sendmail.mc: remove these lines if present
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`relay_entire_domain')dnl
FEATURE(\`relay_local_from')dnl
FEATURE(\`loose_relay_check')dnl

# /etc/mail/access: RELAY only for your own networks
Connect:127.0.0.1      RELAY

# then: make -C /etc/mail   (or m4 sendmail.mc > sendmail.cf; makemap hash access < access)`,
  exchange: `# Exchange Management Shell
Get-ReceiveConnector | Get-ADPermission -User "NT AUTHORITY\\ANONYMOUS LOGON" |
  Where-Object { $_.ExtendedRights -like "ms-Exch-SMTP-Accept-Any-Recipient" }

Remove-ADPermission -Identity "SERVER\\Default Frontend SERVER" \`
  -User "NT AUTHORITY\\ANONYMOUS LOGON" -ExtendedRights "ms-Exch-SMTP-Accept-Any-Recipient"`,
  opensmtpd: `# /etc/mail/smtpd.conf
action "local" maildir
action "outbound" relay
match from any for domain "example.org" action "local"
match from local for any action "outbound"
match auth from any for any action "outbound"
# never: match from any for any action "outbound"`,
  haraka: `# config/plugins: keep "relay" and "rcpt_to.in_host_list", never "relay_all"
relay

# config/relay.ini
[relay]
acl=true

# config/relay_acl_allow: only your own networks
127.0.0.1/32
::1/128

# config/host_list: your own domains
example.org`,
};
