import {generateKeyPairSync, randomBytes} from 'node:crypto'

import forge from 'node-forge'

export interface FakeTls {
  caPem: string
  certPem: string
  keyPem: string
}

/**
 * A throwaway CA and a server certificate for 127.0.0.1 / localhost (with the SAN that Node's
 * TLS insists on). Keys come from Node's native generator; node-forge only assembles the X.509.
 */
export function makeTls(): FakeTls {
  const rsa = () => {
    const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
    return {
      priv: forge.pki.privateKeyFromPem(privateKey.export({type: 'pkcs1', format: 'pem'}).toString()),
      pub: forge.pki.publicKeyFromPem(publicKey.export({type: 'spki', format: 'pem'}).toString()),
      pem: privateKey.export({type: 'pkcs1', format: 'pem'}).toString(),
    }
  }
  const now = new Date()
  const issue = (
    key: ReturnType<typeof rsa>,
    subject: forge.pki.CertificateField[],
    signer: forge.pki.rsa.PrivateKey,
    extensions: object[],
  ) => {
    const cert = forge.pki.createCertificate()
    cert.publicKey = key.pub
    cert.serialNumber = `01${randomBytes(8).toString('hex')}`
    cert.validity.notBefore = new Date(now.getTime() - 60_000)
    cert.validity.notAfter = new Date(now.getTime() + 30 * 24 * 3600 * 1000)
    cert.setSubject(subject)
    cert.setIssuer(caName)
    cert.setExtensions(extensions)
    cert.sign(signer, forge.md.sha256.create())
    return cert
  }
  const caName = [{name: 'commonName', value: 'chd fake Azure CA'}]
  const ca = rsa()
  const caCert = issue(ca, caName, ca.priv, [
    {name: 'basicConstraints', cA: true},
    {name: 'keyUsage', keyCertSign: true, cRLSign: true},
  ])
  const leaf = rsa()
  const cert = issue(leaf, [{name: 'commonName', value: 'localhost'}], ca.priv, [
    {name: 'basicConstraints', cA: false},
    {name: 'keyUsage', digitalSignature: true, keyEncipherment: true},
    {name: 'extKeyUsage', serverAuth: true},
    {
      name: 'subjectAltName',
      altNames: [
        {type: 2, value: 'localhost'},
        {type: 7, ip: '127.0.0.1'},
      ],
    },
  ])
  return {caPem: forge.pki.certificateToPem(caCert), certPem: forge.pki.certificateToPem(cert), keyPem: leaf.pem}
}
