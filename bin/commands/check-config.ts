import { configPath, loadConfig } from '../../shared/config/load.ts';

/**
 * Validates the config file as `npm start`, `cdk synth` and every function do at start-up, without starting or
 * reaching anything: an admin fixes their file in a loop of seconds. Throws the ConfigError, which lists every problem.
 */
export async function checkConfig(): Promise<void> {
  const path = configPath();
  const config = loadConfig(path);
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const kinds = ['website', 'event'].map((kind) => count(config.forms.filter((form) => form.kind === kind).length, `${kind} form`)).join(', ');
  const fallback = config.salespeople.find((rep) => rep.id === config.assignment.fallbackOwner)!;
  process.stdout.write(
    `${path} is valid: ${count(config.salespeople.length, 'rep')} in ${count(config.teams.length, 'team')}, ${kinds}, ` +
      `${count(config.assignment.rules.length, 'assignment rule')}, fallback owner ${fallback.name}.\n`,
  );
}
