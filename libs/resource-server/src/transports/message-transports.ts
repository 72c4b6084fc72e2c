// The adapters of the transports that come from optional peers (`@nestjs/websockets`,
// `@nestjs/microservices`): built only when their package is installed; their options are checked
// at bootstrap like every other option.
import { ResourceServerConfigError, type ResolvedConfig } from '../core/config/config.js';
import type { ResourceServerModuleOptions } from '../resource-server-options.interface.js';
import { loadOptionalPeers } from './optional-peers.js';
import { RpcTransport } from './rpc.transport.js';
import type { TransportAdapter } from './transport-adapter.js';
import { WsTransport } from './ws.transport.js';

function checkOptions(options: ResourceServerModuleOptions): void {
  const problems: string[] = [];
  const ws = options.websockets ?? {};
  if (ws.queryToken !== undefined && typeof ws.queryToken !== 'boolean')
    problems.push('`websockets.queryToken` must be true or false');
  const rpc = options.microservices ?? {};
  if (rpc.tokenField !== undefined && (typeof rpc.tokenField !== 'string' || rpc.tokenField === '')) {
    problems.push('`microservices.tokenField` must be a non-empty string, e.g. "authorization"');
  }
  if (rpc.readToken !== undefined && typeof rpc.readToken !== 'function')
    problems.push('`microservices.readToken` must be a function (data, context) => token');
  if (problems.length > 0) throw new ResourceServerConfigError(problems);
}

/** The WebSocket and RPC adapters whose Nest package is installed. */
export async function messageTransports(
  options: ResourceServerModuleOptions,
  config: ResolvedConfig,
): Promise<TransportAdapter[]> {
  checkOptions(options ?? {});
  const peers = await loadOptionalPeers();
  const adapters: TransportAdapter[] = [];
  if (peers.WsException) adapters.push(new WsTransport(options?.websockets?.queryToken === true, peers.WsException));
  if (peers.RpcException) {
    const rpc = options?.microservices ?? {};
    adapters.push(
      new RpcTransport(
        config.realm,
        rpc.tokenField ?? 'authorization',
        rpc.readToken,
        peers.RpcException,
        peers.Metadata,
      ),
    );
  }
  return adapters;
}
