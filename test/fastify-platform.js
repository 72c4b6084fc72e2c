// Setup file of the `fastify` Jest project: every e2e suite of it runs its apps on Fastify
// (test/helpers/start-app.ts and the sample API read HTTP_PLATFORM).
process.env.HTTP_PLATFORM = 'fastify';
