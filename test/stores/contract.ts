import { it } from 'vitest';
import { storeContractCases, type OpenStore } from '../../src/testing/index.js';

export type { OpenStore, StoreHarness } from '../../src/testing/index.js';

/** The exported store contract (whatsapp-call-permissions/testing), each case a vitest test. */
export function describeStoreContract(label: string, open: OpenStore): void {
  for (const contractCase of storeContractCases(label, open)) it(contractCase.name, () => contractCase.run());
}
