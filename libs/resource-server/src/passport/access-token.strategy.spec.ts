// The strategy's own logic: what it hands Passport for each outcome of the pipeline and of the verify
// callback. The pipeline's behaviour itself is covered end to end (test/e2e/passport-strategy).
import { describe, expect, it } from '@jest/globals';
import type { AuthorizationPipeline } from '../pipeline/authorization-pipeline.js';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { InvalidTokenError } from '../errors/resource-server.error.js';
import { AccessTokenStrategy, type PrincipalVerifyCallback } from './access-token.strategy.js';

const principal = { subject: 'alice' } as VerifiedPrincipal;

/** Runs `authenticate` the way Passport does (on a copy with success/error) and reports the outcome. */
function outcome(
  result: Promise<VerifiedPrincipal>,
  verify?: PrincipalVerifyCallback,
): Promise<{ user?: unknown; info?: unknown; error?: unknown }> {
  const pipeline = { authenticateRequest: () => result } as unknown as AuthorizationPipeline;
  const strategy = Object.create(new AccessTokenStrategy(pipeline, verify)) as AccessTokenStrategy;
  return new Promise((resolve) => {
    strategy.success = (user, info) => resolve({ user, info });
    strategy.error = (error) => resolve({ error });
    strategy.authenticate({});
  });
}

describe('AccessTokenStrategy', () => {
  it('is named for passport.use() when used without PassportStrategy', () => {
    expect(new AccessTokenStrategy({} as AuthorizationPipeline).name).toBe('resource-server');
  });

  it('hands the principal to Passport by default', async () => {
    expect(await outcome(Promise.resolve(principal))).toEqual({ user: principal, info: undefined });
  });

  it('hands over what verify maps the principal to, with its info', async () => {
    expect(await outcome(Promise.resolve(principal), (p, done) => done(null, { id: p.subject }, 'info'))).toEqual({
      user: { id: 'alice' },
      info: 'info',
    });
  });

  it('hands the pipeline failure over as an error (answered by the exception filter)', async () => {
    const failure = new InvalidTokenError('expired');
    expect(await outcome(Promise.reject(failure))).toEqual({ error: failure });
  });

  it('refuses with invalid_token when verify returns no user', async () => {
    const { error } = await outcome(Promise.resolve(principal), (_p, done) => done(null, false));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ code: 'claims_rejected', status: 401 });
  });

  it("keeps verify's own error, given or thrown", async () => {
    const mine = new Error('mine');
    expect(await outcome(Promise.resolve(principal), (_p, done) => done(mine))).toEqual({ error: mine });
    expect(
      await outcome(Promise.resolve(principal), () => {
        throw mine;
      }),
    ).toEqual({ error: mine });
  });
});
