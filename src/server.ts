import { applyMigrations } from '../prisma/migrate.js';
import { buildApp } from './app.js';
import { loadSecret } from './auth.js';
import { ConfigError, dataDirOf, loadConfig, type ModerationConfig } from './config.js';
import type { ModerationOptions } from './context.js';
import { configureDatabase, type Database, openDatabase } from './db.js';
import { akismetChecker, type SpamChecker } from './moderation/akismet.js';
import { builtinChecker } from './moderation/builtin.js';
import { pruneEvents } from './domain/events.js';
import { createLogger } from './logger.js';
import { seedDemoIfEmpty } from './seed.js';

const logger = createLogger();

/** The spam checkers the configuration asks for, and the number of reports that holds a comment. */
function moderationOptions(database: Database, config: ModerationConfig): ModerationOptions {
  const spamCheckers: SpamChecker[] = [builtinChecker(database)];
  if (config.akismet) spamCheckers.push(akismetChecker({ ...config.akismet, timeoutMs: config.spamTimeoutMs }));
  return { reportsToHold: config.reportsToHold, spamCheckers, spamTimeoutMs: config.spamTimeoutMs };
}

async function main() {
  const config = loadConfig();
  const database = await openDatabase(config.database, {
    onPoolError: (error) => logger.warn({ err: error }, 'PostgreSQL dropped an idle connection; the pool replaces it when needed'),
  });
  const applied = await applyMigrations(config.database.url);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  await configureDatabase(database);
  if (config.seedDemo) {
    const seeded = await seedDemoIfEmpty(database);
    if (seeded) logger.info({ article: seeded.articleSlug, comments: seeded.commentsCreated }, 'empty database: imported the demo thread');
  }

  const secret = await loadSecret(config.jwtSecret, dataDirOf(config.database.url), config.production);
  const app = buildApp({
    database,
    logger,
    secret,
    writeLimits: config.writeLimits,
    moderation: moderationOptions(database, config.moderation),
    reactionKinds: config.engagement.reactionKinds,
    notifications: {
      webhooks: { allowPrivate: config.engagement.webhookAllowPrivate, timeoutMs: config.engagement.webhookTimeoutMs },
      smtpUrl: config.engagement.smtpUrl,
      mail: { from: config.engagement.mailFrom },
      publicUrl: config.engagement.publicUrl,
    },
    requestLimits: config.requestLimits,
    liveLimits: config.liveLimits,
    allowedOrigins: config.allowedOrigins,
    responseCache: config.responseCache,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    resyncIntervalMs: config.resyncIntervalMs,
    graphiql: true,
    development: process.env.NODE_ENV === 'development',
    // The demo page's sign-in picker mints a token for any handle: only on a development set-up
    // (not production, the secret generated beside the database, listening on loopback only).
    demoSignIn: !config.production && !config.jwtSecret && isLoopback(config.host),
  });
  const prune = () =>
    pruneEvents(database, config.liveLimits.retentionDays).then(
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
      await database.close();
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

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
