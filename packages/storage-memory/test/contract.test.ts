import { describeStorageContract } from '@grappler/testkit';
import { memoryStorage } from '../src/index';

describeStorageContract('memory', () => memoryStorage());
describeStorageContract('memory, sweeping every 10 ms', () => memoryStorage({ sweepIntervalMs: 10 }));
