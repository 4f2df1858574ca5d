namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>The protocol of the edge → core link (<c>Edge:CoreTransport</c>).</summary>
public enum CoreTransport
{
    /// <summary>HTTP/1.1: one connection per concurrent request.</summary>
    Http1,

    /// <summary>HTTP/2 cleartext with prior knowledge, inside a trusted network (the core's <c>LISTEN_H2C</c>).</summary>
    H2c,

    /// <summary>HTTP/2 over TLS, with a client certificate when the core requires mutual TLS.</summary>
    H2,
}
