import { ConfigError } from '@trellis/core';
import { Redis, type RedisOptions } from 'ioredis';

/** A parsed `--queue` address. */
export interface QueueAddress {
  readonly name: string;
  readonly connection: RedisOptions;
  /** The address without its password, for messages. */
  readonly display: string;
}

const FORM = 'redis://[user:password@]host[:port][/queue-name][?db=N] (or rediss:// for TLS)';

/**
 * Parse `redis://host:port/queue-name?db=N`: the path names the BullMQ queue (default `trellis`),
 * `db` the Redis database (default 0). Errors name `--queue` and the accepted form.
 */
export function parseQueueUrl(raw: string, where = '--queue'): QueueAddress {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`'${raw}' is not a URL; expected ${FORM}`, where);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`unsupported scheme '${url.protocol}' in '${raw}'; expected ${FORM}`, where);
  }
  if (!url.hostname) throw new ConfigError(`no host in '${raw}'; expected ${FORM}`, where);
  const name = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, '')) || 'trellis';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new ConfigError(`queue name '${name}' may hold only letters, digits and . _ -; expected ${FORM}`, where);
  }
  const port = url.port ? Number(url.port) : 6379;
  const dbText = url.searchParams.get('db') ?? '0';
  const db = Number(dbText);
  if (!/^\d+$/.test(dbText) || db > 15) throw new ConfigError(`db must be an integer from 0 to 15, got '${dbText}'`, where);
  const unknown = [...url.searchParams.keys()].filter((k) => k !== 'db');
  if (unknown.length) throw new ConfigError(`unknown parameter '${unknown[0]}' in '${raw}'; allowed: db`, where);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return {
    name,
    connection: {
      host: hostname,
      port,
      db,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      // Workers block on Redis; BullMQ requires unlimited retries per request for them.
      maxRetriesPerRequest: null,
    },
    display: `${url.protocol}//${url.host}/${name}${db ? `?db=${db}` : ''}`,
  };
}

/**
 * A new ioredis client for an address. BullMQ 6 loads ioredis itself only under CommonJS; this
 * CLI is ESM, so it hands BullMQ a client. The caller closes it (`quit`) after the queue or worker.
 */
export const connect = (address: QueueAddress): Redis => new Redis(address.connection);
