import { describeStorageContract, startRedis, type TestRedis } from '@grappler/testkit';
import { afterAll, beforeAll } from 'vitest';
import { redisStorage } from '../src/index';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describeStorageContract('redis', () => redisStorage({ url: redis.url }));
describeStorageContract('redis, another key prefix and no key limit', () =>
  redisStorage({ url: redis.url, keyPrefix: 'other-app:', maxKeysPerClient: Number.POSITIVE_INFINITY }),
);
