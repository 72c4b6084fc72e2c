/**
 * New messages as async iterators, one per subscriber, for GraphQL subscriptions. Bounded: a
 * subscriber that does not keep up loses its oldest pending messages rather than growing memory.
 */
export class MessageFeed<T> {
  static readonly MAX_PENDING = 100;
  private readonly listeners = new Set<(item: T) => void>();

  publish(item: T): void {
    for (const listener of this.listeners) listener(item);
  }

  subscribe(): AsyncIterableIterator<T> {
    const pending: T[] = [];
    let wake: ((result: IteratorResult<T>) => void) | undefined;
    let done = false;
    const listener = (item: T): void => {
      if (wake) {
        const resolve = wake;
        wake = undefined;
        resolve({ value: item, done: false });
        return;
      }
      pending.push(item);
      if (pending.length > MessageFeed.MAX_PENDING) pending.shift();
    };
    this.listeners.add(listener);
    const finish = (): Promise<IteratorResult<T>> => {
      done = true;
      this.listeners.delete(listener);
      wake?.({ value: undefined, done: true });
      wake = undefined;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (pending.length > 0) return Promise.resolve({ value: pending.shift() as T, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: finish,
      throw: (error?: unknown) => finish().then(() => Promise.reject(error)),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
