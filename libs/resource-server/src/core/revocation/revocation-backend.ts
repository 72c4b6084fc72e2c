import type { RevocationEntry } from './revocation-list.js';

/** Where revocations are shared between instances (Redis, or a store of your own). */
export interface RevocationBackend {
  /** Every entry the store holds. */
  load(): Promise<RevocationEntry[]>;
  /** Stores entries and tells the other instances about them. */
  publish(entries: readonly RevocationEntry[]): Promise<void>;
  /** Forgets entries whose tokens have all expired. */
  remove(entries: readonly RevocationEntry[]): Promise<void>;
  /**
   * Starts receiving other instances' entries. `onSync` is called on every (re)connection, once
   * messages flow again: the local view then reloads the store and writes back what the store lost.
   * `onLost` is called when the connection drops (until then nothing can be missed).
   */
  subscribe(handlers: RevocationBackendHandlers): Promise<void>;
  close(): Promise<void>;
}

/** What a backend tells the local view. */
export interface RevocationBackendHandlers {
  onEntries(entries: RevocationEntry[]): void;
  onSync(): void;
  onLost(cause: unknown): void;
}
