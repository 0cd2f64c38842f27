// The peer for predict throughput: a bare Fastify route on the same machine, doing no work.
import Fastify from 'fastify';

const app = Fastify();
app.post('/predict', async () => ({ outputs: [[0.1, 0.2, 0.7]], classes: [2] }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3901) });
process.stdout.write('listening\n');
