/**
 * Records everything the process writes to stdout and stderr (the logger writes ERROR lines to stderr), still passing
 * it through, until `restore` puts the original writers back.
 */
export function recordProcessOutput(): { written: string[]; restore: () => void } {
  const written: string[] = [];
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const record = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (originals[stream] as (...args: unknown[]) => boolean).call(process[stream], chunk, ...rest);
    }) as typeof process.stdout.write;
  process.stdout.write = record('stdout');
  process.stderr.write = record('stderr');
  return {
    written,
    restore: () => {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    },
  };
}
