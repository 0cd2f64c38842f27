// Redis Cluster's hash slot of a key, as the cluster spec defines it
// (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags): CRC16
// (XMODEM) of the key's hash tag — what lies between its first `{` and the next `}`, when not
// empty — else of the whole key, modulo 16384. Written out here, as no direct dependency of ours
// exports it (ioredis's cluster-key-slot is its own).

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The part of `key` Redis hashes: its hash tag, or the whole key. */
export function hashedPart(key: string): string {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

export function keySlot(key: string): number {
  return crc16(new TextEncoder().encode(hashedPart(key))) % 16384;
}
