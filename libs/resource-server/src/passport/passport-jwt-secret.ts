// For teams that keep passport-jwt: its `secretOrKeyProvider` backed by the library's key store
// (single flight, refetch cooldown, negative cache, stale keys during outages, KeyObjects), in the
// call shape of jwks-rsa's `passportJwtSecret`, and the passport-jwt options that close the gaps
// jsonwebtoken leaves open.
import type { KeyObject } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { ResourceServerModuleOptions } from '../resource-server-options.interface.js';
import { resolveConfig, type ResolvedConfig } from '../core/config/config.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { decodeJws } from '../core/jose/jws.js';
import type { JwsAlgorithm } from '../core/jose/algorithms.js';
import { InvalidTokenError } from '../errors/resource-server.error.js';

/**
 * passport-jwt's `secretOrKeyProvider`: `(request, rawJwtToken, done)`; `done` receives a public
 * `KeyObject` (jsonwebtoken 9 takes them). Its second parameter is typed `any` on purpose:
 * `@types/passport-jwt` still declares `string | Buffer` there, and the provider must fit it.
 */
export type SecretOrKeyProvider = (
  request: unknown,
  rawJwtToken: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape @types/passport-jwt declares
  done: (error: unknown, secretOrKey?: any) => void,
) => void;

/** The algorithms jsonwebtoken (under passport-jwt) can verify: not EdDSA / Ed25519. */
export type JsonWebTokenAlgorithm = Exclude<JwsAlgorithm, 'EdDSA' | 'Ed25519'>;

/** The passport-jwt strategy options that make jsonwebtoken check what the library checks. */
export interface PassportJwtVerifyOptions {
  issuer: string[];
  audience?: string[];
  algorithms: JsonWebTokenAlgorithm[];
  ignoreExpiration: false;
  jsonWebTokenOptions: { clockTolerance: number };
}

function configFor(options: ResourceServerModuleOptions): ResolvedConfig {
  // passport-jwt hands over JWTs only; introspection has no place here.
  return resolveConfig({
    ...options,
    tokenType: 'jwt',
    verifiedTokenCache: options.verifiedTokenCache ?? { maxEntries: 10_000 },
  });
}

/**
 * A `secretOrKeyProvider` for passport-jwt, a drop-in for jwks-rsa's `passportJwtSecret`, taking the
 * options of `ResourceServerModule.forRoot()`. Before it hands the issuer's `KeyObject` to
 * jsonwebtoken, the token is verified in full by the library (RFC 9068/8725: `exp` required,
 * `crit` refused, algorithm allow-list, trusted issuer and its own keys, audience), so the gaps of
 * jsonwebtoken are closed whatever the strategy options say. Invalid options throw at startup.
 * @example
 * ```ts
 * const options = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' };
 * @Injectable()
 * export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
 *   constructor() {
 *     super({
 *       jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
 *       secretOrKeyProvider: passportJwtSecret(options), // was: jwks-rsa's passportJwtSecret({ jwksUri, ... })
 *       ...jsonWebTokenOptions(options),
 *     });
 *   }
 *   validate(payload: unknown) { return payload; }
 * }
 * ```
 */
export function passportJwtSecret(options: ResourceServerModuleOptions): SecretOrKeyProvider {
  const config = configFor(options);
  const verifier = new AccessTokenVerifier(config, {
    now: Date.now,
    logger: new Logger('ResourceServer'),
    httpTimeoutMs: config.httpTimeoutMs,
    maxResponseBytes: 512 * 1024,
  });
  const algorithms = new Set(config.issuers.flatMap((i) => [...i.algorithms]));
  const keyFor = async (token: unknown): Promise<KeyObject> => {
    if (typeof token !== 'string') throw new InvalidTokenError('malformed_token');
    const principal = await verifier.verify(token);
    const jws = decodeJws(token, algorithms);
    const issuer = verifier.issuer(principal.issuer);
    if (!issuer) throw new InvalidTokenError('untrusted_issuer');
    return (await issuer.keys.getKey(jws.kid, jws.alg)).key;
  };
  return (_request, rawJwtToken, done) => {
    keyFor(rawJwtToken).then(
      (key) => done(null, key),
      (error: unknown) => done(error),
    );
  };
}

/**
 * The passport-jwt options matching the library's rules, to spread into the strategy's options:
 * `issuer`, `audience`, `algorithms` and the clock tolerance from the same options as
 * {@link passportJwtSecret}, and `ignoreExpiration: false`. (jsonwebtoken cannot require `exp`:
 * `passportJwtSecret` does.) Audiences are left to `passportJwtSecret` when an issuer matches them
 * on `client_id` or disables the check. EdDSA is left out: jsonwebtoken cannot verify it (use the
 * library's strategy, `ResourceServerJwtStrategy`, for EdDSA issuers).
 * @example
 * ```ts
 * import { PassportStrategy } from '@nestjs/passport';
 * import { ExtractJwt, Strategy } from 'passport-jwt';
 * import { jsonWebTokenOptions, passportJwtSecret } from 'nestjs-resource-server/passport';
 *
 * const options = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' };
 * class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
 *   constructor() {
 *     super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKeyProvider: passportJwtSecret(options), ...jsonWebTokenOptions(options) });
 *   }
 *   validate(payload: unknown) { return payload; }
 * }
 * ```
 */
export function jsonWebTokenOptions(options: ResourceServerModuleOptions): PassportJwtVerifyOptions {
  const { issuers } = configFor(options);
  const audiences = issuers.every((i) => i.audiences !== false && i.audienceClaim === 'aud')
    ? [...new Set(issuers.flatMap((i) => (i.audiences === false ? [] : i.audiences)))]
    : undefined;
  return {
    issuer: issuers.map((i) => i.issuer),
    ...(audiences ? { audience: audiences } : {}),
    algorithms: [...new Set(issuers.flatMap((i) => [...i.algorithms]))].filter(
      (alg): alg is JsonWebTokenAlgorithm => alg !== 'EdDSA' && alg !== 'Ed25519',
    ),
    ignoreExpiration: false,
    jsonWebTokenOptions: { clockTolerance: Math.max(...issuers.map((i) => i.clockTolerance)) },
  };
}
