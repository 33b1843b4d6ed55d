/**
 * The engine embedded in a host's own process, over the host's own store and effects: the store of
 * examples/own-store (a key-value service with conditional writes) and an HTTP client to the host's
 * calling platform. Nothing here is Infobip's, nor this package's defaults.
 */
import { createCallPermissionEngine, type CallPermissionEngine, type PolicyPresetName } from 'whatsapp-call-permissions';
import { KeyValueStore, type KeyValue } from '../own-store/keyValueStore.ts';
import { createCallingPlatform, type CallingPlatformOptions } from './callingPlatform.ts';
import { createPlatformEffects } from './effects.ts';

export interface EmbeddedEngineOptions {
  /** The host's key-value service (a `MemoryKeyValue` in one process). */
  readonly keyValue: KeyValue;
  readonly platform: CallingPlatformOptions;
  readonly policy?: PolicyPresetName;
  /** The host's clock (epoch ms). Default `Date.now`. */
  readonly clock?: () => number;
}

export function createEmbeddedEngine(options: EmbeddedEngineOptions): CallPermissionEngine {
  return createCallPermissionEngine({
    store: new KeyValueStore(options.keyValue),
    effects: createPlatformEffects(createCallingPlatform(options.platform)),
    policy: options.policy ?? 'infobip',
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}
