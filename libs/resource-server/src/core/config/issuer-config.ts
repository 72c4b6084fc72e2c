// Resolves the trusted issuers: the single inline one or the `issuers` list, each with the shared
// defaults, its provider preset and its own overrides; `{tenantid}` issuers expand per allowed tenant.
import type {
  IssuerDefaults,
  IssuerOptions,
  ResourceServerModuleOptions,
} from '../../resource-server-options.interface.js';
import {
  DEFAULT_ALGORITHMS,
  SUPPORTED_ALGORITHMS,
  isSupportedAlgorithm,
  type JwsAlgorithm,
} from '../jose/algorithms.js';
import type { ClaimRules } from '../claims/claims.js';
import { checkUrl, positive, stringList } from './config-checks.js';
import { resolveDpopPolicy, type DpopPolicy } from './sender-constraint-config.js';
import {
  PROVIDER_PRESETS,
  PROVIDER_PROFILES,
  type ClaimPath,
  type ProviderPreset,
  type ProviderProfile,
} from '../claims/providers.js';

/** One trusted issuer, resolved. */
export interface IssuerConfig extends ClaimRules {
  readonly provider: ProviderPreset;
  readonly profile: ProviderProfile;
  readonly jwksUri: string | undefined;
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  readonly scopeClaims: readonly string[];
  readonly roleClaims: readonly ClaimPath[];
  readonly allowInsecureRequests: boolean;
  /** DPoP policy (RFC 9449) for this issuer's tokens. */
  readonly dpop: DpopPolicy;
}

const TENANT_PLACEHOLDER = /\{tenantid\}/i;
// Entra names tenants by GUID in both `iss` and `tid` (never by domain name, which would match no token).
const TENANT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function resolveRoleClaims(
  name: string,
  value: unknown,
  fallback: readonly ClaimPath[],
  problems: string[],
): readonly ClaimPath[] {
  if (value === undefined) return fallback;
  const isPath = (p: unknown) =>
    (typeof p === 'string' && p !== '') ||
    (Array.isArray(p) && p.length > 0 && p.every((s) => typeof s === 'string' && s !== ''));
  if (!Array.isArray(value) || !value.every(isPath)) {
    problems.push(
      `\`${name}\` must be a list of claim paths: 'roles', 'realm_access.roles', or segments such as ['resource_access', 'orders.api', 'roles']`,
    );
    return fallback;
  }
  return value as ClaimPath[];
}

function resolveAudience(name: string, value: unknown, problems: string[]): readonly string[] | false {
  if (value === false) return false;
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== ''))
    return value as string[];
  problems.push(
    `\`${name}\` is required: set it to the identifier of this API at your identity provider (a string or a list), ` +
      'or to false to disable the audience check explicitly',
  );
  return false;
}

function resolveAlgorithms(name: string, value: unknown, problems: string[]): ReadonlySet<JwsAlgorithm> {
  if (value === undefined) return new Set(DEFAULT_ALGORITHMS);
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`\`${name}\` must be a non-empty list, e.g. ['RS256']`);
    return new Set(DEFAULT_ALGORITHMS);
  }
  for (const alg of value) {
    if (typeof alg === 'string' && /^HS\d+$/.test(alg)) {
      problems.push(`\`${name}\` contains ${alg}: a shared-secret MAC is never accepted with public keys`);
    } else if (!isSupportedAlgorithm(alg)) {
      problems.push(`\`${name}\` contains ${JSON.stringify(alg)}; supported: ${SUPPORTED_ALGORITHMS.join(', ')}`);
    }
  }
  return new Set(value.filter(isSupportedAlgorithm));
}

function resolveProvider(name: string, value: unknown, problems: string[]): ProviderPreset {
  if (value === undefined) return 'generic';
  if (typeof value === 'string' && (PROVIDER_PRESETS as readonly string[]).includes(value))
    return value as ProviderPreset;
  problems.push(`\`${name}\` must be one of ${PROVIDER_PRESETS.join(', ')} (got ${JSON.stringify(value)})`);
  return 'generic';
}

