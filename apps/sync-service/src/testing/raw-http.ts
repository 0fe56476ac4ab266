import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends bytes as they are to a listening server and reads the answer until the server closes or `ms` pass: for
 * what no HTTP client will send (a broken request line, a 20 KB header, bytes that are not UTF-8).
 */
export function sendRaw(port: number, data: string | Buffer, ms = 5000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (!match) {
        reject(new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const headers = match[2] ?? '';
      let body = match[3] ?? '';
      // One answer per test: cut a keep-alive connection's body at its announced length.
      const length = /^content-length:\s*(\d+)/im.exec(headers)?.[1];
      if (length !== undefined) body = Buffer.from(body).subarray(0, Number(length)).toString('utf8');
      resolve({ status: Number(match[1]), headers, body });
    };
    const timer = setTimeout(finish, ms);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
      if (head >= 0 && length !== undefined && Buffer.byteLength(text) - head - 4 >= Number(length)) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
  });
}
