#!/usr/bin/env bash
# The package as a user gets it: `npm pack` (prepack builds dist/), the tarball installed into a
# throwaway consumer project outside the repository with only its declared dependencies plus the
# peer every user installs (xstate), and used there as a user would:
#   - every "exports" entry imported from Node ESM; require() answers "ESM only — use import()";
#   - a file using every entry typechecked under moduleResolution "bundler" and "nodenext";
#   - wacp --help, wacp diagram, and wacp diagram --format svg without Graphviz (one clear line);
#   - wacp serve without PGlite (says what to install), then with it: smoke requests on a free
#     loopback port, and a second service on the same port told to set PORT / --port.
# Only the npm registry is needed (the npm cache is preferred). Every step is bounded in time.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/wacp-consumer.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== pack-and-consume: %s\n' "$*"; }
fail() {
  printf 'pack-and-consume FAILED: %s\n' "$*" >&2
  exit 1
}
# The version of a dev dependency of the repository (the consumer uses the same pinned tools).
pinned() { node -p "require('$repo/package.json').devDependencies['$1']"; }
npm_install() { timeout 300 npm install --no-audit --no-fund --prefer-offline --loglevel=error "$@"; }

step "npm pack"
(cd "$repo" && timeout 300 npm pack --pack-destination "$work" >"$work/pack.log" 2>&1) || { cat "$work/pack.log" >&2; fail "npm pack"; }
tarball="$(ls "$work"/*.tgz)"
listing="$(tar -tzf "$tarball")"
for file in package/dist/index.js package/dist/index.d.ts package/dist/cli/main.js package/dist/service/page/inspector.js \
  package/esm-only.cjs package/LICENSE package/CHANGELOG.md package/README.md package/docs/rules.md package/docs/semantics.md \
  package/docs/service.md package/examples/scenarios/README.md; do
  grep -qx "$file" <<<"$listing" || fail "the tarball lacks $file"
done
if grep -q '^package/docs/api/' <<<"$listing"; then fail "the tarball carries the generated docs/api"; fi
if grep -q '\.test\.ts$' <<<"$listing"; then fail "the tarball carries tests"; fi
echo "$(wc -l <<<"$listing") files, $(du -k "$tarball" | cut -f1) KiB: $(basename "$tarball")"

# Only xstate (the one required peer): every optional peer stays absent to test its message.
step "install into a consumer project ($work/consumer) with xstate"
mkdir "$work/consumer"
cd "$work/consumer"
cat >package.json <<'JSON'
{ "name": "wacp-consumer", "private": true, "type": "module" }
JSON
npm_install "$tarball" "xstate@$(pinned xstate)" "typescript@$(pinned typescript)" "@types/node@$(pinned @types/node)"
for peer in @electric-sql/pglite pg @hpcc-js/wasm-graphviz pino prom-client; do
  [ ! -e "node_modules/$peer" ] || fail "optional peer $peer was installed without being asked for"
done
# The inspector page ships bundled: no bundler is installed with the package.
for bundler in rolldown tsdown; do
  [ ! -e "node_modules/$bundler" ] || fail "$bundler was installed with the package"
done

step "import every exports entry from Node ESM; require() says ESM only"
timeout 60 node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { createRequire } from "node:module";
  const manifest = JSON.parse(readFileSync("node_modules/whatsapp-call-permissions/package.json", "utf8"));
  const require = createRequire(import.meta.url);
  for (const key of Object.keys(manifest.exports)) {
    if (key === "./package.json") continue;
    const specifier = `whatsapp-call-permissions${key.slice(1)}`;
    const names = Object.keys(await import(specifier));
    if (names.length === 0) throw new Error(`${specifier} exports nothing`);
    let message = "";
    try { require(specifier); } catch (error) { message = error.message; }
    if (!message.includes("ESM only — use import()")) throw new Error(`require(${specifier}) did not say "ESM only — use import()": ${message}`);
    console.log(`${specifier}: ${names.length} exports; require() → ESM only`);
  }
'

step "wacp serve without prom-client and pino: says what to install"
if timeout 60 npx wacp serve --port 0 --data-dir "$work/data-peers" >peers.out 2>peers.err; then fail "wacp serve started without prom-client"; fi
cat peers.err
grep -q 'npm install prom-client' peers.err || fail "no npm install line for prom-client"
if grep -qE '^\s+at ' peers.err; then fail "wacp serve printed a stack trace"; fi

# What a user of /service or wacp serve installs (docs/service.md): the metrics and the request log.
npm_install "pino@$(pinned pino)" "prom-client@$(pinned prom-client)"

step "typecheck a file using every entry, moduleResolution bundler and nodenext"
cat >consumer.ts <<'TS'
import { createCallPermissionEngine, definePolicy, getPermissions, createRelationship, MemoryStore, type PermissionsView } from 'whatsapp-call-permissions';
import { generateModelPaths, createModelHarness } from 'whatsapp-call-permissions/testing';
import { createInfobipIntegration, type InfobipConfig } from 'whatsapp-call-permissions/infobip';
import { createPostgresStore } from 'whatsapp-call-permissions/stores/postgres';
import { buildTimeline, formatTimeline } from 'whatsapp-call-permissions/inspector';
import { statechartGraph, toMermaid } from 'whatsapp-call-permissions/diagram';
import { startService, type ServiceOptions } from 'whatsapp-call-permissions/service';

