/// <reference types="node" />
/**
 * `npm start` / `unrun src/service/main.ts [flags]`: the reference service from the environment
 * (PORT, WACP_DATA_DIR, WACP_CLOCK, DATABASE_URL, INFOBIP_*; flags win), until Ctrl-C.
 */
import { CallPermissionError } from '../index.js';
import { mergeServeArgs, SERVE_USAGE, serviceOptionsFromEnv } from './options.js';
import { startService } from './service.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(SERVE_USAGE);
  process.exit(0);
}

try {
  const options = serviceOptionsFromEnv(mergeServeArgs(args, process.env), (line) => console.log(line));
  const service = await startService(options);
  console.log(`Inspector: ${service.url}/   (Ctrl-C stops)`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping…`);
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if (error instanceof CallPermissionError) {
    console.error(`wacp serve: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
