import { applyMigrations } from '../prisma/migrate.js';
import { loadSecret } from './auth.js';
import { ConfigError, dataDirOf, loadConfig } from './config.js';
import { createLogger } from './logger.js';

const logger = createLogger();

async function main() {
  const config = loadConfig();
  // Loaded once the configuration is known to be good: they open the database on import.
  const [{ buildApp }, { configureDatabase, onPoolError, prisma, writer }, { seedDemoIfEmpty }, { pruneEvents }] = await Promise.all([
    import('./app.js'),
    import('./db.js'),
    import('./seed.js'),
    import('./live/events.js'),
  ]);

  onPoolError((error) => logger.warn({ err: error }, 'PostgreSQL dropped an idle connection; the pool replaces it when needed'));
  const applied = await applyMigrations(config.database.url);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  await configureDatabase(prisma);
  if (config.seedDemo) {
    const seeded = await seedDemoIfEmpty();
    if (seeded) logger.info({ article: seeded.articleSlug, comments: seeded.commentsCreated }, 'empty database: imported the demo thread');
  }

  const secret = await loadSecret(config.jwtSecret, dataDirOf(config.database.url), config.production);
  const app = buildApp({
    logger,
    secret,
    writeLimits: config.writeLimits,
    requestLimits: config.requestLimits,
    liveLimits: config.liveLimits,
    allowedOrigins: config.allowedOrigins,
    responseCache: config.responseCache,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    resyncIntervalMs: config.resyncIntervalMs,
    graphiql: true,
    development: process.env.NODE_ENV === 'development',
  });
  const prune = () =>
    pruneEvents(config.liveLimits.retentionDays).then(
      (count) => count > 0 && logger.info({ events: count }, 'pruned the event log'),
      (error: unknown) => logger.warn({ err: error }, 'could not prune the event log'),
    );
  await prune();
  const pruning = setInterval(prune, 3_600_000).unref();

  const address = await app.start(config.port, config.host);
  logger.info(
    { url: `http://${address.address}:${address.port}/graphql`, database: config.database.provider, redis: config.redisUrl !== null },
    'Threadline is listening',
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    clearInterval(pruning);
    try {
      await app.stop();
      await Promise.all([prisma.$disconnect(), writer.$disconnect()]);
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) logger.fatal(`failed to start: ${error.message}`);
  else logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
});
