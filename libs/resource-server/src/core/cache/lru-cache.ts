interface Node<K, V> {
  readonly key: K;
  value: V;
  expiresAt: number;
  newer: Node<K, V> | undefined;
  older: Node<K, V> | undefined;
}

/**
 * A bounded map that forgets its least recently used entry when full, and entries past their own
 * expiry time. Recency lives in a doubly linked list, so a hit only relinks a node: deleting and
 * re-inserting the key in the Map on every hit (the usual Map-order trick) leaves deleted slots in
 * V8's hash table and made a hit on a full 10 000-entry cache cost more than a signature check.
 */
export class LruCache<K, V> {
  private readonly nodes = new Map<K, Node<K, V>>();
  private newest: Node<K, V> | undefined;
  private oldest: Node<K, V> | undefined;

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.nodes.size;
  }

  /** The value, if present and not expired at `now` (milliseconds). */
  get(key: K, now: number): V | undefined {
    const node = this.nodes.get(key);
    if (node === undefined) return undefined;
    if (node.expiresAt <= now) {
      this.remove(node);
      return undefined;
    }
    this.touch(node);
    return node.value;
  }

  /** The value, expired or not, without making it the most recently used. */
  peek(key: K): V | undefined {
    return this.nodes.get(key)?.value;
  }

  set(key: K, value: V, expiresAt: number): void {
    const existing = this.nodes.get(key);
    if (existing !== undefined) {
      existing.value = value;
      existing.expiresAt = expiresAt;
      this.touch(existing);
      return;
    }
    if (this.nodes.size >= this.maxEntries && this.oldest !== undefined) this.remove(this.oldest);
    const node: Node<K, V> = { key, value, expiresAt, newer: undefined, older: this.newest };
    if (this.newest !== undefined) this.newest.newer = node;
    this.newest = node;
    this.oldest ??= node;
    this.nodes.set(key, node);
  }

  delete(key: K): void {
    const node = this.nodes.get(key);
    if (node !== undefined) this.remove(node);
  }

  clear(): void {
    this.nodes.clear();
    this.newest = this.oldest = undefined;
  }

  private unlink(node: Node<K, V>): void {
    if (node.newer !== undefined) node.newer.older = node.older;
    else this.newest = node.older;
    if (node.older !== undefined) node.older.newer = node.newer;
    else this.oldest = node.newer;
    node.newer = node.older = undefined;
  }

  private touch(node: Node<K, V>): void {
    if (node === this.newest) return;
    this.unlink(node);
    node.older = this.newest;
    if (this.newest !== undefined) this.newest.newer = node;
    this.newest = node;
    this.oldest ??= node;
  }

  private remove(node: Node<K, V>): void {
    this.unlink(node);
    this.nodes.delete(node.key);
  }
}
