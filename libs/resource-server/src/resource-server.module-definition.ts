import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ResourceServerModuleOptions } from './resource-server-options.interface.js';

/** Extras of forRoot/forRootAsync that are not resource-server options. */
export interface ResourceServerModuleExtras {
  /** Register the module globally so the guard and verifier inject anywhere. @default true */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: RESOURCE_SERVER_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ResourceServerModuleOptions>({ moduleName: 'ResourceServer' })
  .setClassMethodName('forRoot')
  .setExtras<ResourceServerModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
