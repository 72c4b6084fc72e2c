import { describe, expect, it } from '@jest/globals';
import { testRuntime } from '../../../../test/helpers/test-runtime.js';
import { OutageLog } from './runtime.js';

describe('OutageLog', () => {
  it('logs the start of an episode once, with the cause, and its end once, with its length', () => {
    const runtime = testRuntime();
    const log = new OutageLog(runtime, 'JWKS of https://id.example.test');
    log.recovered();
    expect(runtime.lines).toEqual([]);

    log.failed(new Error('connect ECONNREFUSED'));
    runtime.clock += 2_000;
    log.failed(new Error('a second failure in the same episode'));
    runtime.clock += 1_400;
    log.recovered();
    log.recovered();

    expect(runtime.lines).toEqual([
      { level: 'error', message: 'JWKS of https://id.example.test unavailable: connect ECONNREFUSED' },
      { level: 'log', message: 'JWKS of https://id.example.test available again after 3 s' },
    ]);
  });

  it('names a cause that is not an Error by its string form, and logs a later episode again', () => {
    const runtime = testRuntime();
    const log = new OutageLog(runtime, 'userinfo');
    log.failed('socket hang up');
    log.recovered();
    log.failed(404);

    expect(runtime.lines.map((l) => l.message)).toEqual([
      'userinfo unavailable: socket hang up',
      'userinfo available again after 0 s',
      'userinfo unavailable: 404',
    ]);
  });
});