function resolveOne(
  options: IssuerOptions,
  defaults: IssuerDefaults,
  prefix: string,
  problems: string[],
): IssuerConfig[] {
  const o = { ...defaults, ...options };
  const name = (field: string) => `${prefix}${field}`;
  const insecureOk = o.allowInsecureRequests === true;
  const provider = resolveProvider(name('provider'), o.provider, problems);
  const profile = PROVIDER_PROFILES[provider];
  if (typeof o.issuer !== 'string' || o.issuer === '') {
    problems.push(
      `\`${name('issuer')}\` is required: set it to your identity provider's issuer URL, exactly as in the tokens' "iss" claim`,
    );
  } else {
    checkUrl(name('issuer'), o.issuer.replace(TENANT_PLACEHOLDER, 'tenant'), insecureOk, problems, 'issuer');
  }
  if (o.jwksUri !== undefined) checkUrl(name('jwksUri'), o.jwksUri, insecureOk, problems);
  const audienceClaim = o.audienceClaim ?? profile.audienceClaim;
  if (audienceClaim !== 'aud' && audienceClaim !== 'client_id')
    problems.push(`\`${name('audienceClaim')}\` must be 'aud' or 'client_id'`);
  const template: Omit<IssuerConfig, 'issuer' | 'requiredTenant'> = {
    provider,
    profile,
    audiences: resolveAudience(name('audience'), o.audience, problems),
    audienceClaim,
    jwksUri: o.jwksUri,
    algorithms: resolveAlgorithms(name('algorithms'), o.algorithms, problems),
    clockTolerance: positive(name('clockTolerance'), o.clockTolerance, 5, problems, 300),
    maxTokenAge: o.maxTokenAge === undefined ? undefined : positive(name('maxTokenAge'), o.maxTokenAge, 0, problems),
    requiredClaims: stringList(name('requiredClaims'), o.requiredClaims, [], problems),
    strict: o.strict === true,
    checkTokenKind: o.checkTokenKind !== false,
    scopeClaims: stringList(name('scopeClaims'), o.scopeClaims, profile.scopeClaims, problems, false),
    roleClaims: resolveRoleClaims(name('roleClaims'), o.roleClaims, profile.roleClaims, problems),
    tenantClaim: profile.tenantClaim ?? 'tid',
    allowInsecureRequests: insecureOk,
    dpop: resolveDpopPolicy(name('dpop'), o.dpop, problems),
  };
  const issuer = typeof o.issuer === 'string' ? o.issuer : '';
  if (!TENANT_PLACEHOLDER.test(issuer)) {
    if (o.tenants !== undefined)
      problems.push(`\`${name('tenants')}\` applies only to an issuer with a {tenantid} placeholder`);
    return [{ ...template, issuer, requiredTenant: undefined }];
  }
  const tenants = stringList(name('tenants'), o.tenants, [], problems);
  if (tenants.length === 0) {
    problems.push(
      `\`${name('tenants')}\` is required with a {tenantid} issuer: list the tenant ids you accept (accepting any tenant would trust every directory)`,
    );
  }
  return tenants
    .filter(
      (tenant) =>
        TENANT.test(tenant) ||
        (problems.push(
          `\`${name('tenants')}\` must list tenant ids (GUIDs, as tokens name them in iss and tid), not ${JSON.stringify(tenant)}`,
        ),
        false),
    )
    .map((tenant) => ({ ...template, issuer: issuer.replace(TENANT_PLACEHOLDER, tenant), requiredTenant: tenant }));
}

/** Resolves every trusted issuer; problems are recorded, not thrown. */
export function resolveIssuers(options: ResourceServerModuleOptions, problems: string[]): IssuerConfig[] {
  const { issuers, issuer, audience, jwksUri, tenants, ...defaults } = options;
  if (issuers === undefined) {
    return resolveOne(
      { ...defaults, issuer: issuer as string, audience: audience as IssuerOptions['audience'], jwksUri, tenants },
      {},
      '',
      problems,
    );
  }
  if (issuer !== undefined || audience !== undefined || jwksUri !== undefined || tenants !== undefined) {
    problems.push(
      'set either `issuer` (with `audience`) or `issuers`, not both: with `issuers`, each entry names its own issuer and audience',
    );
  }
  if (!Array.isArray(issuers) || issuers.length === 0) {
    problems.push('`issuers` must be a non-empty list of { issuer, audience, ... }');
    return [];
  }
  const resolved = (issuers as readonly IssuerOptions[]).flatMap((entry, i) =>
    resolveOne(entry, defaults, `issuers[${i}].`, problems),
  );
  const seen = new Set<string>();
  for (const { issuer: iss } of resolved) {
    if (seen.has(iss)) problems.push(`issuer ${iss} is configured twice: merge the entries (audience accepts a list)`);
    seen.add(iss);
  }
  return resolved;
}
