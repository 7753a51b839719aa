/**
 * The local HTTP API in a process of its own, as `npm start` runs it: forked by the throughput benchmark so
 * the load generator does not share an event loop with the server it measures. Reports its URL over IPC.
 */
import { startGateway, type HttpLambdaHandler } from '../../infra/local/gateway.ts';
import { routes } from '../../infra/routes.ts';

const capture = (await import('../../functions/capture.ts')).handler as unknown as HttpLambdaHandler;
const gateway = await startGateway({
  port: 0,
  routes,
  resolveHandler: async (name) => {
    if (name !== 'capture') throw new Error(`the benchmark gateway serves capture only, not ${name}`);
    return capture;
  },
});
process.send?.({ url: gateway.url });
process.on('disconnect', () => void gateway.stop().then(() => process.exit(0)));
