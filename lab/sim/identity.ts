/** The names a lab server answers to and the mailboxes it really has. */
export class ServerIdentity {
  readonly hostname: string;
  readonly domain: string;
  private readonly ownNames: ReadonlySet<string>;
  private readonly users: ReadonlySet<string>;

  constructor(options: {
    hostname: string;
    domain: string;
    localUsers: readonly string[];
    /** The listening address, so `user@[127.0.0.1]` counts as local like on a real MTA. */
    address: string;
    extraNames?: readonly string[];
  }) {
    this.hostname = options.hostname.toLowerCase();
    this.domain = options.domain.toLowerCase();
    this.users = new Set(options.localUsers.map((user) => user.toLowerCase()));
    // Like Postfix's default mydestination: its own names plus localhost.
    this.ownNames = new Set(
      [
        this.hostname,
        this.domain,
        "localhost",
        `[${options.address}]`,
        ...(options.extraNames ?? []),
      ].map((name) => name.toLowerCase()),
    );
  }

  /** An unqualified address (null domain) is local: the server qualifies it with its own name. */
  isOwnDomain = (domain: string | null): boolean =>
    domain === null || this.ownNames.has(domain.toLowerCase());

  isLocalUser(localPart: string): boolean {
    return this.users.has(localPart.toLowerCase());
  }
}
