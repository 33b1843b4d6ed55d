import { it } from 'vitest';
import { storeContractCases } from '../../src/testing/index.js';
import { KeyValueStore, MemoryKeyValue } from '../../examples/own-store/keyValueStore.ts';

// examples/own-store: a store of your own, held to the contract this package's stores keep. Every
// "instance" is another KeyValueStore over the same key-value service, as another process would open it.
for (const contractCase of storeContractCases('examples/own-store (KeyValueStore)', async (options = {}) => {
  const kv = new MemoryKeyValue();
  return { store: new KeyValueStore(kv, options.factRetentionMs), another: async () => new KeyValueStore(kv, options.factRetentionMs), close: async () => {} };
}))
  it(contractCase.name, () => contractCase.run());
