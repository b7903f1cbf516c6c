/** A hook's Promise that stays pending too long counts as a failure; its late result is ignored. */
export class HookTimeout extends Error {
  constructor(readonly ms: number) {
    super(`did not settle within ${ms} ms`);
    this.name = 'HookTimeout';
  }
}

/** Settles like `p`, or rejects with HookTimeout after `ms`. The timer is cleared as soon as `p` settles. */
export function within<T>(p: PromiseLike<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new HookTimeout(ms)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}
