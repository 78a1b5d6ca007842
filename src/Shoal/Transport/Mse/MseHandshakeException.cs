namespace Shoal.Transport.Mse;

/// <summary>An MSE/PE handshake failed: the peer misbehaved, timed out, or wants what our policy refuses.</summary>
public sealed class MseHandshakeException : IOException
{
    public MseHandshakeException(string message) : base(message) { }

    public MseHandshakeException(string message, Exception inner) : base(message, inner) { }

    public MseHandshakeException() { }
}
