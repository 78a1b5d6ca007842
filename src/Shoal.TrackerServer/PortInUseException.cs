namespace Shoal.TrackerServer;

/// <summary>The requested port is already taken (on TCP for HTTP, or UDP).</summary>
public sealed class PortInUseException(int port, string protocol, Exception? inner = null)
    : IOException($"port {port} is already in use ({protocol})", inner)
{
    public int Port { get; } = port;

    public string Protocol { get; } = protocol;
}
