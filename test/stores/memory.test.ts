import { MemoryStore } from '../../src/index.js';
import { describeStoreContract } from './contract.js';

// One process: every "instance" is the same map, as every engine of a process would share it.
describeStoreContract('MemoryStore', async (options = {}) => {
  const store = new MemoryStore(options);
  return { store, another: async () => store, close: async () => {} };
});
