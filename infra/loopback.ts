const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An address on this machine, as the example config's are: fine for `npm start`, broken once deployed. */
export const isLoopbackUrl = (address: string) => LOOPBACK_HOSTS.has(new URL(address).hostname);
