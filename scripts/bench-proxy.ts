/**
 * The ceiling for `chd start` in `npm run bench`: a proxy with no logic at all. Each request on PORT
 * becomes one POST to the handler on UPSTREAM_PORT at the same path minus /api, sent chunked as the
 * Functions host sends it, over the same kept connections (undici); the handler's answer goes back
 * as it came. Whatever `chd start` does beyond this is the cost of standing in for the host.
 */
import http from 'node:http'

import {Pool} from 'undici'

const upstream = new Pool(`http://127.0.0.1:${process.env.UPSTREAM_PORT}`)
const payload = Buffer.from(JSON.stringify({Data: {req: {Method: 'GET'}}, Metadata: {}}))

http
  .createServer((req, res) => {
    const chunks: Buffer[] = []
    upstream.dispatch(
      {
        path: String(req.url).replace(/^\/api/, ''),
        method: 'POST',
        headers: {'Content-Type': 'application/json; charset=utf-8'},
        // An iterable body goes out chunked; undici's types name only Readable among streams.
        body: [payload] as unknown as Buffer,
      },
      {
        onRequestStart() {},
        onResponseData(_c, chunk) {
          chunks.push(chunk)
        },
        onResponseEnd() {
          const body = Buffer.concat(chunks)
          res.writeHead(200, {'Content-Type': 'text/plain', 'Content-Length': body.length}).end(body)
        },
        onResponseError(_c, error) {
          res.writeHead(502).end(error.message)
        },
      },
    )
  })
  .listen(Number(process.env.PORT), '127.0.0.1')
