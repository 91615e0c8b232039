/** The issuer's web pages (web/), served by the API process at /web/; `/` leads there. */
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const webRoot = fileURLToPath(new URL('../web/', import.meta.url));

export async function registerWebPages(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: webRoot, prefix: '/web/', index: ['index.html'], cacheControl: false });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/web/'));
}
