import { describe, expect, it } from 'vitest';
import { parseQueueUrl } from './queue-url';

describe('--queue URLs', () => {
  it('reads host, port, queue name, db, credentials and TLS', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6380/sweeps')).toMatchObject({
      name: 'sweeps',
      connection: { host: '127.0.0.1', port: 6380, db: 0, maxRetriesPerRequest: null },
      display: 'redis://127.0.0.1:6380/sweeps',
    });
    const full = parseQueueUrl('rediss://me:s%40cret@redis.example:7000/q-1?db=3');
    expect(full.connection).toMatchObject({
      host: 'redis.example',
      port: 7000,
      db: 3,
      username: 'me',
      password: 's@cret',
      tls: {},
    });
    expect(full.display).toBe('rediss://redis.example:7000/q-1?db=3'); // no password in messages
    expect(parseQueueUrl('redis://localhost')).toMatchObject({ name: 'trellis', connection: { port: 6379 } });
  });

  it('refuses what it cannot use, naming --queue and the accepted form', () => {
    expect(() => parseQueueUrl('localhost:6379')).toThrow(/--queue: unsupported scheme 'localhost:'/);
    expect(() => parseQueueUrl('http://h/q')).toThrow(/unsupported scheme 'http:'.*expected redis:\/\/\[user:password@\]host/);
    expect(() => parseQueueUrl('not a url')).toThrow(/is not a URL/);
    expect(() => parseQueueUrl('redis://h/a/b c')).toThrow(/queue name 'a\/b c' may hold only/);
    expect(() => parseQueueUrl('redis://h/q?db=99')).toThrow(/db must be an integer from 0 to 15, got '99'/);
    expect(() => parseQueueUrl('redis://h/q?queue=x')).toThrow(/unknown parameter 'queue'.*allowed: db/);
  });
});