const engine = createCallPermissionEngine({
  store: new MemoryStore(),
  effects: { sendPermissionRequest: async () => undefined, startCall: async () => undefined },
  policy: definePolicy('meta'),
});
export const view: PermissionsView = getPermissions(createRelationship({ at: '2026-04-01T10:00:00Z' }), '2026-04-01T11:00:00Z');
export const uses = [engine, generateModelPaths, createModelHarness, createInfobipIntegration, createPostgresStore, buildTimeline, formatTimeline, statechartGraph, toMermaid, startService];
export const options: ServiceOptions = { port: 0 };
export type Config = InfobipConfig;
// The types are real, not `any`: a wrong preset name does not typecheck.
// @ts-expect-error
definePolicy('no-such-preset');
TS
for resolution in bundler nodenext; do
  module=esnext
  [ "$resolution" = nodenext ] && module=nodenext
  cat >"tsconfig.$resolution.json" <<JSON
{ "compilerOptions": { "module": "$module", "moduleResolution": "$resolution", "target": "es2022", "lib": ["es2022", "dom"],
    "types": ["node"], "strict": true, "noEmit": true, "skipLibCheck": true }, "files": ["consumer.ts"] }
JSON
  timeout 120 npx tsc -p "tsconfig.$resolution.json" || fail "typecheck with moduleResolution $resolution"
  echo "moduleResolution $resolution: ok"
done

step "wacp --help, wacp diagram"
timeout 60 npx wacp --help >help.txt || fail "wacp --help"
grep -q '^Usage: wacp <command>' help.txt || fail "wacp --help printed no usage"
timeout 60 npx wacp diagram >diagram.md || fail "wacp diagram"
grep -q 'stateDiagram' diagram.md || fail "wacp diagram printed no Mermaid statechart"
echo "ok: $(wc -l <diagram.md) lines of Mermaid"

step "wacp diagram --format svg without Graphviz: one line that says what to install"
if timeout 60 npx wacp diagram --format svg >svg.out 2>svg.err; then fail "wacp diagram --format svg succeeded without Graphviz"; fi
cat svg.err
grep -q 'npm install @hpcc-js/wasm-graphviz' svg.err || fail "no npm install line for Graphviz"
if grep -qE '^\s+at ' svg.err; then fail "wacp diagram --format svg printed a stack trace"; fi

free_port() { node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

step "wacp serve without PGlite: says what to install"
if timeout 60 npx wacp serve --port 0 --data-dir "$work/data0" >serve0.out 2>serve0.err; then fail "wacp serve started without PGlite"; fi
cat serve0.err
grep -q 'npm install @electric-sql/pglite' serve0.err || fail "no npm install line for PGlite"
if grep -qE '^\s+at ' serve0.err; then fail "wacp serve printed a stack trace"; fi

step "wacp serve with PGlite (what a user installs): smoke requests on a free loopback port"
npm_install "@electric-sql/pglite@$(pinned @electric-sql/pglite)"
port="$(free_port)"
timeout 180 npx wacp serve --port "$port" --data-dir "$work/data" >serve.out 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  grep -q 'Inspector: http://127.0.0.1:' serve.out && break
  kill -0 "${pids[-1]}" 2>/dev/null || { cat serve.out; fail "wacp serve exited"; }
  sleep 0.1
done
grep -q "Inspector: http://127.0.0.1:$port/" serve.out || { cat serve.out; fail "wacp serve did not listen on $port within 60 s"; }
cat serve.out
grep -q 'npm install @hpcc-js/wasm-graphviz' serve.out || fail "wacp serve did not say Graphviz is missing"
timeout 60 node --input-type=module -e '
  const base = `http://127.0.0.1:${process.argv[1]}`;
  const get = async (path, init) => { const r = await fetch(base + path, { ...init, signal: AbortSignal.timeout(20_000) }); return { status: r.status, type: r.headers.get("content-type"), body: await r.text() }; };
  const expect = (ok, what, got) => { if (!ok) { console.error(what, got); process.exit(1); } console.log(`ok: ${what}`); };
  const health = await get("/health");
  expect(health.status === 200 && JSON.parse(health.body).status, "GET /health answers 200", health);
  const page = await get("/");
  expect(page.status === 200 && page.type.startsWith("text/html"), "GET / serves the inspector page", page.status);
  const script = await get("/assets/inspector.js");
  expect(script.status === 200 && script.body.includes("new EventSource(\"/v1/changes\")") && !/^import\b/m.test(script.body), "GET /assets/inspector.js serves the built bundle of the page", script.status);
  const chart = await get("/v1/statechart/compact.svg");
  expect(chart.status === 200 && chart.body.includes("id=\"state-granted\"") && chart.body.includes("npm install @hpcc-js/wasm-graphviz"), "the compact statechart is drawn without Graphviz", chart.status);
  const request = await get("/v1/relationships/441134960000/447700900123/permission-requests", { method: "POST", headers: { "content-type": "application/json" } });
  expect(request.status === 201 && JSON.parse(request.body).outcome === "sent", "a permission request is sent (dry run)", request);
  const view = await get("/v1/relationships/441134960000/447700900123/permissions");
  expect(view.status === 200 && JSON.parse(view.body).status === "NO_PERMISSION", "the permissions view answers", view);
' "$port"

step "a second service on the same port: told which variable to set"
if timeout 60 npx wacp serve --port "$port" --data-dir "$work/data2" >taken.out 2>taken.err; then fail "a second wacp serve started on a taken port"; fi
cat taken.err
grep -q 'set PORT (or --port)' taken.err || fail "a taken port did not name PORT / --port"
if grep -qE '^\s+at |EADDRINUSE' taken.err; then fail "a taken port printed a raw error"; fi

kill -TERM "${pids[-1]}"
wait "${pids[-1]}" || true
echo
echo "pack-and-consume: the packed package installs, imports, typechecks and runs."
