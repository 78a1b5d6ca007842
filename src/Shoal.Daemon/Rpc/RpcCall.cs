using System.Text.Json;

namespace Shoal.Daemon.Rpc;

/// <summary>One method call: its arguments, the host, and the writer positioned inside the response's <c>arguments</c> object.</summary>
public sealed class RpcCall(ITorrentHost host, RpcArguments arguments, Utf8JsonWriter output, CancellationToken cancellationToken)
{
    public ITorrentHost Host { get; } = host;

    public RpcArguments Arguments { get; } = arguments;

    public Utf8JsonWriter Output { get; } = output;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The torrents the call's <c>ids</c> name (all of them without <c>ids</c>).</summary>
    public IReadOnlyList<IHostedTorrent> Torrents() => TorrentIds.Resolve(Host, Arguments);
}

/// <summary>A method's implementation; throws <see cref="RpcException"/> for a result other than "success".</summary>
public delegate Task RpcHandler(RpcCall call);
