namespace Shoal.Daemon.Rpc;

/// <summary>A request the daemon refuses: its message becomes the response's <c>result</c> (anything but "success").</summary>
public sealed class RpcException(string message) : Exception(message);
