// ESLint flat config for the whole tree (`npm run lint`). Type-aware rules run on the library's
// source only, where a floating promise or an unsafe `any` ships to users; tests, the sample API
// and the benchmarks get the syntactic rules, which keeps a full lint to a few seconds of CPU.
// Import cycles (type-only imports included, which no ESLint rule covers) are checked by
// scripts/check-cycles.mjs.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const LIBRARY_SOURCE = ['libs/resource-server/src/**/*.ts'];
const SPECS = ['**/*.spec.ts', '**/*.e2e-spec.ts'];

/** core/ is framework-free: it never imports Nest, Express or Fastify, so it is tested without an app. */
const FRAMEWORK_IMPORTS = {
  patterns: [
    {
      group: ['@nestjs/*', 'express', 'express/*', 'fastify', 'fastify/*', '@fastify/*'],
      message: 'libs/resource-server/src/core is framework-free: keep Nest and HTTP-server code in the glue folders.',
    },
  ],
};

export default defineConfig(
  { ignores: ['**/dist/**', 'coverage/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    // Nest reads constructor parameter types at runtime: an import used only in such a position is a
    // value import, and consistent-type-imports must know it.
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: LIBRARY_SOURCE,
    ignores: SPECS,
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['libs/resource-server/src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', FRAMEWORK_IMPORTS] },
  },
);
