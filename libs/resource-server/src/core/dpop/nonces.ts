// RFC 9449 §8 and §9: server-provided nonces. A nonce names a time step and carries an HMAC of it,
// so every instance sharing the secret accepts the nonces of the others without shared state. The
// current and the previous step are accepted, so a nonce lives between one and two rotation periods.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

/** Issues and checks rotating DPoP nonces. */
export class DpopNonces {
  private readonly secret: Buffer;
  private cached: { step: number; nonce: string } | undefined;

  /**
   * @param rotationMs how long one nonce is current.
   * @param secret shared by every instance (random per process when omitted).
   */
  constructor(
    private readonly rotationMs: number,
    secret: string | undefined,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
  }

  /** The nonce clients should use now (the `DPoP-Nonce` header value). */
  current(): string {
    const step = this.step();
    if (this.cached?.step !== step) this.cached = { step, nonce: this.make(step) };
    return this.cached.nonce;
  }

  /** `'current'`, `'previous'` (still accepted, but a fresh one should be sent) or `'invalid'`. */
  check(nonce: unknown): 'current' | 'previous' | 'invalid' {
    if (typeof nonce !== 'string' || nonce.length > 64) return 'invalid';
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 8 + MAC_BYTES || raw.toString('base64url') !== nonce) return 'invalid';
    const step = Number(raw.readBigUInt64BE(0));
    const expected = this.mac(step);
    if (!timingSafeEqual(raw.subarray(8), expected)) return 'invalid';
    const now = this.step();
    if (step === now) return 'current';
    return step === now - 1 ? 'previous' : 'invalid';
  }

  private step(): number {
    return Math.floor(this.now() / this.rotationMs);
  }

  private make(step: number): string {
    const head = Buffer.alloc(8);
    head.writeBigUInt64BE(BigInt(step));
    return Buffer.concat([head, this.mac(step)]).toString('base64url');
  }

  private mac(step: number): Buffer {
    return createHmac('sha256', this.secret).update(`dpop-nonce:${step}`).digest().subarray(0, MAC_BYTES);
  }
}
