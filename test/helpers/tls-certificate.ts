// A throwaway TLS certificate for 127.0.0.1, its own CA (self-signed, one day), for the tests
// that start a redis-server, sentinel or cluster node of their own with TLS only.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Writes cert.pem and key.pem into `dir`; their paths. */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=backprop-test'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  return { cert, key };
}
