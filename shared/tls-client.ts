import { isIP } from 'node:net';
import { connect, createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

// The client side of TLS, as grpc-js's createSsl does it but for the server
// name (SNI). grpc-js sends the host it dials as the server name even when
// that host is an IP address, which RFC 6066 forbids and Node reports on
// every connection as DEP0123: a CLI run or an agent dialling the
// coordinator at 127.0.0.1 printed a deprecation warning. Here an IP address
// is sent as no server name at all. The certificate must chain to the fleet
// CA and pass the caller's identity check against the host dialled (an IP
// must be an IP SAN).

/** dialledHost is the host the coordinator's certificate must name: the channel's target, or the one behind an HTTP CONNECT proxy. */
function dialledHost(target: grpc.experimental.GrpcUri, options: grpc.ChannelOptions): string {
  // Through a proxy (https_proxy), grpc-js dials the proxy and keeps the real target, as a URI string, in this option.
  const behindProxy: unknown = options['grpc.http_connect_target'];
  const path = typeof behindProxy === 'string' ? behindProxy.replace(/^[a-z][a-z0-9+.-]*:(?:\/\/[^/]*\/)?/i, '') : target.path;
  return grpc.experimental.splitHostPort(path)?.host ?? path;
}

type IdentityCheck = (host: string, cert: PeerCertificate) => Error | undefined;

class FleetTlsCredentials extends grpc.ChannelCredentials {
  constructor(
    private readonly context: SecureContext,
    private readonly checkServerIdentity: IdentityCheck,
  ) {
    super();
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: grpc.ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(target: grpc.experimental.GrpcUri, options: grpc.ChannelOptions, callCredentials?: grpc.CallCredentials): grpc.experimental.SecureConnector {
    const host = dialledHost(target, options);
    const secureContext = this.context;
    return {
      connect: (socket) =>
        new Promise((resolve, reject) => {
          // No servername for an IP: Node then checks the certificate against `host`.
          const tls = connect({ socket, secureContext, host, servername: isIP(host) ? undefined : host, ALPNProtocols: ['h2'], checkServerIdentity: this.checkServerIdentity }, () => {
            // rejectUnauthorized (Node's default) has already refused a bad certificate; this keeps it so if that changes.
            if (!tls.authorized) reject(tls.authorizationError);
            else resolve({ socket: tls, secure: true });
          });
          tls.on('error', reject);
        }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => callCredentials ?? grpc.credentials.createEmpty(),
      destroy: () => undefined,
    };
  }
}

/**
 * tlsChannelCredentials trusts only `ca` for the server, checks its
 * certificate with `checkServerIdentity` (the host name, and whatever else
 * the caller requires of it), and presents `key` and `cert` when given (agents).
 */
export function tlsChannelCredentials(ca: Buffer, key: Buffer | undefined, cert: Buffer | undefined, checkServerIdentity: IdentityCheck): grpc.ChannelCredentials {
  return new FleetTlsCredentials(createSecureContext({ ca, key, cert }), checkServerIdentity);
}
