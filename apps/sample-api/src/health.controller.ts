import { Controller, Get } from '@nestjs/common';
import { Public } from 'nestjs-resource-server';

@Controller('health')
export class HealthController {
  @Public()
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
