/**
 * Bundles: esbuild each Lambda entry as infra/handoff-function.ts tells CDK to (format, target, minify,
 * externals, main fields and banner are read from that file, so the two cannot drift apart), report the
 * minified size, and time module init in a fresh Node process against a bare handler that only creates a
 * DynamoDB client.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaEntries } from '../infra/routes.ts';
import { benchEnv, freshTable, progress, runAsBenchmark } from './support/child.ts';
import { median } from './support/stats.ts';
import { ms, type BenchRow } from './support/table.ts';

const INIT_RUNS = 5;
const CAPTURE_LIMIT_BYTES = 250 * 1024;
const BARE = 'bareDynamoDbHandler';

function bundlingOptions() {
  const source = readFileSync(new URL('../infra/handoff-function.ts', import.meta.url), 'utf8');
  const read = (what: string, pattern: RegExp) => {
    const match = pattern.exec(source);
    if (!match?.[1]) throw new Error(`bench/bundles.ts could not read ${what} from infra/handoff-function.ts; update its pattern`);
    return match[1];
  };
  const list = (text: string) => JSON.parse(text.replaceAll("'", '"')) as string[];
  return {
    format: read('format', /format:\s*OutputFormat\.(ESM|CJS)/) === 'ESM' ? ('esm' as const) : ('cjs' as const),
    target: read('target', /target:\s*'([^']+)'/),
    minify: read('minify', /minify:\s*(true|false)/) === 'true',
    external: list(read('externalModules', /externalModules:\s*(\[[^\]]*\])/)),
    mainFields: list(read('mainFields', /mainFields:\s*(\[[^\]]*\])/)),
    banner: read('banner', /banner:\s*"([^"]+)"/),
  };
}

function initMilliseconds(file: string): number {
  const script = `const started = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - started));`;
  // Lambda sets NODE_OPTIONS=--enable-source-maps for every Handoff function (infra/handoff-function.ts).
  const result = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { encoding: 'utf8', env: process.env, timeout: 60_000 });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr.slice(0, 500)}`);
  return Number(result.stdout);
}

runAsBenchmark(async () => {
  await freshTable('bundles');
  const options = bundlingOptions();
  const outDir = join(benchEnv('BENCH_OUT_DIR'), 'bundles');
  const entries: Array<[string, string]> = [...Object.entries(lambdaEntries), [BARE, 'bench/support/bare-handler.ts']];
  const built = new Map<string, { bytes: number; file: string; largestInputs: string[] }>();
  for (const [name, entry] of entries) {
    const outfile = join(outDir, name, 'index.mjs');
    const { metafile } = await build({
      metafile: true,
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: options.format,
      target: options.target,
      minify: options.minify,
      sourcemap: true,
      sourcesContent: false,
      external: options.external,
      mainFields: options.mainFields,
      banner: { js: options.banner },
      outfile,
      logLevel: 'error',
    });
    const inputs = Object.values(metafile.outputs).flatMap((output) => Object.entries(output.inputs));
    const byPackage = new Map<string, number>();
    for (const [path, { bytesInOutput }] of inputs) {
      const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? '(own code)';
      byPackage.set(packageName, (byPackage.get(packageName) ?? 0) + bytesInOutput);
    }
    const largestInputs = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([packageName, bytes]) => `${packageName} ${(bytes / 1024).toFixed(0)} kB`);
    built.set(name, { bytes: statSync(outfile).size, file: outfile, largestInputs });
  }
  progress(`built ${built.size} bundles; timing module init ×${INIT_RUNS}`);
  const initMs = new Map<string, number[]>([...built.keys()].map((name) => [name, []]));
  // Round-robin over the functions, so a busy moment on the machine spreads over all of them.
  for (let run = 0; run < INIT_RUNS; run++) {
    for (const [name, { file }] of built) initMs.get(name)!.push(initMilliseconds(file));
  }
  const bareInit = median(initMs.get(BARE)!);
  const bareBytes = built.get(BARE)!.bytes;
  const rows: BenchRow[] = [...built].map(([name, { bytes, largestInputs }]) => {
    const init = median(initMs.get(name)!);
    const isCapture = name === 'capture';
    return {
      benchmark: 'Bundles (minified, as CDK builds them)',
      measure: name === BARE ? 'bare handler (DynamoDBClient only)' : name,
      value: `${(bytes / 1024).toFixed(1)} kB · init ${ms(init)}`,
      floor: `${(bareBytes / 1024).toFixed(1)} kB · init ${ms(bareInit)}`,
      ratio: init / bareInit,
      ...(isCapture ? { target: 'capture < 250 kB', met: bytes < CAPTURE_LIMIT_BYTES } : {}),
      ...(!isCapture && name !== BARE && bytes > CAPTURE_LIMIT_BYTES ? { note: `largest parts: ${largestInputs.join(', ')}` } : {}),
      ...(isCapture
        ? { note: `Ratio = module-init time ÷ the bare handler's, medians of ${INIT_RUNS} fresh \`node --enable-source-maps\` processes each. Built with format ${options.format}, target ${options.target}, minify ${options.minify}, external ${JSON.stringify(options.external)} (read from infra/handoff-function.ts); externals load from node_modules, as the runtime's SDK would. Sizes exclude the .map file. Largest parts of capture: ${largestInputs.join(', ')}.` }
        : {}),
    };
  });
  return { name: 'bundles', rows, details: { options, bundles: Object.fromEntries([...built].map(([name, { bytes, largestInputs }]) => [name, { bytes, largestInputs, initMs: initMs.get(name) }])) } };
});
