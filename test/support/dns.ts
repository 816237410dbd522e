import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

// A DNS responder for tests over UDP on 127.0.0.1: every A question is
// answered with one address (127.0.0.1 by default), every other type with no
// record (NOERROR), so a name resolves to this machine and only over IPv4.
// Enough for Pebble's validation authority (-dnsserver), which asks AAAA then
// A for a challenge's domain.

export interface DnsResponder {
  port: number;
  /** The names asked about, lowercase, in order. */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;

export async function startDnsResponder(address = '127.0.0.1'): Promise<DnsResponder> {
  const ip = Buffer.from(address.split('.').map(Number));
  const queries: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    // Header (12 bytes), then the question: length-prefixed labels ending with 0, then type and class.
    if (msg.length < 17) return;
    const labels: string[] = [];
    let at = 12;
    while (at < msg.length && msg[at] !== 0) {
      const len = msg[at] as number;
      labels.push(msg.subarray(at + 1, at + 1 + len).toString('latin1'));
      at += 1 + len;
    }
    const questionEnd = at + 5;
    if (questionEnd > msg.length) return;
    queries.push(labels.join('.').toLowerCase());
    const answer = msg.readUInt16BE(at + 1) === TYPE_A;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // the query's id
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100), 2); // response, authoritative, RD echoed, NOERROR
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(answer ? 1 : 0, 6);
    // The answer: a pointer to the question's name (offset 12), type A, class IN, TTL 0, 4 bytes of address.
    const record = Buffer.from([0xc0, 12, 0, TYPE_A, 0, 1, 0, 0, 0, 0, 0, 4, ...ip]);
    const reply = Buffer.concat([header, msg.subarray(12, questionEnd), ...(answer ? [record] : [])]);
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (socket.address() as AddressInfo).port,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
