// A local issuer: OpenID discovery + JWKS on 127.0.0.1 (ephemeral port), counting requests.
import { createServer } from 'node:http';

export async function startIssuer({ keys }) {
  const counts = { discovery: 0, jwks: 0, other: 0 };
  let issuer = '';
  const send = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (pathname === '/.well-known/openid-configuration') {
      counts.discovery++;
      send(res, 200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        token_endpoint: `${issuer}/token`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (pathname === '/jwks') {
      counts.jwks++;
      send(res, 200, { keys: keys.map((k) => k.publicJwk) });
    } else {
      counts.other++;
      send(res, 404, { error: 'not_found' });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
