// The local view of revoked tokens that every request is checked against: three maps, consulted only
// when they hold anything, so an API without revocations pays nothing. Entries are kept only while a
// token they cover could still be valid, so memory stays bounded by the revocation rate.

/** What a revocation names: one token (`jti`), one session (`sid`), or every token of a subject (`sub`). */
export type RevocationKind = 'jti' | 'sid' | 'sub';

/** One revocation, as stored locally and shared (plain JSON) between instances. */
export interface RevocationEntry {
  readonly kind: RevocationKind;
  readonly value: string;
  /**
   * For `sub` (and optionally `sid`): tokens issued at or before this time (seconds since the epoch,
   * their `iat`) are revoked; later ones are not. Undefined: every token it names is revoked.
   */
  readonly before?: number;
  /** Seconds since the epoch after which no token the entry covers can be valid: then it is forgotten. */
  readonly until: number;
}

/** The claims a revocation check reads. */
export interface RevocableClaims {
  readonly jti?: unknown;
  readonly sid?: unknown;
  readonly sub?: unknown;
  readonly iat?: unknown;
}

/** Whether `value` is a well-formed entry (entries also arrive from Redis: never trust their shape). */
export function isRevocationEntry(value: unknown): value is RevocationEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    (e.kind === 'jti' || e.kind === 'sid' || e.kind === 'sub') &&
    typeof e.value === 'string' &&
    e.value.length > 0 &&
    e.value.length <= 1024 &&
    typeof e.until === 'number' &&
    Number.isFinite(e.until) &&
    (e.before === undefined || (typeof e.before === 'number' && Number.isFinite(e.before)))
  );
}

/** The field an entry is stored under (one per kind and value). */
export function revocationField(entry: Pick<RevocationEntry, 'kind' | 'value'>): string {
  return `${entry.kind}:${entry.value}`;
}

/** The revoked tokens known to this process. */
export class RevocationList {
  private readonly byKind: Record<RevocationKind, Map<string, RevocationEntry>> = {
    jti: new Map(),
    sid: new Map(),
    sub: new Map(),
  };
  private count = 0;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.count;
  }

  /**
   * Adds an entry, merging with one for the same kind and value (the later cut-off and the later
   * expiry win: a merge never un-revokes). Returns false, adding nothing, when the list is full.
   */
  add(entry: RevocationEntry): boolean {
    const map = this.byKind[entry.kind];
    const existing = map.get(entry.value);
    if (!existing && this.count >= this.maxEntries) return false;
    if (!existing) this.count++;
    map.set(entry.value, existing ? merge(existing, entry) : entry);
    return true;
  }

  /** The kind of revocation that covers a token, or undefined when it is not revoked. */
  revokedBy(claims: RevocableClaims): RevocationKind | undefined {
    if (this.count === 0) return undefined;
    if (typeof claims.jti === 'string' && this.byKind.jti.has(claims.jti)) return 'jti';
    const iat = typeof claims.iat === 'number' ? claims.iat : undefined;
    if (typeof claims.sid === 'string' && covers(this.byKind.sid.get(claims.sid), iat)) return 'sid';
    if (typeof claims.sub === 'string' && covers(this.byKind.sub.get(claims.sub), iat)) return 'sub';
    return undefined;
  }

  /** Forgets entries whose tokens have all expired (`now` in seconds). */
  prune(now: number): RevocationEntry[] {
    const dropped: RevocationEntry[] = [];
    for (const map of Object.values(this.byKind)) {
      for (const [value, entry] of map) {
        if (entry.until > now) continue;
        map.delete(value);
        dropped.push(entry);
      }
    }
    this.count -= dropped.length;
    return dropped;
  }

  /** Every entry, e.g. to re-seed a shared store that lost them. */
  entries(): RevocationEntry[] {
    return Object.values(this.byKind).flatMap((map) => [...map.values()]);
  }
}

function merge(a: RevocationEntry, b: RevocationEntry): RevocationEntry {
  // No cut-off means "every token": it is the widest and always wins.
  const before = a.before === undefined || b.before === undefined ? undefined : Math.max(a.before, b.before);
  return {
    kind: a.kind,
    value: a.value,
    ...(before === undefined ? {} : { before }),
    until: Math.max(a.until, b.until),
  };
}

function covers(entry: RevocationEntry | undefined, iat: number | undefined): boolean {
  if (!entry) return false;
  // A token without `iat` cannot prove it was issued after the cut-off: revoked (fail closed).
  return entry.before === undefined || iat === undefined || iat <= entry.before;
}
