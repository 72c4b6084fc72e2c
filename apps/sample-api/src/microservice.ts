import type { INestApplication } from '@nestjs/common';
import { Transport } from '@nestjs/microservices';

/**
 * Adds the TCP microservice to the app (a hybrid app). `inheritAppConfig` makes the global guard
 * (APP_GUARD) and the library's filter apply to it as to HTTP routes.
 */
export async function startRpc(app: INestApplication, port: number, host = '0.0.0.0'): Promise<void> {
  app.connectMicroservice({ transport: Transport.TCP, options: { host, port } }, { inheritAppConfig: true });
  await app.startAllMicroservices();
}
