// The paired workloads of other platforms and contexts (issue 11), measured after the main table:
//   fastify: the sample API on Fastify (HTTP_PLATFORM=fastify), GET /messages with a repeated token
//            vs its unguarded GET /health;
//   graphql: bench/graphql/main.mjs (Apollo on Express), POST /graphql `{ messages { ... } }` (needs
//            read:messages) vs the same query of a @Public() field, both with the repeated token.
// Each pair is measured like the main table: ROUNDS interleaved slices, the ratio is the median of
// the per-round ratios. Target for both: >= 0.90x.
const GRAPHQL_FIELDS = '{ id text author }';

/** The pairs by name: which server, the measured request and its paired baseline. */
export function extraPairs({ sameToken }) {
  const graphql = (field) => ({
    method: 'POST',
    path: '/graphql',
    token: sameToken,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ ${field} ${GRAPHQL_FIELDS} }` }),
  });
  return {
    fastify: {
      label: 'fastify same-token vs fastify unguarded',
      server: { entry: 'apps/sample-api/dist/main.js', env: { HTTP_PLATFORM: 'fastify' } },
      measured: { path: '/messages', token: sameToken },
      baseline: { path: '/health' },
      check: async (url) => [
        await status(url, { path: '/messages', token: sameToken }),
        await status(url, { path: '/messages' }),
      ],
      expectChecks: [200, 401],
    },
    graphql: {
      label: 'graphql scoped query vs the same query @Public() (same token)',
      server: { entry: 'bench/graphql/main.mjs', env: {} },
      measured: graphql('messages'),
      baseline: graphql('publicMessages'),
      check: async (url) => [
        await graphqlCode(url, graphql('messages')),
        await graphqlCode(url, graphql('publicMessages')),
        await graphqlCode(url, { ...graphql('messages'), token: undefined }),
      ],
      expectChecks: ['data', 'data', 'UNAUTHENTICATED'],
    },
  };
}

function send(url, spec) {
  const headers = { ...spec.headers, ...(spec.token ? { authorization: `Bearer ${spec.token}` } : {}) };
  return fetch(`${url}${spec.path}`, { method: spec.method ?? 'GET', headers, body: spec.body });
}

async function status(url, spec) {
  const res = await send(url, spec);
  await res.arrayBuffer();
  return res.status;
}

/** `data` for an answer without errors, else the first error's extensions.code. */
async function graphqlCode(url, spec) {
  const body = await (await send(url, spec)).json();
  return body.errors?.length ? body.errors[0].extensions?.code : body.data ? 'data' : 'none';
}

/**
 * Starts each pair's server, checks it answers as expected, and measures the pair.
 * `tools` are run.mjs's own: startServer(name, entry, env) -> { url, child }, stop(child), slice(app, spec, s),
 * warm(app, spec, s), summarize(measured, baseline) -> { ratio, min, max, rps, baselineRps, codes }.
 */
export async function measureExtras(names, pairs, { rounds, slice: sliceSeconds, warmup, tools, log }) {
  const results = [];
  for (const name of names) {
    const pair = pairs[name];
    const app = await tools.startServer(`ours-${name}`, pair.server.entry, pair.server.env);
    try {
      const seen = await pair.check(app.url);
      if (JSON.stringify(seen) !== JSON.stringify(pair.expectChecks)) {
        throw new Error(
          `${name}: sanity check answered ${JSON.stringify(seen)}, expected ${JSON.stringify(pair.expectChecks)}`,
        );
      }
      if (warmup > 0) {
        await tools.warm(app, pair.baseline, warmup);
        await tools.warm(app, pair.measured, warmup);
      }
      const measured = [];
      const baseline = [];
      for (let round = 0; round < rounds; round++) {
        // ABBA: odd rounds measure first, so a steady drift of the machine favours neither side.
        if (round % 2 === 0) baseline.push(await tools.slice(app, pair.baseline, sliceSeconds));
        measured.push(await tools.slice(app, pair.measured, sliceSeconds));
        if (round % 2 === 1) baseline.push(await tools.slice(app, pair.baseline, sliceSeconds));
      }
      const s = tools.summarize(measured, baseline);
      log(
        `  ${name.padEnd(8)} ${pair.label}: ${s.rps.toFixed(0)} vs ${s.baselineRps.toFixed(0)} req/s, ratio ${s.ratio.toFixed(2)}x [${s.min.toFixed(2)}-${s.max.toFixed(2)}]  status ${JSON.stringify(s.codes)}`,
      );
      results.push({ name, label: pair.label, ...s });
    } finally {
      await tools.stop(app.child);
    }
  }
  return results;
}
