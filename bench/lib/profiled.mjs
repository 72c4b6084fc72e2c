// Runs a Node entry point under the V8 CPU profiler, started and stopped by IPC messages from the
// parent (so only the interesting window is profiled): {cmd:'start'} / {cmd:'stop', file}.
// Usage: node bench/lib/profiled.mjs <entry.js>   (spawned with an 'ipc' stdio channel)
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });

process.on('message', async (message) => {
  try {
    if (message?.cmd === 'start') {
      await session.post('Profiler.start');
      process.send({ ok: 'started' });
    } else if (message?.cmd === 'stop') {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(message.file, JSON.stringify(profile));
      process.send({ ok: 'stopped', file: message.file });
    }
  } catch (error) {
    process.send({ error: String(error) });
  }
});

await import(pathToFileURL(resolve(process.argv[2])).href);
