import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { Public, ResourceServerHealthIndicator } from 'nestjs-resource-server';

@Controller('health')
export class HealthController {
  constructor(
    private readonly checks: HealthCheckService,
    private readonly resourceServer: ResourceServerHealthIndicator,
  ) {}

  @Public()
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the issuers' keys (and the introspection endpoint) can be had. 503 when not. */
  @Public()
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.checks.check([() => this.resourceServer.isHealthy('resource_server')]);
  }
}
